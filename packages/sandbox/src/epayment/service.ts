/**
 * The ePayment domain: creating payments, the user's and the clock's part in
 * them, the merchant's modifications, idempotency and the event log.
 *
 * Every command runs synchronously from its first read to its last write, so
 * within the process two identical requests arriving together cannot both take
 * effect: the second sees what the first did (a replay, a conflict, a refusal).
 */
import { createHash, randomInt } from 'node:crypto'
import type {
  Amount,
  CreatePaymentRequest,
  CreatePaymentResponse,
  Customer,
  ForceApproveRequest,
  ModificationResponse,
  PaymentEventName,
  PaymentState,
} from '@kasse/vipps'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'
import { ProblemError } from '../http/problem.ts'
import { randomToken } from '../random.ts'
import { DueQueue } from './due-queue.ts'
import {
  type Decision,
  decideCancel,
  decideCapture,
  decideLifecycle,
  decideRefund,
  type PaymentCore,
  type Refusal,
  unreachable,
} from './machine.ts'
import { MemoryPaymentStore, type PaymentRecord, type PaymentStore } from './store.ts'
import { checkCreatePayment, customerField, fieldProblem } from './validation.ts'
import { modificationResponse } from './views.ts'

/** The scheme of the sandbox's app-switch links (NATIVE_REDIRECT), standing in for `vipps://`. */
export const DEEPLINK_SCHEME = 'vipps-sandbox'

/** The landing page for a payment token; also the content of the payment's QR code. */
export const landingUrl = (publicUrl: string, token: string) => `${publicUrl}/landing?token=${token}`

/**
 * The payment token in scanned or followed content: a landing URL, a QR image
 * URL or a deeplink, each carrying `?token=`. Undefined for anything else.
 *
 * @example
 * paymentTokenFrom('http://127.0.0.1:4010/landing?token=abc') // 'abc'
 */
export function paymentTokenFrom(content: string): string | undefined {
  try {
    return new URL(content.trim()).searchParams.get('token') ?? undefined
  } catch {
    return undefined
  }
}

/**
 * The stable pseudonymous id of a user towards one merchant, as `profile.sub`:
 * the same user gets a different sub at each merchant, as on the platform.
 */
export function pseudonymousSub(msn: string, msisdn: string): string {
  const hex = createHash('sha256').update(`kasse-sandbox-sub:${msn}:${msisdn}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

type Modification = 'capture' | 'cancel' | 'refund'

const CONFLICT_TITLES: Record<Modification | 'create', string> = {
  create: 'Create idempotency conflict',
  capture: 'Capture idempotency conflict',
  cancel: 'Cancel idempotency conflict',
  refund: 'Refund idempotency conflict',
}

/** Filters for the control API's payment listing. */
export interface PaymentFilter {
  msn?: string
  state?: PaymentState
  msisdn?: string
}

export class EPaymentService {
  private readonly expiries: DueQueue<PaymentRecord>
  // Numeric-looking and unique across the process's sandboxes, like the platform's.
  private nextPsp = 10_000_000_000 + randomInt(0, 2 ** 40)

  constructor(
    private readonly ctx: SandboxContext,
    readonly store: PaymentStore = new MemoryPaymentStore(),
  ) {
    this.expiries = new DueQueue(ctx.clock, (payment) => this.settle(payment))
  }

  /** Forgets every payment. */
  reset(): void {
    this.store.clear()
    this.expiries.clear()
  }

  /**
   * Creates a payment, or answers a retry of the same create with the same
   * response. A PUSH_MESSAGE payment goes to the customer's phone at once.
   */
  create(merchant: Merchant, idempotencyKey: string, request: CreatePaymentRequest): CreatePaymentResponse {
    const existing = this.store.find(merchant.msn, request.reference)
    if (existing) {
      // Checked before the rules: a retry must replay even once its expiresAt has come closer.
      if (existing.createKey !== idempotencyKey) {
        throw new ProblemError(
          409,
          'Reference already exists',
          `Idempotency error: reference ${request.reference} already exists for MSN ${merchant.msn}`,
          [{ name: 'reference', reason: 'is already used by another payment' }],
        )
      }
      if (!sameJson(existing.request, request)) throw idempotencyConflict('create', idempotencyKey)
      return createResponse(existing)
    }
    const now = this.ctx.clock.now()
    const expiresAt = checkCreatePayment(request, merchant, now) ?? now + this.ctx.config.paymentLifetimeMs
    const push = request.userFlow === 'PUSH_MESSAGE'
    const msisdn = push ? this.customerMsisdn(request.customer!, 'customer') : undefined
    const token = push ? undefined : randomToken(18)
    const redirectUrl = token ? this.redirectUrl(request, token) : undefined
    const seq = this.nextPsp++
    // Every field present from the start, the absent ones undefined: one shape for
    // all payments, rather than spreads that made each create copy and reshape it.
    const payment: PaymentRecord = {
      seq,
      msn: merchant.msn,
      reference: request.reference,
      pspReference: String(seq),
      currency: request.amount.currency,
      value: request.amount.value,
      userFlow: request.userFlow,
      request,
      createKey: idempotencyKey,
      createdAt: now,
      expiresAt,
      token,
      redirectUrl,
      state: 'CREATED',
      money: { authorized: 0, cancelled: 0, captured: 0, refunded: 0 },
      authorizedAt: undefined,
      msisdn,
      sub: undefined,
      events: [],
      replays: new Map(),
    }
    this.store.add(payment)
    this.expiries.add(expiresAt, payment)
    this.record(payment, 'CREATED', payment.value, idempotencyKey, payment.pspReference)
    if (msisdn) this.phoneChanged(msisdn)
    return createResponse(payment)
  }

  /** The merchant's payment, or 404 "Reference not found" (also for another merchant's). */
  get(msn: string, reference: string): PaymentRecord {
    const payment = this.store.find(msn, reference)
    if (!payment) {
      throw new ProblemError(
        404,
        'Reference not found',
        `Reference ${reference} does not exist for MSN ${msn}`,
        [{ name: 'reference', reason: 'no such payment for this MSN' }],
      )
    }
    this.settle(payment)
    return payment
  }

  /** Captures `amount` of what is reserved. */
  capture(merchant: Merchant, reference: string, key: string, amount: Amount): ModificationResponse {
    return this.modify('capture', merchant, reference, key, `${amount.currency} ${amount.value}`, (p, now) =>
      decideCapture(p, amount, now),
    )
  }

  /** Cancels: ends a CREATED payment, or releases what is left uncaptured of an AUTHORIZED one. */
  cancel(merchant: Merchant, reference: string, key: string, transactionOnly: boolean): ModificationResponse {
    return this.modify('cancel', merchant, reference, key, String(transactionOnly), (p, now) =>
      decideCancel(p, transactionOnly, now),
    )
  }

  /** Refunds `amount` of what is captured. */
  refund(merchant: Merchant, reference: string, key: string, amount: Amount): ModificationResponse {
    return this.modify('refund', merchant, reference, key, `${amount.currency} ${amount.value}`, (p, now) =>
      decideRefund(p, amount, now),
    )
  }

  /**
   * The test-only force approve: approves as the given customer, or as the
   * user the payment is already on. With `token`, it must be the payment's.
   */
  forceApprove(merchant: Merchant, reference: string, body: ForceApproveRequest): void {
    const payment = this.get(merchant.msn, reference)
    if (body.token !== undefined && body.token !== payment.token) {
      throw fieldProblem('Approve failed', 'token', 'is not the token in this payment’s redirectUrl')
    }
    const allowed = decideLifecycle(payment, 'approve')
    if (!allowed.ok) throw refusalProblem(allowed.refusal)
    const msisdn = body.customer ? this.customerMsisdn(body.customer, 'customer') : payment.msisdn
    if (!msisdn) {
      throw fieldProblem(
        body.customer ? 'Customer not found' : 'Missing required parameter',
        'customer',
        body.customer
          ? 'a customerToken cannot be resolved to a sandbox user; give phoneNumber or personalQr'
          : 'is required: the payment is not on any user’s phone yet',
      )
    }
    this.approve(payment, msisdn)
  }

  /** The user approves on the phone. 404 unless the payment is on their phone; 409 unless pending. */
  approveAsUser(msisdn: string, msn: string, reference: string): PaymentRecord {
    const payment = this.pendingOnPhone(msisdn, msn, reference)
    this.approve(payment, msisdn)
    return payment
  }

  /** The user rejects on the phone; the same errors as `approveAsUser`. */
  rejectAsUser(msisdn: string, msn: string, reference: string): PaymentRecord {
    const payment = this.pendingOnPhone(msisdn, msn, reference)
    this.apply(payment, decideLifecycle(payment, 'reject'))
    return payment
  }

  /** The WEB_REDIRECT, QR or NATIVE_REDIRECT payment behind a token, or 404. */
  byToken(token: string): PaymentRecord {
    const payment = this.store.findByToken(token)
    if (!payment) throw new ProblemError(404, 'Token not found', 'No payment has this token')
    this.settle(payment)
    return payment
  }

  /** The user scanned a payment QR on their phone: the payment goes to their phone. */
  scan(msisdn: string, content: string): PaymentRecord {
    this.requireUser(msisdn)
    const token = paymentTokenFrom(content)
    const payment = token ? this.store.findByToken(token) : undefined
    if (!payment) throw fieldProblem('Not a payment code', 'content', 'is not the code of any payment')
    this.settle(payment)
    if (payment.state !== 'CREATED') {
      throw fieldProblem('Payment is not pending', 'content', `the payment is ${payment.state}`)
    }
    this.attach(payment, msisdn)
    return payment
  }

  /** The user typed their number on the landing page: the payment goes to their phone. */
  attachFromLanding(token: string, msisdn: string): PaymentRecord {
    const payment = this.byToken(token)
    if (!this.ctx.directory.user(msisdn)) {
      throw fieldProblem('Customer not found', 'msisdn', 'no user with the app has this number')
    }
    if (payment.state !== 'CREATED') throw notPending(payment)
    this.attach(payment, msisdn)
    return payment
  }

  /** The payments on a user's phone, newest first; 404 for an unknown user. */
  forUser(msisdn: string): PaymentRecord[] {
    this.requireUser(msisdn)
    return this.store.forUser(msisdn).map((payment) => this.settled(payment))
  }

  /** Every payment matching the filter, newest first. */
  list(filter: PaymentFilter): PaymentRecord[] {
    const payments = filter.msisdn ? this.store.forUser(filter.msisdn) : this.store.all()
    return payments
      .map((payment) => this.settled(payment))
      .filter(
        (payment) =>
          (!filter.msn || payment.msn === filter.msn) && (!filter.state || payment.state === filter.state),
      )
  }

  /** Expires a CREATED payment whose time has come; the due queue and every read call it. */
  settle(payment: PaymentRecord): void {
    if (payment.state === 'CREATED' && this.ctx.clock.now() >= payment.expiresAt) {
      this.apply(payment, decideLifecycle(payment, 'expire'))
    }
  }

  private settled(payment: PaymentRecord): PaymentRecord {
    this.settle(payment)
    return payment
  }

  private modify(
    operation: Modification,
    merchant: Merchant,
    reference: string,
    key: string,
    fingerprint: string,
    decide: (payment: PaymentCore, now: number) => Decision,
  ): ModificationResponse {
    const payment = this.get(merchant.msn, reference)
    const slot = `${operation} ${key}`
    const earlier = payment.replays.get(slot)
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) throw idempotencyConflict(operation, key)
      return earlier.body
    }
    // Only accepted results are kept: a refused request changed nothing, so its
    // retry (say, a capture sent before the user approved) is judged afresh.
    this.apply(payment, decide(payment, this.ctx.clock.now()), key)
    const body = modificationResponse(payment)
    payment.replays.set(slot, { fingerprint, body })
    return body
  }

  private approve(payment: PaymentRecord, msisdn: string): void {
    const decision = decideLifecycle(payment, 'approve')
    if (decision.ok) {
      this.attach(payment, msisdn, false)
      if (payment.request.profile?.scope?.trim()) payment.sub = pseudonymousSub(payment.msn, msisdn)
    }
    this.apply(payment, decision)
  }

  /**
   * Applies a decision: the new state and money, the one event, the news to
   * the phone. A refusal becomes its problem. Lifecycle events echo the
   * create's key; modifications carry their own.
   */
  private apply(payment: PaymentRecord, decision: Decision, key?: string): void {
    if (!decision.ok) throw refusalProblem(decision.refusal)
    const { state, money, event } = decision.change
    const now = this.ctx.clock.now()
    if (state === 'AUTHORIZED' && payment.state !== 'AUTHORIZED') payment.authorizedAt = now
    payment.state = state
    payment.money = money
    this.record(payment, event.name, event.value, eventKey(event.name, payment, key))
    if (payment.msisdn) this.phoneChanged(payment.msisdn)
  }

  private record(
    payment: PaymentRecord,
    name: PaymentEventName,
    value: number,
    idempotencyKey: string,
    pspReference = String(this.nextPsp++),
  ): void {
    const { msn, reference } = payment
    const amount = { currency: payment.currency, value }
    const timestamp = new Date(this.ctx.clock.now()).toISOString()
    payment.events.push({ reference, pspReference, name, amount, timestamp, idempotencyKey, success: true })
    // The webhook's shape, the MSN first: spelled out, not spread from the event (every request emits one).
    const event = { msn, reference, pspReference, name, amount, timestamp, idempotencyKey, success: true }
    this.ctx.events.emit('epayment.event', event)
  }

  private attach(payment: PaymentRecord, msisdn: string, announce = true): void {
    const previous = this.store.assign(payment, msisdn)
    if (previous && previous !== msisdn) this.phoneChanged(previous)
    if (announce) this.phoneChanged(msisdn)
  }

  private phoneChanged(msisdn: string): void {
    this.ctx.events.emit('phone.changed', { msisdn })
  }

  private requireUser(msisdn: string): void {
    if (!this.ctx.directory.user(msisdn)) {
      throw new ProblemError(404, 'User not found', `No sandbox user has the number ${msisdn}`)
    }
  }

  private pendingOnPhone(msisdn: string, msn: string, reference: string): PaymentRecord {
    this.requireUser(msisdn)
    const payment = this.store.find(msn, reference)
    if (!payment || payment.msisdn !== msisdn) {
      throw new ProblemError(
        404,
        'Payment not found',
        `No payment ${reference} of MSN ${msn} is on the phone of ${msisdn}`,
      )
    }
    this.settle(payment)
    if (payment.state !== 'CREATED') throw notPending(payment)
    return payment
  }

  /**
   * The sandbox user a customer object points at. A number without the app, or
   * a personal QR that resolves to nobody, is "Customer not found", as on the
   * platform. A customerToken cannot be resolved here yet: undefined.
   */
  private customerMsisdn(customer: Customer, field: string): string | undefined {
    const which = customerField(customer, field)
    switch (which) {
      case 'phoneNumber': {
        const msisdn = customer.phoneNumber!
        if (this.ctx.directory.user(msisdn)) return msisdn
        throw fieldProblem(
          'Customer not found',
          `${field}.phoneNumber`,
          'no user with the app has this number',
        )
      }
      case 'personalQr': {
        const msisdn = this.ctx.personalQr.resolve(customer.personalQr!)?.msisdn
        if (msisdn && this.ctx.directory.user(msisdn)) return msisdn
        throw fieldProblem('Customer not found', `${field}.personalQr`, 'is not the code of any user')
      }
      case 'customerToken':
        return undefined
      default:
        return unreachable(which)
    }
  }

  private redirectUrl(request: CreatePaymentRequest, token: string): string {
    const { publicUrl } = this.ctx
    const flow = request.userFlow
    switch (flow) {
      case 'WEB_REDIRECT':
        return landingUrl(publicUrl, token)
      case 'QR':
        return request.qrFormat?.format === 'TEXT/TARGETURL'
          ? landingUrl(publicUrl, token)
          : `${publicUrl}/qr-image/v1?token=${token}`
      case 'NATIVE_REDIRECT':
        return `${DEEPLINK_SCHEME}://payment?token=${token}`
      case 'PUSH_MESSAGE':
        throw new Error('a PUSH_MESSAGE payment has no redirect')
      default:
        return unreachable(flow)
    }
  }
}

const createResponse = (payment: PaymentRecord): CreatePaymentResponse =>
  payment.redirectUrl
    ? { reference: payment.reference, redirectUrl: payment.redirectUrl }
    : { reference: payment.reference }

/** The create's key rides on the lifecycle events; a modification's on its own event. */
function eventKey(name: PaymentEventName, payment: PaymentRecord, key: string | undefined): string {
  switch (name) {
    case 'CREATED':
    case 'AUTHORIZED':
    case 'ABORTED':
    case 'EXPIRED':
    case 'TERMINATED':
      return payment.createKey
    case 'CAPTURED':
    case 'CANCELLED':
    case 'REFUNDED':
      return key ?? payment.createKey
    default:
      return unreachable(name)
  }
}

function refusalProblem({ kind, detail, field }: Refusal): ProblemError {
  return new ProblemError(
    kind.status,
    kind.title,
    detail,
    field ? [{ name: field, reason: detail }] : undefined,
    kind.code,
  )
}

function idempotencyConflict(operation: Modification | 'create', key: string): ProblemError {
  return new ProblemError(
    409,
    CONFLICT_TITLES[operation],
    `Idempotency-Key ${key} was used for a different ${operation} request`,
    [{ name: 'Idempotency-Key', reason: 'was used for a different request' }],
  )
}

function notPending(payment: PaymentRecord): ProblemError {
  return new ProblemError(409, 'Payment is not pending', `The payment is ${payment.state}`)
}

/** Deep equality of two parsed JSON values, for telling a retry from a different request. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const aKeys = Object.keys(a)
  const bKeys = Object.keys(b)
  if (aKeys.length !== bKeys.length) return false
  const bRecord = b as Record<string, unknown>
  const aRecord = a as Record<string, unknown>
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && sameJson(aRecord[key], bRecord[key]))
}
