/**
 * The eCom v2 domain: initiating orders, the user's and the clock's part in
 * them (including express checkout's address and shipping), the merchant's
 * capture, cancel and refund, X-Request-Id idempotency, the transaction log,
 * and the calls back to the merchant.
 *
 * Every command runs synchronously from its first read to its last write, so
 * two identical requests arriving together cannot both take effect: the second
 * sees what the first did. Only the shipping details request waits on the
 * merchant, and it changes nothing but the offer it was asked for.
 */
import { randomBytes, randomInt } from 'node:crypto'
import {
  type EcomCancelRequest,
  type EcomForceApproveRequest,
  type EcomInitiatePaymentRequest,
  type EcomInitiatePaymentResponse,
  type EcomPaymentActionRequest,
  type EcomPaymentDetails,
  type EcomShippingDetailsRequest,
  EcomShippingDetailsResponse,
  type EcomShippingOption,
  type EcomTransactionLogEntry,
  schemaIssues,
} from '@kasse/vipps'
import type { SandboxContext } from '../context.ts'
import type { Merchant, User } from '../directory/directory.ts'
import { DueQueue } from '../epayment/due-queue.ts'
import { DEEPLINK_SCHEME, pseudonymousSub, sameJson } from '../epayment/service.ts'
import { fieldProblem } from '../epayment/validation.ts'
import { faultsOf } from '../faults/faults.ts'
import { deliveryFaults } from '../faults/webhook-transport.ts'
import { ProblemError } from '../http/problem.ts'
import { ECOM_ERRORS, invalidField, refuse } from './errors.ts'
import {
  decideApprove,
  decideCancel,
  decideCapture,
  decideEnd,
  decideRefund,
  type EcomDecision,
  type EcomOrderState,
  NO_MONEY,
  remainingToCapture,
  remainingToRefund,
} from './machine.ts'
import { type MerchantCall, MerchantCalls } from './merchant-calls.ts'
import { type EcomConsent, type EcomOrderRecord, EcomStore } from './store.ts'
import { checkBodyMsn, checkInitiate, EXPRESS } from './validation.ts'
import {
  addressIdOf,
  addressOf,
  cancelResponse,
  captureResponse,
  defaultOption,
  detailsView,
  ecomUserId,
  mobileNumberOf,
  refundResponse,
  shippingCostInOre,
  sortedOptions,
} from './views.ts'

/** The landing page the phone pages serve for an eCom order's token. */
export const ecomLandingUrl = (publicUrl: string, token: string) => `${publicUrl}/landing/ecom?token=${token}`

/** The app-switch link for `isApp: true`. */
export const ecomDeeplink = (token: string) => `${DEEPLINK_SCHEME}://ecom?token=${token}`

/** Filters for the control API's order listing. */
export interface EcomOrderFilter {
  msn?: string
  state?: EcomOrderState
  msisdn?: string
}

type Write = 'capture' | 'cancel' | 'refund' | 'approve'

export class EcomService {
  readonly store = new EcomStore()
  readonly calls: MerchantCalls
  private readonly expiries: DueQueue<EcomOrderRecord>
  private seq = 0
  // Ten digits and more, unique across the process's sandboxes, like the platform's transaction ids.
  private nextTransactionId = 5_000_000_000 + randomInt(0, 2 ** 40)

  constructor(private readonly ctx: SandboxContext) {
    this.calls = new MerchantCalls({ clock: ctx.clock, faults: deliveryFaults(faultsOf(ctx), ctx.clock) })
    this.expiries = new DueQueue(ctx.clock, (order) => this.settle(order))
  }

  /** Forgets every order and consent and stops every call to a merchant. */
  reset(): void {
    this.store.clear()
    this.expiries.clear()
    this.calls.reset()
  }

  /**
   * Starts an order, or answers a repeat that carries the same X-Request-Id
   * and body with the same answer. A used orderId is refused (34).
   */
  initiate(
    merchant: Merchant,
    requestId: string | undefined,
    request: EcomInitiatePaymentRequest,
  ): EcomInitiatePaymentResponse {
    const { orderId, amount } = request.transaction
    const existing = this.store.find(merchant.msn, orderId)
    if (existing) {
      const repeat = requestId !== undefined && existing.initiateRequestId === requestId
      if (repeat && sameJson(existing.request, request)) return { orderId, url: existing.url }
      throw refuse(
        ECOM_ERRORS.orderIdUsed,
        repeat
          ? `X-Request-Id ${requestId} started ${orderId} with a different request`
          : `orderId ${orderId} exists for MSN ${merchant.msn}`,
      )
    }
    checkInitiate(request, merchant)
    const mobileNumber = request.customerInfo.mobileNumber
    const suggested = mobileNumber ? `47${mobileNumber}` : undefined
    if (suggested && !this.ctx.directory.user(suggested)) {
      throw refuse(ECOM_ERRORS.userNotRegistered, `no user with the app has the number ${mobileNumber}`)
    }
    const now = this.ctx.clock.now()
    const token = randomBytes(18).toString('base64url')
    const express = request.merchantInfo.paymentType === EXPRESS
    const staticOptions = request.merchantInfo.staticShippingDetails
    const order: EcomOrderRecord = {
      seq: this.seq++,
      msn: merchant.msn,
      orderId,
      request,
      express,
      amount,
      transactionId: this.newTransactionId(),
      token,
      url: request.merchantInfo.isApp ? ecomDeeplink(token) : ecomLandingUrl(this.ctx.publicUrl, token),
      createdAt: now,
      expiresAt: now + this.ctx.config.paymentLifetimeMs,
      ...(requestId === undefined ? {} : { initiateRequestId: requestId }),
      state: 'INITIATED',
      money: NO_MONEY,
      ...(express
        ? {
            shipping: staticOptions
              ? { status: 'ready' as const, options: staticOptions }
              : { status: 'awaiting-user' as const, options: [] },
          }
        : {}),
      log: [],
      replays: new Map(),
    }
    this.log(order, 'INITIATE', amount, request.transaction.transactionText, requestId, order.transactionId)
    this.store.add(order)
    this.expiries.add(order.expiresAt, order)
    // A whitelisted sales unit may skip the landing page: the order goes to the phone at once.
    if (suggested && request.transaction.skipLandingPage) this.attach(order, suggested)
    return { orderId, url: order.url }
  }

  /** `GET …/details`. */
  details(msn: string, orderId: string): EcomPaymentDetails {
    return detailsView(this.get(msn, orderId))
  }

  /** The merchant's order, or 35 "Requested Order not found" (also for another MSN's). */
  get(msn: string, orderId: string): EcomOrderRecord {
    const order = this.store.find(msn, orderId)
    if (!order) throw refuse(ECOM_ERRORS.orderNotFound, `orderId ${orderId} does not exist for MSN ${msn}`)
    this.settle(order)
    return order
  }

  capture(
    merchant: Merchant,
    orderId: string,
    requestId: string | undefined,
    body: EcomPaymentActionRequest,
  ) {
    const order = this.merchantsOrder(merchant, orderId, body.merchantInfo.merchantSerialNumber)
    const { amount, transactionText } = body.transaction
    requirePartialKey(requestId, amount, remainingToCapture(order.money), 'capture')
    return this.write(order, 'capture', requestId, `${amount}|${transactionText}`, () =>
      captureResponse(order, this.apply(order, decideCapture(order, amount), transactionText, requestId)),
    )
  }

  refund(merchant: Merchant, orderId: string, requestId: string | undefined, body: EcomPaymentActionRequest) {
    const order = this.merchantsOrder(merchant, orderId, body.merchantInfo.merchantSerialNumber)
    const { amount, transactionText } = body.transaction
    requirePartialKey(requestId, amount, remainingToRefund(order.money), 'refund')
    return this.write(order, 'refund', requestId, `${amount}|${transactionText}`, () =>
      refundResponse(order, this.apply(order, decideRefund(order, amount), transactionText, requestId)),
    )
  }

  cancel(merchant: Merchant, orderId: string, requestId: string | undefined, body: EcomCancelRequest) {
    const order = this.merchantsOrder(merchant, orderId, body.merchantInfo.merchantSerialNumber)
    const release = body.shouldReleaseRemainingFunds === true
    const { transactionText } = body.transaction
    return this.write(order, 'cancel', requestId, `${release}|${transactionText}`, () =>
      cancelResponse(order, this.apply(order, decideCancel(order, release), transactionText, requestId)),
    )
  }

  /**
   * The integration-test approve: approves as `customerPhoneNumber`, or as the
   * user the order is on (or was meant for). Not for express checkout, as on
   * the platform: the user must choose the shipping on the phone.
   */
  forceApprove(
    merchant: Merchant,
    orderId: string,
    requestId: string | undefined,
    body: EcomForceApproveRequest,
  ): void {
    const order = this.get(merchant.msn, orderId)
    if (order.express) {
      throw refuse(
        ECOM_ERRORS.notAllowed,
        'the integration-test approve does not support eComm Express Payment; approve on the phone',
      )
    }
    this.write(order, 'approve', requestId, JSON.stringify(body), () => {
      if (body.token !== undefined && body.token !== order.token) {
        throw invalidField('token', 'is not the token in this order’s url')
      }
      const given = body.customerPhoneNumber ? `47${body.customerPhoneNumber}` : undefined
      const msisdn = given ?? order.msisdn ?? suggestedMsisdn(order)
      if (!msisdn) {
        throw invalidField('customerPhoneNumber', 'is required: the order is on no user’s phone yet')
      }
      if (!this.ctx.directory.user(msisdn)) {
        throw refuse(ECOM_ERRORS.userNotRegistered, `no user with the app has the number ${msisdn.slice(2)}`)
      }
      this.approve(order, msisdn, undefined)
      return null
    })
  }

  /**
   * The user approves on the phone; for express with the shipping option
   * chosen (the preselected default when none is named).
   */
  approveAsUser(msisdn: string, msn: string, orderId: string, shippingMethodId?: string): EcomOrderRecord {
    const order = this.pendingOnPhone(msisdn, msn, orderId)
    this.approve(order, msisdn, shippingMethodId)
    return order
  }

  /** The user rejects on the phone. */
  rejectAsUser(msisdn: string, msn: string, orderId: string): EcomOrderRecord {
    const order = this.pendingOnPhone(msisdn, msn, orderId)
    this.end(order, 'reject')
    return order
  }

  /** The order behind a landing or deeplink token, or 404. */
  byToken(token: string): EcomOrderRecord {
    const order = this.store.findByToken(token)
    if (!order) throw new ProblemError(404, 'Token not found', 'No eCom order has this token')
    this.settle(order)
    return order
  }

  /** The user typed their number on the landing page (or opened the deeplink): the order goes to their phone. */
  attachFromLanding(token: string, msisdn: string): EcomOrderRecord {
    const order = this.byToken(token)
    if (!this.ctx.directory.user(msisdn)) {
      throw fieldProblem('Customer not found', 'msisdn', 'no user with the app has this number')
    }
    if (!mobileNumberOf(msisdn)) {
      throw fieldProblem(
        'Customer not found',
        'msisdn',
        'eCom takes Norwegian numbers only (47 and 8 digits)',
      )
    }
    if (order.state !== 'INITIATED') throw notPending(order)
    this.attach(order, msisdn)
    return order
  }

  /** The orders on a user's phone, newest first; 404 for an unknown user. */
  forUser(msisdn: string): EcomOrderRecord[] {
    this.requireUser(msisdn)
    return this.store.forUser(msisdn).map((order) => this.settled(order))
  }

  /** Every order matching the filter, newest first. */
  list(filter: EcomOrderFilter): EcomOrderRecord[] {
    const orders = filter.msisdn ? this.store.forUser(filter.msisdn) : this.store.all()
    return orders
      .map((order) => this.settled(order))
      .filter(
        (order) =>
          (!filter.msn || order.msn === filter.msn) && (!filter.state || order.state === filter.state),
      )
  }

  /** The merchants a user shared their profile with through express checkout. */
  consents(msisdn: string): EcomConsent[] {
    this.requireUser(msisdn)
    return this.store.consents(msisdn)
  }

  /** The user withdraws consent in the app: the merchant is told to delete what it has. */
  removeConsent(msisdn: string, msn: string): MerchantCall {
    this.requireUser(msisdn)
    const consent = this.store.removeConsent(msisdn, msn)
    if (!consent) {
      throw new ProblemError(
        404,
        'Consent not found',
        `The user ${msisdn} has shared nothing with MSN ${msn}`,
      )
    }
    const url = `${consent.consentRemovalPrefix}/v2/consents/${encodeURIComponent(consent.userId)}`
    const call = this.calls.consentRemoval(msn, consent.userId, url, consent.authToken)
    this.phoneChanged(msisdn)
    return call
  }

  /** Expires an initiated order whose time has come; the due queue and every read call it. */
  settle(order: EcomOrderRecord): void {
    if (order.state === 'INITIATED' && this.ctx.clock.now() >= order.expiresAt) this.end(order, 'expire')
  }

  private settled(order: EcomOrderRecord): EcomOrderRecord {
    this.settle(order)
    return order
  }

  /** The merchant's order for a write, whose body must name the merchant's own MSN. */
  private merchantsOrder(merchant: Merchant, orderId: string, bodyMsn: string): EcomOrderRecord {
    checkBodyMsn(bodyMsn, merchant)
    return this.get(merchant.msn, orderId)
  }

  /**
   * Runs a write once per X-Request-Id: a repeat with the same request gets
   * the first answer; with a different one, 93. Only accepted writes are kept,
   * so a refused request's retry is judged afresh.
   */
  private write<T>(
    order: EcomOrderRecord,
    endpoint: Write,
    requestId: string | undefined,
    fingerprint: string,
    act: () => T,
  ): T {
    const slot = `${endpoint} ${requestId}`
    if (requestId !== undefined) {
      const earlier = order.replays.get(slot)
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          throw refuse(
            ECOM_ERRORS.retryDiffers,
            `X-Request-Id ${requestId} was used for a different ${endpoint}`,
          )
        }
        return earlier.body as T
      }
    }
    const body = act()
    if (requestId !== undefined) order.replays.set(slot, { fingerprint, body })
    return body
  }

  private approve(order: EcomOrderRecord, msisdn: string, shippingMethodId: string | undefined): void {
    const user = this.ctx.directory.user(msisdn)!
    const chosen = order.express ? this.chosenOption(order, shippingMethodId) : undefined
    if (!order.express && shippingMethodId !== undefined) {
      throw fieldProblem('Bad Request', 'shippingMethodId', 'is only for express checkout orders')
    }
    const total = order.amount + (chosen ? shippingCostInOre(chosen.shippingCost) : 0)
    const decision = decideApprove(order, total)
    if (decision.ok) {
      this.attach(order, msisdn, false)
      if (order.request.transaction.scope?.trim()) order.sub = pseudonymousSub(order.msn, msisdn)
      if (chosen) this.share(order, user, chosen)
    }
    this.apply(order, decision, order.request.transaction.transactionText, undefined)
    this.paymentCallback(order)
  }

  /** Express: the user shares who they are and where to ship, and so consents towards the merchant. */
  private share(order: EcomOrderRecord, user: User, chosen: EcomShippingOption): void {
    const userId = ecomUserId(order.msn, user.msisdn)
    order.chosen = chosen
    order.shared = {
      user: {
        email: user.email,
        firstName: user.givenName,
        lastName: user.familyName,
        mobileNumber: mobileNumberOf(user.msisdn)!,
        userId,
      },
      address: addressOf(user),
    }
    const { consentRemovalPrefix, authToken } = order.request.merchantInfo
    this.store.saveConsent({
      msisdn: user.msisdn,
      msn: order.msn,
      userId,
      consentRemovalPrefix: consentRemovalPrefix!,
      ...(authToken === undefined ? {} : { authToken }),
      givenAt: this.ctx.clock.now(),
    })
  }

  /** The option an express approval takes, or a refusal the phone can show. */
  private chosenOption(order: EcomOrderRecord, shippingMethodId: string | undefined): EcomShippingOption {
    const offer = order.shipping!
    if (offer.status !== 'ready') {
      throw new ProblemError(
        409,
        offer.status === 'failed' ? 'No shipping methods found' : 'Shipping options not ready',
        offer.error ?? `The shipping options are ${offer.status}; approve once they are ready`,
      )
    }
    if (shippingMethodId === undefined) return defaultOption(offer.options)!
    const option = sortedOptions(offer.options).find((o) => o.shippingMethodId === shippingMethodId)
    if (!option) {
      const known = sortedOptions(offer.options).map((o) => o.shippingMethodId)
      throw fieldProblem('Bad Request', 'shippingMethodId', `is not one of the offered ${known.join(', ')}`)
    }
    return option
  }

  /** The user rejects, or the order expires: logged, and the merchant is told. */
  private end(order: EcomOrderRecord, action: 'reject' | 'expire'): void {
    this.apply(order, decideEnd(order, action), order.request.transaction.transactionText, undefined)
    this.paymentCallback(order)
  }

  /**
   * Applies a decision: the new state and money, the one log entry, the news
   * to the phone. A refusal becomes its eCom error. Returns the log entry.
   */
  private apply(
    order: EcomOrderRecord,
    decision: EcomDecision,
    transactionText: string,
    requestId: string | undefined,
  ): EcomTransactionLogEntry {
    if (!decision.ok) throw refuse(decision.kind, decision.detail)
    const { state, money, operation, amount } = decision.change
    order.state = state
    order.money = money
    // The reservation attempt keeps the initiate's transaction id; the merchant's operations get their own.
    const ownId =
      operation === 'RESERVE' || operation === 'CANCEL' ? order.transactionId : this.newTransactionId()
    const entry = this.log(order, operation, amount, transactionText, requestId, ownId)
    if ((operation === 'CAPTURE' || operation === 'REFUND') && amount > 0) {
      // Settlement books it; eCom is NOK only (validation refuses other sales units).
      this.ctx.events.emit('ecom.money', {
        msn: order.msn,
        orderId: order.orderId,
        operation,
        transactionId: ownId,
        amount,
        currency: 'NOK',
        timestamp: entry.timeStamp!,
      })
    }
    if (order.msisdn) this.phoneChanged(order.msisdn)
    return entry
  }

  private log(
    order: EcomOrderRecord,
    operation: EcomTransactionLogEntry['operation'],
    amount: number,
    transactionText: string,
    requestId: string | undefined,
    transactionId: string,
  ): EcomTransactionLogEntry {
    const entry: EcomTransactionLogEntry = {
      amount,
      operation,
      operationSuccess: true,
      transactionText,
      ...(requestId === undefined ? {} : { requestId }),
      timeStamp: new Date(this.ctx.clock.now()).toISOString(),
      transactionId,
    }
    order.log.push(entry)
    return entry
  }

  /**
   * Tells the merchant how the payment ended, once: reserved (with the user and
   * shipping for express), cancelled by the user, or timed out (REJECTED). An
   * express order that was not paid has no user or shipping to tell, so its
   * callback has the regular shape.
   */
  private paymentCallback(order: EcomOrderRecord): void {
    const { merchantInfo } = order.request
    const url = `${merchantInfo.callbackPrefix}/v2/payments/${encodeURIComponent(order.orderId)}`
    // The moment of the log entry that ended the user's part, so callback and details agree.
    const timeStamp = order.log.at(-1)!.timeStamp!
    const base = { merchantSerialNumber: order.msn, orderId: order.orderId }
    const transactionInfo = (status: string, amount: number) => ({
      amount,
      status,
      timeStamp,
      transactionId: order.transactionId,
    })
    let body: object
    if (order.state === 'RESERVED' && order.shared && order.chosen) {
      const { address, user } = order.shared
      body = {
        ...base,
        shippingDetails: {
          // The spec requires postCode but names the property zipCode; both are sent so either reader works.
          address: { ...address, zipCode: address.postCode },
          shippingCost: order.chosen.shippingCost,
          shippingMethod: order.chosen.shippingMethod,
          shippingMethodId: order.chosen.shippingMethodId,
        },
        transactionInfo: transactionInfo('RESERVE', order.money.reserved),
        userDetails: user,
      }
    } else {
      const status = CALLBACK_STATUS[order.state]
      if (!status) return
      const amount = order.state === 'RESERVED' ? order.money.reserved : order.amount
      body = { ...base, transactionInfo: transactionInfo(status, amount) }
    }
    this.calls.paymentCallback(order.msn, order.orderId, url, body, merchantInfo.authToken)
  }

  /**
   * Puts the order on a user's phone. For express checkout without static
   * options, the merchant is asked for shipping options for this user's
   * address: when the user changes, and again when the last request failed.
   */
  private attach(order: EcomOrderRecord, msisdn: string, announce = true): void {
    const previous = this.store.assign(order, msisdn)
    if (previous && previous !== msisdn) this.phoneChanged(previous)
    const asksMerchant = order.express && !order.request.merchantInfo.staticShippingDetails
    const needsAsking = previous !== msisdn || order.shipping?.status === 'failed'
    if (asksMerchant && needsAsking && order.state === 'INITIATED') {
      void this.fetchShippingOptions(order, msisdn)
    }
    if (announce) this.phoneChanged(msisdn)
  }

  /** Asks the merchant which shipping it offers to the user's address; the phone is told the outcome. */
  private async fetchShippingOptions(order: EcomOrderRecord, msisdn: string): Promise<void> {
    const offer: NonNullable<EcomOrderRecord['shipping']> = { status: 'fetching', options: [] }
    order.shipping = offer
    const address = addressOf(this.ctx.directory.user(msisdn)!)
    const addressId = addressIdOf(msisdn)
    const body: EcomShippingDetailsRequest = {
      addressId,
      addressLine1: address.addressLine1,
      city: address.city,
      country: address.country,
      postCode: address.postCode,
      addressType: 'H',
    }
    const { merchantInfo } = order.request
    // The spec names shippingDetailsPrefix; without one the callbackPrefix is asked, so a shop may serve both.
    const prefix = merchantInfo.shippingDetailsPrefix ?? merchantInfo.callbackPrefix
    const url = `${prefix}/v2/payments/${encodeURIComponent(order.orderId)}/shippingDetails`
    const answer = await this.calls.shippingDetails(
      order.msn,
      order.orderId,
      url,
      body,
      merchantInfo.authToken,
    )
    // The user changed, or the sandbox was reset, while the merchant answered: this answer is stale.
    if (order.shipping !== offer) return
    const problem = answer.ok ? shippingAnswerProblem(answer.body, order.orderId, addressId) : answer.reason
    if (problem) {
      offer.status = 'failed'
      offer.error = `No shipping methods found: ${problem}`
    } else {
      offer.status = 'ready'
      offer.options = (answer as { body: EcomShippingDetailsResponse }).body.shippingDetails
    }
    if (order.msisdn) this.phoneChanged(order.msisdn)
  }

  private phoneChanged(msisdn: string): void {
    this.ctx.events.emit('phone.changed', { msisdn })
  }

  private requireUser(msisdn: string): void {
    if (!this.ctx.directory.user(msisdn)) {
      throw new ProblemError(404, 'User not found', `No sandbox user has the number ${msisdn}`)
    }
  }

  private pendingOnPhone(msisdn: string, msn: string, orderId: string): EcomOrderRecord {
    this.requireUser(msisdn)
    const order = this.store.find(msn, orderId)
    if (!order || order.msisdn !== msisdn) {
      throw new ProblemError(
        404,
        'Order not found',
        `No eCom order ${orderId} of MSN ${msn} is on the phone of ${msisdn}`,
      )
    }
    this.settle(order)
    if (order.state !== 'INITIATED') throw notPending(order)
    return order
  }

  private newTransactionId(): string {
    return String(this.nextTransactionId++)
  }
}

/** The regular callback's status for each state that ends the user's part; the rest send none. */
const CALLBACK_STATUS: Partial<Record<EcomOrderState, string>> = {
  RESERVED: 'RESERVED',
  REJECTED: 'CANCELLED',
  EXPIRED: 'REJECTED',
}

/** What is wrong with the merchant's shipping answer, or undefined when it can be shown. */
function shippingAnswerProblem(body: unknown, orderId: string, addressId: number): string | undefined {
  const [issue] = schemaIssues(EcomShippingDetailsResponse, body)
  if (issue) return `the merchant's answer breaks the contract at ${issue.field}: ${issue.message}`
  const answer = body as EcomShippingDetailsResponse
  if (answer.orderId !== orderId) return `the merchant answered for orderId ${answer.orderId}`
  if (answer.addressId !== addressId)
    return `the merchant answered for addressId ${answer.addressId}, not ${addressId}`
  if (answer.shippingDetails.length === 0) return 'the merchant offered none'
  return undefined
}

/**
 * The spec requires X-Request-Id on capture and refund "for partial" amounts;
 * a call for the whole remainder may leave it out.
 */
function requirePartialKey(
  requestId: string | undefined,
  amount: number | undefined,
  remaining: number,
  operation: 'capture' | 'refund',
): void {
  if (requestId === undefined && amount !== undefined && amount < remaining) {
    throw invalidField('X-Request-Id', `is required for a partial ${operation}`)
  }
}

const suggestedMsisdn = (order: EcomOrderRecord) =>
  order.request.customerInfo.mobileNumber ? `47${order.request.customerInfo.mobileNumber}` : undefined

function notPending(order: EcomOrderRecord): ProblemError {
  return new ProblemError(409, 'Order is not pending', `The order is ${order.state}`)
}
