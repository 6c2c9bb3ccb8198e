/**
 * The shop's orders: placing them (regular checkout and Hurtigkasse), the
 * payment's outcome from whichever source tells first (webhook, eCom callback,
 * return page, status sync), and the admin's shipping (capture only what
 * ships), cancelling and refunding.
 *
 * Idempotency lives here. An order and its payment (reference, key, the exact
 * request) are written before Vipps MobilePay is called; every money operation
 * is written with its key before it is sent; a retry of either reuses them,
 * so nothing is charged twice, and an answer that never came leaves a state
 * (`unknown`) the status sync owns and resolves.
 */
import { createHash, randomBytes } from 'node:crypto'
import { isUniqueViolation } from '@kasse/storage'
import {
  type EcomInitiateInput,
  newIdempotencyKey,
  outcomeUnknown,
  VippsApiError,
  VippsEcomError,
  VippsError,
} from '@kasse/vipps'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Cart, Carts } from '../cart/service.ts'
import type { Product } from '../catalogue/service.ts'
import { findShippingMethod } from '../checkout/shipping.ts'
import { type Clock, nowDate } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import {
  type OperationRow,
  type OrderLineRow,
  order,
  orderLine,
  payment,
  paymentOperation,
  type ShipmentLine,
  shipment,
} from '../db/schema.ts'
import { ShopError } from '../errors.ts'
import { formatKroner, lineAmounts } from '../money.ts'
import { epaymentCreateRequest } from '../payments/epayment.ts'
import type { ExpressDetails, OperationReceipt, PaymentGateway, PaymentStatus } from '../payments/gateway.ts'
import {
  awaitsPayment,
  canCancel,
  canShip,
  describeState,
  type OrderFlow,
  type PaymentFailure,
  stateAfterCancel,
} from './machine.ts'
import { isOpen, type OperationKind, type OperationState } from './operations.ts'
import { loadOrder, moveOrder, newId, nextOrderNumber, type OrderView } from './store.ts'

/** What the shopper typed at checkout, already checked (checkout/validation.ts). */
export interface CheckoutDetails {
  name: string
  email: string
  phone: string
  addressLine1: string
  addressLine2?: string
  postalCode: string
  city: string
  shippingMethodId: string
}

/** Where starting a payment left the shopper. */
export type StartOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'failed'; failure: PaymentFailure }
  /** No answer: the order is `unknown`; the shopper may try again, the sync will too. */
  | { kind: 'unknown' }
  /** The order is no longer waiting for payment (paid, failed or cancelled meanwhile). */
  | { kind: 'settled' }

/** What a capture, cancel or refund came to. */
export interface OperationOutcome {
  state: OperationState
  /** For the admin: the platform's reason for a refusal. */
  message?: string
}

export interface OrdersOptions {
  db: ShopDb
  clock: Clock
  carts: Carts
  gateways: Record<OrderFlow, PaymentGateway>
  /** Where browsers and Vipps reach the shop, read when a request is built (the port is known late). */
  publicUrl: () => string
  shopName: string
  log: FastifyBaseLogger
}

/** eCom callbacks come here: `{prefix}/v2/payments/{orderId}` and friends. */
export const ECOM_CALLBACK_PATH = '/vipps/ecom'

/** The hash the shop keeps of an eCom authToken, compared in constant time by its length-fixed form. */
export const authTokenHash = (token: string): string => createHash('sha256').update(token).digest('hex')

export class Orders {
  private readonly db: ShopDb
  private readonly clock: Clock

  constructor(private readonly options: OrdersOptions) {
    this.db = options.db
    this.clock = options.clock
  }

  /** The order with its parts, or ORDER_NOT_FOUND. */
  async get(id: string): Promise<OrderView> {
    const view = await loadOrder(this.db, id)
    if (!view) throw new ShopError('ORDER_NOT_FOUND', 'Vi finner ikke denne ordren')
    return view
  }

  /**
   * Writes a regular checkout's order (pending_payment) with its lines, the
   * shipping line and its ePayment request, reference and key. Calls nothing:
   * `startPayment` does, so the order exists whatever happens to that call.
   */
  async placeOrder(cart: Cart, details: CheckoutDetails): Promise<OrderView> {
    if (!cart.id || cart.lines.length === 0) {
      throw new ShopError('EMPTY_CART', 'Handlekurven er tom', { field: 'cart' })
    }
    const method = findShippingMethod(details.shippingMethodId, details.postalCode)
    if (!method) {
      throw new ShopError('VALIDATION_FAILED', 'Velg en leveringsmåte', { field: 'shippingMethodId' })
    }
    const now = nowDate(this.clock)
    const id = newId('ord')
    await this.db.transaction(async (tx) => {
      const number = await nextOrderNumber(tx)
      const lines: OrderLineRow[] = cart.lines.map((line, index) =>
        orderLineOf(id, index + 1, line.product, line.quantity),
      )
      lines.push(shippingLineOf(id, lines.length + 1, method.id, method.name, method.price, method.vatRate))
      const goodsAmount = cart.goodsAmount
      const row = {
        id,
        number,
        flow: 'epayment' as const,
        state: 'pending_payment' as const,
        cartId: cart.id,
        currency: 'NOK' as const,
        goodsAmount,
        shippingAmount: method.price,
        totalAmount: goodsAmount + method.price,
        shippingMethodId: method.id,
        shippingMethodName: method.name,
        customerName: details.name,
        customerEmail: details.email,
        customerPhone: details.phone,
        addressLine1: details.addressLine1,
        addressLine2: details.addressLine2 ?? null,
        postalCode: details.postalCode,
        city: details.city,
        country: 'NO',
        createdAt: now,
        updatedAt: now,
      }
      const reference = referenceFor(number)
      const request = epaymentCreateRequest({
        order: row,
        lines,
        reference,
        returnUrl: `${this.options.publicUrl()}/ordre/${id}/retur`,
        shopName: this.options.shopName,
      })
      await storeOrder(tx, row, lines, { provider: 'epayment', reference, request })
    })
    return this.get(id)
  }

  /**
   * Writes a Hurtigkasse order for one product: no address or shipping yet
   * (Vipps MobilePay asks the shop for its shipping options and tells the
   * choice), its eCom initiate request with a fresh authToken, stored before
   * initiating.
   */
  async placeExpressOrder(product: Product, quantity: number): Promise<OrderView> {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
      throw new ShopError('VALIDATION_FAILED', 'Antall må være et helt tall fra 1 til 99', {
        field: 'quantity',
      })
    }
    const now = nowDate(this.clock)
    const id = newId('ord')
    const base = this.options.publicUrl()
    const authToken = randomBytes(24).toString('base64url')
    await this.db.transaction(async (tx) => {
      const number = await nextOrderNumber(tx)
      const line = orderLineOf(id, 1, product, quantity)
      const reference = referenceFor(number)
      const callbackPrefix = `${base}${ECOM_CALLBACK_PATH}`
      const request: EcomInitiateInput = {
        customerInfo: {},
        merchantInfo: {
          callbackPrefix,
          shippingDetailsPrefix: callbackPrefix,
          consentRemovalPrefix: callbackPrefix,
          fallBack: `${base}/ordre/${id}/retur`,
          authToken,
          paymentType: 'eComm Express Payment',
        },
        transaction: {
          orderId: reference,
          amount: line.grossAmount,
          transactionText: `Ordre ${number} hos ${this.options.shopName}`.slice(0, 100),
          useExplicitCheckoutFlow: true,
        },
      }
      const row = {
        id,
        number,
        flow: 'ecom_express' as const,
        state: 'pending_payment' as const,
        currency: 'NOK' as const,
        goodsAmount: line.grossAmount,
        totalAmount: line.grossAmount,
        createdAt: now,
        updatedAt: now,
      }
      await storeOrder(tx, row, [line], {
        provider: 'ecom',
        reference,
        request,
        authTokenHash: authTokenHash(authToken),
      })
    })
    return this.get(id)
  }

  /**
   * Sends the order's stored payment request (again, with the same key, when
   * its first answer was lost) and says where the shopper goes next.
   */
  async startPayment(id: string): Promise<StartOutcome> {
    const view = await this.get(id)
    if (!awaitsPayment(view.order.state)) return { kind: 'settled' }
    if (view.payment.redirectUrl && view.order.state === 'pending_payment') {
      return { kind: 'redirect', url: view.payment.redirectUrl }
    }
    try {
      const { redirectUrl } = await this.gateway(view).start(view.payment)
      const now = nowDate(this.clock)
      await this.db.update(payment).set({ redirectUrl, updatedAt: now }).where(eq(payment.orderId, id))
      await moveOrder(this.db, id, 'pending_payment', { updatedAt: now }, ['unknown'])
      return { kind: 'redirect', url: redirectUrl }
    } catch (error) {
      if (isRefusal(error) && !isUsedEcomOrderId(error)) {
        this.options.log.warn(
          { order: view.order.number, refusal: refusalCode(error) },
          'payment refused at start',
        )
        await this.fail(id, 'refused')
        return { kind: 'failed', failure: 'refused' }
      }
      if (!(error instanceof VippsError)) throw error
      this.options.log.warn({ order: view.order.number, kind: error.kind }, 'payment start unanswered')
      await moveOrder(this.db, id, 'unknown', { updatedAt: nowDate(this.clock) }, ['pending_payment'])
      return { kind: 'unknown' }
    }
  }

  /**
   * The status sync for one order still waiting for payment: asks the platform
   * and applies what it says. A request the platform never got (`missing`) is
   * sent again with its key, which is safe and what `unknown` is for.
   */
  async refreshPayment(id: string): Promise<OrderView> {
    const view = await this.get(id)
    if (!awaitsPayment(view.order.state)) return view
    let status: PaymentStatus
    try {
      status = await this.gateway(view).status(view.payment)
    } catch (error) {
      if (!(error instanceof VippsError)) throw error
      this.options.log.warn({ order: view.order.number, kind: error.kind }, 'payment status unavailable')
      return view
    }
    if (status.kind === 'missing') {
      // The request never arrived: its answer was lost before it was sent, or the process stopped
      // between storing the order and calling. Sending it again with its key is safe.
      if (view.order.state === 'unknown' || view.payment.redirectUrl === null) await this.startPayment(id)
      return this.get(id)
    }
    await this.applyStatus(id, status)
    return this.get(id)
  }

  /**
   * Applies what a webhook, a callback or a lookup said about the shopper's
   * payment. Repeats are harmless: an outcome already applied changes nothing.
   */
  async applyStatus(id: string, status: PaymentStatus): Promise<void> {
    switch (status.kind) {
      case 'missing':
        return
      case 'pending': {
        const now = nowDate(this.clock)
        if (status.redirectUrl) {
          await this.db
            .update(payment)
            .set({ redirectUrl: status.redirectUrl, updatedAt: now })
            .where(and(eq(payment.orderId, id), sql`${payment.redirectUrl} IS NULL`))
        }
        await moveOrder(this.db, id, 'pending_payment', { updatedAt: now }, ['unknown'])
        return
      }
      case 'authorized':
        return this.authorize(id, status.amount, status.pspReference, status.express)
      case 'failed': {
        // The shop's own cancel of a waiting order ends it as cancelled when its answer settles.
        const view = await this.get(id)
        if (view.operations.some((op) => op.kind === 'cancel' && isOpen(op.state))) return
        await this.fail(id, status.failure)
        return
      }
      default: {
        const never: never = status
        throw new Error(`unhandled payment status ${JSON.stringify(never)}`)
      }
    }
  }

  private async authorize(id: string, amount: number, pspReference?: string, express?: ExpressDetails) {
    const view = await this.get(id)
    const { order: current } = view
    if (!awaitsPayment(current.state)) return
    const now = nowDate(this.clock)
    if (current.flow === 'epayment') {
      if (amount !== current.totalAmount) {
        // Never mark paid for another amount: the status sync looks again, and the admin sees the order waiting.
        this.options.log.error({ order: current.number, amount }, 'authorized amount differs from the order')
        return
      }
      await this.db.transaction(async (tx) => {
        const moved = await moveOrder(tx, id, 'reserved', { updatedAt: now })
        if (!moved) return
        await tx
          .update(payment)
          .set({ authorizedAmount: amount, pspReference: pspReference ?? null, updatedAt: now })
          .where(eq(payment.orderId, id))
      })
    } else {
      if (!express) {
        this.options.log.warn({ order: current.number }, 'express payment reserved without its details yet')
        return
      }
      const shippingCost = amount - current.goodsAmount
      if (shippingCost < 0 || shippingCost !== express.shippingCost) {
        this.options.log.error(
          { order: current.number, amount },
          'reserved amount is not goods plus shipping',
        )
        return
      }
      await this.db.transaction(async (tx) => {
        const moved = await moveOrder(tx, id, 'reserved', {
          updatedAt: now,
          shippingAmount: shippingCost,
          totalAmount: amount,
          shippingMethodId: express.shippingMethodId,
          shippingMethodName: express.shippingMethodName,
          customerName: express.customerName,
          customerEmail: express.customerEmail,
          customerPhone: express.customerPhone,
          addressLine1: express.address.line1,
          addressLine2: express.address.line2,
          postalCode: express.address.postalCode,
          city: express.address.city,
          country: express.address.country,
          ecomUserId: express.userId,
        })
        if (!moved) return
        const vatRate = findShippingMethod(express.shippingMethodId)?.vatRate ?? 2500
        await tx
          .insert(orderLine)
          .values(
            shippingLineOf(
              id,
              view.lines.length + 1,
              express.shippingMethodId,
              express.shippingMethodName,
              shippingCost,
              vatRate,
            ),
          )
        await tx
          .update(payment)
          .set({ authorizedAmount: amount, updatedAt: now })
          .where(eq(payment.orderId, id))
      })
    }
    if (current.cartId) await this.options.carts.clear(current.cartId)
  }

  private async fail(id: string, failure: PaymentFailure): Promise<void> {
    await moveOrder(this.db, id, 'payment_failed', { failure, updatedAt: nowDate(this.clock) }, [
      'pending_payment',
      'unknown',
    ])
  }

  /**
   * Ships lines (quantity per line number) and captures exactly their price;
   * the first shipment carries the shipping too. The shipment and its capture
   * (with its key) are written first, the quantities counted as on their way,
   * then the capture is sent.
   */
  async ship(
    id: string,
    quantities: ReadonlyMap<number, number>,
    tracking?: string,
  ): Promise<OperationOutcome> {
    const opId = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(order).where(eq(order.id, id)).for('update')
      if (!current) throw new ShopError('ORDER_NOT_FOUND', 'Vi finner ikke denne ordren')
      if (!canShip(current.state)) {
        throw new ShopError(
          'ORDER_STATE_CONFLICT',
          `En ordre som er ${describeState(current.state)} kan ikke sendes`,
        )
      }
      const lines = await tx.select().from(orderLine).where(eq(orderLine.orderId, id)).for('update')
      const shipped: ShipmentLine[] = []
      let amount = 0
      for (const [lineNo, quantity] of quantities) {
        if (quantity === 0) continue
        const line = lines.find((l) => l.lineNo === lineNo && !l.isShipping)
        const field = `quantity_${lineNo}`
        if (!line) throw new ShopError('VALIDATION_FAILED', `Ordren har ingen linje ${lineNo}`, { field })
        const left = line.quantity - line.shippedQuantity - line.cancelledQuantity
        if (!Number.isInteger(quantity) || quantity < 0 || quantity > left) {
          throw new ShopError('VALIDATION_FAILED', `${line.name}: du kan sende fra 0 til ${left}`, { field })
        }
        shipped.push({ lineNo, quantity })
        amount += line.unitPrice * quantity
      }
      if (shipped.length === 0) {
        throw new ShopError('VALIDATION_FAILED', 'Velg minst én vare å sende', { field: 'quantity' })
      }
      const shippingLine = lines.find(
        (l) => l.isShipping && l.shippedQuantity + l.cancelledQuantity < l.quantity,
      )
      if (shippingLine) {
        shipped.push({ lineNo: shippingLine.lineNo, quantity: 1 })
        amount += shippingLine.grossAmount
      }
      const now = nowDate(this.clock)
      const [{ count }] = (await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(shipment)
        .where(eq(shipment.orderId, id))) as [{ count: number }]
      const shipmentId = newId('shp')
      await tx.insert(shipment).values({
        id: shipmentId,
        orderId: id,
        number: count + 1,
        lines: shipped,
        amount,
        tracking: tracking?.trim() || null,
        state: 'capturing',
        createdAt: now,
        updatedAt: now,
      })
      const op = await this.insertOperation(tx, id, 'capture', amount, shipmentId)
      for (const part of shipped) {
        await tx
          .update(orderLine)
          .set({ shippedQuantity: sql`${orderLine.shippedQuantity} + ${part.quantity}` })
          .where(and(eq(orderLine.orderId, id), eq(orderLine.lineNo, part.lineNo)))
      }
      return op
    })
    return this.send(opId)
  }

  /** Cancels what is not shipped: releases the rest of the reservation, or stops the payment request. */
  async cancel(id: string): Promise<OperationOutcome> {
    const view = await this.get(id)
    if (!canCancel(view.order.state)) {
      throw new ShopError(
        'ORDER_STATE_CONFLICT',
        `En ordre som er ${describeState(view.order.state)} kan ikke kanselleres`,
      )
    }
    const opId = await this.db.transaction((tx) => this.insertOperation(tx, id, 'cancel', null, null))
    return this.send(opId)
  }

  /** Refunds `amount` øre of what is captured and not yet refunded. */
  async refund(id: string, amount: number): Promise<OperationOutcome> {
    const view = await this.get(id)
    const refundable = view.payment.capturedAmount - view.payment.refundedAmount
    if (refundable <= 0) {
      throw new ShopError('ORDER_STATE_CONFLICT', 'Ingenting er trukket ennå, så ingenting kan refunderes')
    }
    if (!Number.isSafeInteger(amount) || amount < 1 || amount > refundable) {
      throw new ShopError(
        'VALIDATION_FAILED',
        `Beløpet må være mellom kr 0,01 og ${formatKroner(refundable)}`,
        {
          field: 'amount',
        },
      )
    }
    const opId = await this.db.transaction((tx) => this.insertOperation(tx, id, 'refund', amount, null))
    return this.send(opId)
  }

  /**
   * Sends an operation whose outcome is open again, with its stored key: the
   * status sync's part for operations.
   */
  async resend(opId: string): Promise<OperationOutcome> {
    return this.send(opId)
  }

  private async insertOperation(
    tx: ShopDb,
    orderId: string,
    kind: OperationKind,
    amount: number | null,
    shipmentId: string | null,
  ): Promise<string> {
    const now = nowDate(this.clock)
    const id = newId('op')
    try {
      // A savepoint, so a refusal here leaves the caller's transaction usable on PostgreSQL.
      await tx.transaction((inner) =>
        inner.insert(paymentOperation).values({
          id,
          orderId,
          kind,
          amount,
          idempotencyKey: newIdempotencyKey(),
          state: 'requested',
          shipmentId,
          createdAt: now,
          updatedAt: now,
        }),
      )
    } catch (error) {
      if (isUniqueViolation(error, 'shop_payment_operation_one_open')) {
        throw new ShopError(
          'OPERATION_IN_PROGRESS',
          'En annen trekk, kansellering eller refusjon av ordren er ikke avklart ennå; prøv igjen om litt',
        )
      }
      throw error
    }
    return id
  }

  /** Sends an operation with its key and settles it by the answer. */
  private async send(opId: string): Promise<OperationOutcome> {
    const [op] = await this.db.select().from(paymentOperation).where(eq(paymentOperation.id, opId))
    if (!op) throw new ShopError('NOT_FOUND', `No operation ${opId}`)
    if (!isOpen(op.state)) return { state: op.state, ...(op.error ? { message: op.error } : {}) }
    const view = await this.get(op.orderId)
    const gateway = this.gateway(view)
    const text = operationText(view, op)
    let receipt: OperationReceipt = {}
    try {
      switch (op.kind) {
        case 'capture':
          receipt = await gateway.capture(view.payment, op.amount!, op.idempotencyKey, text)
          break
        case 'refund':
          receipt = await gateway.refund(view.payment, op.amount!, op.idempotencyKey, text)
          break
        case 'cancel':
          if (view.order.state === 'unknown' && (await gateway.status(view.payment)).kind === 'missing') {
            // The request never reached the platform: there is nothing there to cancel.
            break
          }
          await gateway.cancel(view.payment, op.idempotencyKey, {
            afterCapture: view.payment.capturedAmount > 0,
            text,
          })
          break
        default: {
          const never: never = op.kind
          throw new Error(`unhandled operation ${String(never)}`)
        }
      }
    } catch (error) {
      if (isRefusal(error)) {
        if (op.kind === 'cancel' && op.state === 'unknown' && (await gateway.isReleased(view.payment))) {
          // eCom's cancel has no key: repeated after a lost answer it is refused as already done. It was.
          await this.settle(op, 'done')
          return { state: 'done' }
        }
        const message = refusalReason(error)
        this.options.log.warn(
          { order: view.order.number, operation: op.kind, refusal: refusalCode(error) },
          'operation refused',
        )
        await this.settle(op, 'refused', message)
        return { state: 'refused', message }
      }
      if (!(error instanceof VippsError)) throw error
      this.options.log.warn(
        { order: view.order.number, operation: op.kind, kind: error.kind },
        'operation unanswered',
      )
      await this.settle(op, 'unknown')
      return { state: 'unknown' }
    }
    await this.settle(op, 'done', undefined, receipt.pspReference)
    return { state: 'done' }
  }

  /**
   * Settles an operation and what follows from it, in one transaction. Only an
   * open operation settles, so a webhook and an answer arriving together
   * apply it once.
   */
  async settle(
    op: OperationRow,
    next: 'done' | 'refused' | 'unknown',
    error?: string,
    pspReference?: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const now = nowDate(this.clock)
      const from: OperationState[] = next === 'unknown' ? ['requested'] : ['requested', 'unknown']
      const [settled] = await tx
        .update(paymentOperation)
        .set({ state: next, error: error ?? null, updatedAt: now, ...(pspReference ? { pspReference } : {}) })
        .where(and(eq(paymentOperation.id, op.id), inArray(paymentOperation.state, from)))
        .returning()
      if (!settled) {
        // Settled already: the answer and the webhook raced, and the other one won. The
        // webhook's pspReference is still the operation's own, and only it carries it.
        if (next === 'done' && pspReference) {
          await tx
            .update(paymentOperation)
            .set({ pspReference })
            .where(
              and(
                eq(paymentOperation.id, op.id),
                eq(paymentOperation.state, 'done'),
                isNull(paymentOperation.pspReference),
              ),
            )
        }
        return
      }
      if (next === 'unknown') return
      if (next === 'refused') {
        if (op.kind === 'capture' && op.shipmentId) await this.undoShipment(tx, op.shipmentId, now)
        return
      }
      const [current] = await tx.select().from(order).where(eq(order.id, op.orderId)).for('update')
      const [pay] = await tx.select().from(payment).where(eq(payment.orderId, op.orderId))
      if (!current || !pay) throw new Error(`operation ${op.id} has no order`)
      switch (op.kind) {
        case 'capture': {
          await tx
            .update(shipment)
            .set({ state: 'captured', updatedAt: now })
            .where(eq(shipment.id, op.shipmentId!))
          await tx
            .update(payment)
            .set({ capturedAmount: sql`${payment.capturedAmount} + ${op.amount!}`, updatedAt: now })
            .where(eq(payment.orderId, op.orderId))
          const lines = await tx.select().from(orderLine).where(eq(orderLine.orderId, op.orderId))
          const complete = lines.every((l) => l.shippedQuantity + l.cancelledQuantity === l.quantity)
          const next = complete ? 'shipped' : 'partially_shipped'
          if (next !== current.state) await moveOrder(tx, op.orderId, next, { updatedAt: now })
          return
        }
        case 'refund':
          await tx
            .update(payment)
            .set({ refundedAmount: sql`${payment.refundedAmount} + ${op.amount!}`, updatedAt: now })
            .where(eq(payment.orderId, op.orderId))
          return
        case 'cancel': {
          if (!canCancel(current.state)) return
          await tx
            .update(payment)
            .set({ cancelledAmount: pay.authorizedAmount - pay.capturedAmount, updatedAt: now })
            .where(eq(payment.orderId, op.orderId))
          await tx
            .update(orderLine)
            .set({ cancelledQuantity: sql`${orderLine.quantity} - ${orderLine.shippedQuantity}` })
            .where(eq(orderLine.orderId, op.orderId))
          await moveOrder(tx, op.orderId, stateAfterCancel(current.state), { updatedAt: now })
          return
        }
        default: {
          const never: never = op.kind
          throw new Error(`unhandled operation ${String(never)}`)
        }
      }
    })
  }

  /** A refused capture: the shipment did not happen, its quantities are back on the order. */
  private async undoShipment(tx: ShopDb, shipmentId: string, now: Date): Promise<void> {
    const [failed] = await tx
      .update(shipment)
      .set({ state: 'failed', updatedAt: now })
      .where(and(eq(shipment.id, shipmentId), eq(shipment.state, 'capturing')))
      .returning()
    if (!failed) return
    for (const part of failed.lines) {
      await tx
        .update(orderLine)
        .set({ shippedQuantity: sql`${orderLine.shippedQuantity} - ${part.quantity}` })
        .where(and(eq(orderLine.orderId, failed.orderId), eq(orderLine.lineNo, part.lineNo)))
    }
  }

  /**
   * An ePayment webhook named an operation by its key (CAPTURED, REFUNDED,
   * CANCELLED echo the request's Idempotency-Key): one whose answer was lost
   * is settled as done. The event's pspReference is the operation's own, as
   * the settlement report names it: kept, whenever the webhook comes.
   */
  async settleByKey(idempotencyKey: string, pspReference?: string): Promise<void> {
    const [op] = await this.db
      .select()
      .from(paymentOperation)
      .where(eq(paymentOperation.idempotencyKey, idempotencyKey))
    if (!op) return
    if (isOpen(op.state)) {
      await this.settle(op, 'done', undefined, pspReference)
      return
    }
    if (op.state === 'done' && pspReference && op.pspReference === null) {
      await this.db
        .update(paymentOperation)
        .set({ pspReference })
        .where(and(eq(paymentOperation.id, op.id), isNull(paymentOperation.pspReference)))
    }
  }

  /**
   * A user withdrew their consent in Vipps: their name, contact details and
   * address are removed from their finished orders. Orders still to be
   * shipped keep the address until they are (the shop needs it to deliver).
   * Returns how many orders were cleaned.
   */
  async removePersonalData(orderIds: string[]): Promise<number> {
    if (orderIds.length === 0) return 0
    const cleaned = await this.db
      .update(order)
      .set({
        customerName: null,
        customerEmail: null,
        customerPhone: null,
        addressLine1: null,
        addressLine2: null,
        postalCode: null,
        city: null,
        country: null,
        ecomUserId: null,
        personalDataRemovedAt: nowDate(this.clock),
      })
      .where(
        and(inArray(order.id, orderIds), inArray(order.state, ['shipped', 'cancelled', 'payment_failed'])),
      )
      .returning({ id: order.id })
    return cleaned.length
  }

  private gateway(view: OrderView): PaymentGateway {
    return this.options.gateways[view.order.flow]
  }
}

/** Writes a new order, its lines and its payment with a fresh idempotency key, in the caller's transaction. */
async function storeOrder(
  tx: ShopDb,
  row: typeof order.$inferInsert,
  lines: OrderLineRow[],
  pay: { provider: 'epayment' | 'ecom'; reference: string; request: object; authTokenHash?: string },
): Promise<void> {
  await tx.insert(order).values(row)
  await tx.insert(orderLine).values(lines)
  await tx.insert(payment).values({
    orderId: row.id,
    provider: pay.provider,
    reference: pay.reference,
    idempotencyKey: newIdempotencyKey(),
    request: pay.request as Record<string, unknown>,
    authTokenHash: pay.authTokenHash ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  })
}

/** A product as an order line: gross = unit × quantity, VAT rounded once. */
function orderLineOf(orderId: string, lineNo: number, product: Product, quantity: number): OrderLineRow {
  const { grossAmount, vatAmount } = lineAmounts(product.unitPrice, quantity, product.vatRate)
  return {
    orderId,
    lineNo,
    productId: product.id,
    sku: product.sku,
    name: product.name,
    unitPrice: product.unitPrice,
    quantity,
    vatRate: product.vatRate,
    grossAmount,
    vatAmount,
    isShipping: false,
    shippedQuantity: 0,
    cancelledQuantity: 0,
  }
}

function shippingLineOf(
  orderId: string,
  lineNo: number,
  methodId: string,
  name: string,
  price: number,
  vatRate: number,
): OrderLineRow {
  const { grossAmount, vatAmount } = lineAmounts(price, 1, vatRate)
  return {
    orderId,
    lineNo,
    productId: null,
    sku: `frakt-${methodId}`.slice(0, 40),
    name: `Frakt: ${name}`,
    unitPrice: price,
    quantity: 1,
    vatRate,
    grossAmount,
    vatAmount,
    isShipping: true,
    shippedQuantity: 0,
    cancelledQuantity: 0,
  }
}

/**
 * The payment's reference (ePayment) or orderId (eCom): the order number and
 * a random part, since references are unique per MSN forever and another
 * environment (or a reset database) on the same MSN reuses numbers.
 */
const referenceFor = (number: number) => `nettbutikk-${number}-${randomBytes(4).toString('hex')}`

/** Whether a payment reference is one the shop makes (others on the MSN are the till's, or another channel's). */
export const isShopReference = (reference: string): boolean => /^nettbutikk-\d+-[0-9a-f]{8}$/.test(reference)

/** The text Vipps shows for an operation (eCom's transactionText; the proof of delivery for a capture). */
function operationText(view: OrderView, op: OperationRow): string {
  const base = `Ordre ${view.order.number}`
  if (op.kind === 'capture') {
    const sent = view.shipments.find((s) => s.id === op.shipmentId)
    return `${base}, sending ${sent?.number ?? ''}${sent?.tracking ? `: ${sent.tracking}` : ''}`.slice(0, 100)
  }
  return `${base}, ${op.kind === 'refund' ? 'refusjon' : 'kansellert'}`
}

/** A definitive "no" from the platform: nothing happened and repeating will not change it. */
function isRefusal(error: unknown): error is VippsApiError | VippsEcomError {
  return (
    (error instanceof VippsApiError || error instanceof VippsEcomError) &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429 &&
    !outcomeUnknown(error)
  )
}

/** eCom 34: the orderId is used, so an earlier initiate of this very order did arrive. */
const isUsedEcomOrderId = (error: unknown) => error instanceof VippsEcomError && error.errorCode === '34'

/** The refusal's stable code for logs: never its text, which may name a person or a number. */
function refusalCode(error: VippsApiError | VippsEcomError): string {
  return error instanceof VippsEcomError
    ? `ecom ${error.errorCode ?? error.status}`
    : `${error.status} ${error.type ?? ''}`.trim()
}

function refusalReason(error: VippsApiError | VippsEcomError): string {
  if (error instanceof VippsEcomError) return error.errors[0]?.errorMessage ?? error.message
  return error.detail ?? error.title ?? error.message
}
