/**
 * Sales at the till: the cart a cashier builds, its totals, and the moves
 * towards payment. Each till has its own current sale; a cashier only ever
 * sees and changes the sale of the till they are signed in at.
 *
 * The payment flow builds on `beginPayment` (freezes the cart, gives the sale
 * its receipt number, returns the ePayment receipt), `resumeEditing` (after a
 * failed or cancelled payment) and `registerPaid`.
 */
import type { Currency } from '@kasse/vipps'
import { MAX_AMOUNT_VALUE } from '@kasse/vipps'
import type { Actor } from '../cashiers/service.ts'
import { requireManager } from '../cashiers/service.ts'
import type { Catalogue, Product } from '../catalogue/service.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import type { CustomerSource } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import { assertMove, describeState, isCartEditable, type SaleState } from './machine.ts'
import {
  freezeSale,
  loadSale,
  lockSaleForPayment,
  markPaidIfWaiting,
  type PayingSale,
  reopenIfWaiting,
} from './payment-store.ts'
import { type LineDiscount, type LinePrice, priceLine, type SaleTotals, totalLines } from './pricing.ts'
import { type EpaymentReceipt, toEpaymentReceipt } from './receipt.ts'
import {
  deleteLine,
  discountOf,
  type FoundSale,
  findCurrentSaleWithLines,
  findSaleRow,
  insertLine,
  insertOpenSaleUnlessCurrent,
  type LockedCart,
  linesOf,
  lockCart,
  lockSale,
  nextPosition,
  type SaleCustomerChange,
  type SaleLineRow,
  type SaleRow,
  setOpenSaleCustomer,
  setSaleCustomer,
  updateLine,
  updateSale,
  type WantedProduct,
} from './store.ts'

/** The most of one item on one line: more is a typo (a barcode typed into the quantity field). */
export const MAX_QUANTITY = 999

export interface SaleLine {
  id: string
  position: number
  productId: string
  name: string
  barcode: string
  unitPrice: number
  quantity: number
  /** Hundredths of a percent. */
  vatRate: number
  discount: LineDiscount | null
  price: LinePrice
}

/** Who the payment request goes to, as the cashier identified them. */
export interface SaleCustomer {
  msisdn: string
  source: CustomerSource
  /** The scanned personal QR's complete content (source 'qr'): what the payment request carries. */
  personalQr: string | null
}

export interface Sale {
  id: string
  storeId: string
  tillId: string
  posId: string
  state: SaleState
  currency: Currency
  receiptNumber: number | null
  openedAt: Date
  updatedAt: Date
  closedAt: Date | null
  customer: SaleCustomer | null
  /** The customer's club membership, checked when the customer was identified (or enrolled). */
  member: SaleMember | null
  /** Points its captured payment earned; null unless the sale was paid to a member. */
  pointsEarned: number | null
  lines: SaleLine[]
  totals: SaleTotals
}

/** The member on a sale: who, and their points balance now. */
export interface SaleMember {
  id: string
  name: string
  points: number
}

export type AddLineInput = ({ barcode: string } | { productId: string }) & { quantity?: number }

/** Who a sale is for, as `setCustomer` sets it (all null: nobody); the member is looked up by the number. */
export type CustomerChange = SaleCustomerChange

export class Sales {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly catalogue: Catalogue,
  ) {}

  /** The till's current sale, opening an empty one if it has none. Safe to call twice at once. */
  async open(actor: Actor): Promise<Sale> {
    // Opening is tried first: after a paid sale (the usual case) that is the
    // one statement needed, and the sale just inserted is known without reading it.
    for (let tries = 0; tries < 2; tries++) {
      const now = this.now()
      const inserted = await insertOpenSaleUnlessCurrent(this.db, {
        id: newId('sale'),
        storeId: actor.storeId,
        tillId: actor.tillId,
        openedBy: actor.cashierId,
        currency: actor.currency,
        openedAt: now,
      })
      if (inserted) return toSale({ ...inserted, posId: actor.posId, member: null, pointsEarned: null }, [])
      // The till has a current sale (or another request opened one first): that one is it,
      // unless it was paid or voided in the moment between, when opening is tried again.
      const current = await findCurrentSaleWithLines(this.db, actor.tillId)
      if (current) return toSale(current.sale, current.lines)
    }
    throw new Error('the till has a current sale that could not be read')
  }

  /** The till's current sale; SALE_NOT_FOUND if it has none. */
  async current(actor: Actor): Promise<Sale> {
    const current = await findCurrentSaleWithLines(this.db, actor.tillId)
    if (!current) throw new PosError('SALE_NOT_FOUND', 'This till has no open sale')
    return toSale(current.sale, current.lines)
  }

  /** A sale of the actor's till. */
  async get(actor: Actor, saleId: string): Promise<Sale> {
    const sale = await this.load(saleId)
    if (sale.tillId !== actor.tillId) throw saleNotFound(saleId)
    return sale
  }

  /** A sale of the actor's till as stored, without its lines: for a look at its state and customer. */
  async getRow(actor: Actor, saleId: string): Promise<SaleRow> {
    return ownSale(await findSaleRow(this.db, saleId), actor, saleId)
  }

  /**
   * Adds a product by barcode (the scanner) or id (a tap, a search). The same
   * product at the same price without a discount adds to its line's quantity.
   */
  async addLine(actor: Actor, saleId: string, input: AddLineInput): Promise<Sale> {
    const quantity = input.quantity ?? 1
    checkQuantity(quantity)
    // The product is looked up by the statement that locks the cart; its errors come first, as a
    // product's errors always did (a misread barcode before any statement at all).
    const wanted: WantedProduct =
      'barcode' in input
        ? { storeId: actor.storeId, barcode: this.catalogue.scannedBarcode(input.barcode) }
        : { storeId: actor.storeId, productId: input.productId }
    return this.db.transaction(async (tx) => {
      const now = this.now()
      const found = await lockCart(tx, saleId, now, wanted)
      // A throw rolls the lock's touch back, as if the scan had been refused before it.
      const product =
        'barcode' in wanted
          ? this.catalogue.sellableScanned(found.product, wanted.barcode)
          : this.catalogue.sellableChosen(found.product, wanted.productId)
      const { sale, lines } = editableCart(found.cart, actor, saleId)
      const changed = await this.addProduct(tx, saleId, lines, product, quantity, now)
      return this.answerFor(actor, { sale, lines: changed })
    })
  }

  /** The same product at the same price without a discount adds to its line's quantity; anything else is a new line. */
  private async addProduct(
    tx: Db,
    saleId: string,
    lines: SaleLineRow[],
    product: Product,
    quantity: number,
    now: Date,
  ): Promise<SaleLineRow[]> {
    const same = lines.find(
      (l) => l.productId === product.id && l.unitPrice === product.grossPrice && l.discountKind === null,
    )
    if (same) {
      checkQuantity(same.quantity + quantity)
      return this.changeLine(tx, lines, same, { quantity: same.quantity + quantity, updatedAt: now })
    }
    const line = lineFor(product, saleId, nextPosition(lines), quantity, now)
    await insertLine(tx, line)
    return [...lines, line]
  }

  async changeQuantity(actor: Actor, saleId: string, lineId: string, quantity: number): Promise<Sale> {
    checkQuantity(quantity)
    return this.changeCart(actor, saleId, (tx, lines, now) =>
      this.changeLine(tx, lines, lineOf(lines, lineId), { quantity, updatedAt: now }),
    )
  }

  async removeLine(actor: Actor, saleId: string, lineId: string): Promise<Sale> {
    return this.changeCart(actor, saleId, async (tx, lines) => {
      const line = lineOf(lines, lineId)
      await deleteLine(tx, line.id)
      return lines.filter((l) => l !== line)
    })
  }

  /**
   * Gives a line a discount (manager only): an amount in minor units up to the
   * line's value, or a whole percent from 1 to 100. Replaces any discount before.
   */
  async setDiscount(actor: Actor, saleId: string, lineId: string, discount: LineDiscount): Promise<Sale> {
    requireManager(actor, 'give discounts')
    return this.changeCart(actor, saleId, (tx, lines, now) => {
      const line = lineOf(lines, lineId)
      const value = discount.kind === 'amount' ? discount.amount : discount.percent
      const field = discount.kind
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new PosError('INVALID_DISCOUNT', 'A discount must be a whole number of at least 1', { field })
      }
      if (discount.kind === 'percent' && value > 100) {
        throw new PosError('INVALID_DISCOUNT', 'A discount cannot be more than 100 %', { field })
      }
      const lineValue = line.unitPrice * line.quantity
      if (discount.kind === 'amount' && value > lineValue) {
        throw new PosError(
          'INVALID_DISCOUNT',
          `A discount cannot be more than the line's value (${lineValue} minor units)`,
          { field },
        )
      }
      return this.changeLine(tx, lines, line, {
        discountKind: discount.kind,
        discountValue: value,
        discountedBy: actor.cashierId,
        updatedAt: now,
      })
    })
  }

  /** Takes a line's discount away (manager only). */
  async removeDiscount(actor: Actor, saleId: string, lineId: string): Promise<Sale> {
    requireManager(actor, 'change discounts')
    return this.changeCart(actor, saleId, (tx, lines, now) =>
      this.changeLine(tx, lines, lineOf(lines, lineId), {
        discountKind: null,
        discountValue: null,
        discountedBy: null,
        updatedAt: now,
      }),
    )
  }

  /**
   * Sets who an open sale of the actor's till is for (`customerMsisdn` null:
   * nobody), and answers the sale as it leaves it. `refusal` says why a sale
   * in another state may not change customer.
   */
  async setCustomer(
    actor: Actor,
    saleId: string,
    customer: CustomerChange,
    refusal: (state: Exclude<SaleState, 'open'>) => PosError,
  ): Promise<Sale> {
    // The usual case is one statement (its row lock is the sale's) that answers with the lines too.
    const changed = await setOpenSaleCustomer(this.db, saleId, this.now(), customer, actor)
    if (changed) return this.answerFor(actor, changed)
    // Not an open sale of this till (or changed while the statement waited for it): the sale under
    // its lock says why (or, reopened meanwhile, changes).
    return this.db.transaction(async (tx) => {
      const sale = ownSale(
        await setSaleCustomer(tx, saleId, this.now(), customer, actor.storeId),
        actor,
        saleId,
      )
      if (sale.state !== 'open') throw refusal(sale.state)
      return this.answerFor(actor, { sale, lines: await linesOf(tx, saleId) })
    })
  }

  /** Voids an open sale: the till is free for the next customer. */
  async void(actor: Actor, saleId: string): Promise<Sale> {
    await this.db.transaction(async (tx) => {
      const sale = await this.lockOwnSale(tx, actor, saleId)
      if (sale.state === 'voided') return
      if (sale.state === 'awaiting_payment') {
        // Voiding now could leave a payment the customer approves with no sale
        // to register it on; the payment flow cancels the payment first.
        throw new PosError(
          'SALE_STATE_CONFLICT',
          'This sale is waiting for payment; cancel the payment first',
        )
      }
      assertMove(sale.state, 'voided')
      const now = this.now()
      await updateSale(tx, saleId, { state: 'voided', closedAt: now, updatedAt: now })
    })
    return this.load(saleId)
  }

  /**
   * Freezes the cart for payment and gives the sale its receipt number (once:
   * a sale that goes back to editing and to payment again keeps its number).
   * Returns the sale and the ePayment receipt to send. Calling it again while
   * the sale waits for payment returns the same.
   */
  async beginPayment(actor: Actor, saleId: string): Promise<{ sale: Sale; receipt: EpaymentReceipt }> {
    const sale = await this.db.transaction(async (tx) =>
      this.freezeForPayment(tx, await this.lockForPayment(tx, actor, saleId)),
    )
    return { sale, receipt: toEpaymentReceipt(sale) }
  }

  /**
   * A sale of the actor's till, locked in the payment flow's transaction
   * until it ends, with what its payment request needs: two payment requests
   * for one sale (a double click, another process) go one after the other.
   */
  async lockForPayment(tx: Db, actor: Actor, saleId: string): Promise<PayingSale> {
    return ownSale(await lockSaleForPayment(tx, saleId), actor, saleId)
  }

  /**
   * Freezes a sale locked by `lockForPayment` in the caller's transaction and
   * answers it as frozen, with its lines and totals (the payment request's
   * content): nothing is read back. A sale already waiting for payment stays
   * as it is.
   */
  async freezeForPayment(tx: Db, locked: PayingSale): Promise<Sale> {
    const sale = toSale({ ...locked, pointsEarned: null }, await linesOf(tx, locked.id))
    if (locked.state === 'awaiting_payment') return sale
    assertMove(locked.state, 'awaiting_payment')
    if (sale.totals.grossAmount <= 0) {
      throw new PosError('EMPTY_SALE', 'There is nothing to pay for: add products to the sale first')
    }
    if (sale.totals.grossAmount > MAX_AMOUNT_VALUE) {
      throw new PosError(
        'AMOUNT_TOO_LARGE',
        `The total is above the ${MAX_AMOUNT_VALUE} minor units one payment may carry; split the sale`,
      )
    }
    const now = this.now()
    const receiptNumber = await freezeSale(tx, locked, now)
    return { ...sale, state: 'awaiting_payment', receiptNumber, updatedAt: now }
  }

  /** Unfreezes a sale whose payment failed or was cancelled, so the cashier can change the cart. */
  async resumeEditing(actor: Actor, saleId: string): Promise<Sale> {
    await this.db.transaction(async (tx) => {
      const sale = await this.lockOwnSale(tx, actor, saleId)
      if (sale.state === 'open') return
      assertMove(sale.state, 'open')
      await updateSale(tx, saleId, { state: 'open', updatedAt: this.now() })
    })
    return this.load(saleId)
  }

  /**
   * Registers a sale waiting for payment as paid. Called by the payment flow
   * (not a cashier) once the amount is captured; registering twice is harmless.
   */
  async registerPaid(saleId: string, db: Db = this.db): Promise<Sale> {
    await this.markPaid(saleId, db)
    return this.load(saleId, db)
  }

  /**
   * `registerPaid` without reading the sale back (the capture's transaction
   * needs nothing back but the sale's member, who earns its points).
   */
  async markPaid(saleId: string, db: Db = this.db): Promise<{ memberId: string | null }> {
    // The usual case in one statement (its row lock is the sale's); anything else as below.
    const paid = await markPaidIfWaiting(db, saleId, this.now())
    if (paid) return paid
    return db.transaction(async (tx) => {
      const sale = await lockSale(tx, saleId)
      if (!sale) throw saleNotFound(saleId)
      if (sale.state !== 'paid') {
        assertMove(sale.state, 'paid')
        const now = this.now()
        await updateSale(tx, saleId, { state: 'paid', closedAt: now, updatedAt: now })
      }
      return { memberId: sale.memberId }
    })
  }

  /**
   * Unfreezes a sale whose payment ended without money (declined, expired,
   * cancelled, failed), so the cashier can change the cart or try again. Called
   * by the payment flow in its own transaction; a sale no longer waiting is left as it is.
   */
  async reopenAfterPayment(saleId: string, db: Db = this.db): Promise<void> {
    // One statement: PostgreSQL checks the state again on the locked row before it changes it.
    await reopenIfWaiting(db, saleId, this.now())
  }

  /** A sale with its lines priced and totalled, whoever asks (the payment flow has no actor). */
  async load(saleId: string, db: Db = this.db): Promise<Sale> {
    const found = await loadSale(db, saleId)
    if (!found) throw saleNotFound(saleId)
    return toSale(found.sale, found.lines)
  }

  /**
   * Runs `change` on an editable sale of the actor's till under its row lock,
   * and answers the sale from what the transaction read and wrote: `change`
   * gets the lines and returns them as it leaves them.
   */
  private async changeCart(
    actor: Actor,
    saleId: string,
    change: (tx: Db, lines: SaleLineRow[], now: Date) => Promise<SaleLineRow[]>,
  ): Promise<Sale> {
    return this.db.transaction(async (tx) => {
      const now = this.now()
      const { sale, lines } = editableCart((await lockCart(tx, saleId, now)).cart, actor, saleId)
      return this.answerFor(actor, { sale, lines: await change(tx, lines, now) })
    })
  }

  /** The sale of the actor's till as a change left it (still open or waiting: no points earned yet). */
  private answerFor(actor: Actor, { sale, lines }: LockedCart): Sale {
    return toSale({ ...sale, posId: actor.posId, pointsEarned: null }, lines)
  }

  /** Writes a change to one line and returns the sale's lines with it. */
  private async changeLine(
    tx: Db,
    lines: SaleLineRow[],
    line: SaleLineRow,
    changes: Partial<Pick<SaleLineRow, 'quantity' | 'discountKind' | 'discountValue' | 'discountedBy'>> & {
      updatedAt: Date
    },
  ): Promise<SaleLineRow[]> {
    const changed = { ...line, ...changes }
    await updateLine(tx, changed)
    return lines.map((l) => (l === line ? changed : l))
  }

  private async lockOwnSale(tx: Db, actor: Actor, saleId: string): Promise<SaleRow> {
    return ownSale(await lockSale(tx, saleId), actor, saleId)
  }

  private now(): Date {
    return new Date(this.clock.now())
  }
}

/** A sale with its lines priced and totalled, from its row and its lines as stored. */
function toSale(row: FoundSale, lineRows: readonly SaleLineRow[]): Sale {
  const lines = lineRows.map((line): SaleLine => {
    const discount = discountOf(line)
    return {
      id: line.id,
      position: line.position,
      productId: line.productId,
      name: line.name,
      barcode: line.barcode,
      unitPrice: line.unitPrice,
      quantity: line.quantity,
      vatRate: line.vatRate,
      discount,
      price: priceLine({
        unitPrice: line.unitPrice,
        quantity: line.quantity,
        vatRate: line.vatRate,
        discount,
      }),
    }
  })
  return {
    id: row.id,
    storeId: row.storeId,
    tillId: row.tillId,
    posId: row.posId,
    state: row.state,
    currency: row.currency,
    receiptNumber: row.receiptNumber,
    openedAt: row.openedAt,
    updatedAt: row.updatedAt,
    closedAt: row.closedAt,
    customer:
      row.customerMsisdn !== null && row.customerSource !== null
        ? { msisdn: row.customerMsisdn, source: row.customerSource, personalQr: row.customerPersonalQr }
        : null,
    member: row.member,
    pointsEarned: row.pointsEarned,
    lines,
    totals: totalLines(lines),
  }
}

function lineOf(lines: readonly SaleLineRow[], lineId: string): SaleLineRow {
  const line = lines.find((l) => l.id === lineId)
  if (!line) throw new PosError('LINE_NOT_FOUND', `The sale has no line ${lineId}`, { field: 'lineId' })
  return line
}

/** A sale's line as inserted: everything its row holds, so the answer needs no read. */
function lineFor(
  product: Product,
  saleId: string,
  position: number,
  quantity: number,
  now: Date,
): SaleLineRow {
  return {
    id: newId('line'),
    saleId,
    position,
    productId: product.id,
    name: product.name,
    barcode: product.barcode,
    unitPrice: product.grossPrice,
    vatRate: product.vatRate,
    quantity,
    discountKind: null,
    discountValue: null,
    discountedBy: null,
    createdAt: now,
    updatedAt: now,
  }
}

function checkQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new PosError('VALIDATION_FAILED', `The quantity must be a whole number from 1 to ${MAX_QUANTITY}`, {
      field: 'quantity',
    })
  }
}

/** The sale if it is at the actor's till; another till's sale is answered as missing: a till sees only its own. */
function ownSale<T extends SaleRow>(sale: T | undefined, actor: Actor, saleId: string): T {
  if (!sale || sale.tillId !== actor.tillId) throw saleNotFound(saleId)
  return sale
}

/** The cart of a sale of the actor's till, if its lines may still change. */
function editableCart(cart: LockedCart | undefined, actor: Actor, saleId: string): LockedCart {
  const sale = ownSale(cart?.sale, actor, saleId)
  if (!isCartEditable(sale.state)) {
    throw new PosError(
      'SALE_NOT_EDITABLE',
      `This sale is ${describeState(sale.state)}; its lines can no longer change`,
    )
  }
  return { sale, lines: cart!.lines }
}

function saleNotFound(saleId: string): PosError {
  return new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} at this till`, { field: 'saleId' })
}
