/**
 * The sandbox payment as a state machine, and the rules for its money
 * (research/vipps-api.md §2). Pure: no clock, no I/O; the service feeds it the
 * time and applies what it decides.
 *
 * A payment lives in CREATED until the user or the clock or the merchant ends
 * that; every other state is final. AUTHORIZED is final too: capture, cancel
 * and refund change only the aggregate, never the state.
 */
import { PAYMENT_STATES, type PaymentEventName, type PaymentState } from '@kasse/vipps'

export { PAYMENT_STATES, type PaymentState }

/** What can end a CREATED payment. */
export const LIFECYCLE_ACTIONS = ['approve', 'reject', 'expire', 'terminate'] as const
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number]

/** The transition table: the state each action leads to, from each state that allows it. */
export const TRANSITIONS: {
  readonly [S in PaymentState]: { readonly [A in LifecycleAction]?: PaymentState }
} = {
  CREATED: { approve: 'AUTHORIZED', reject: 'ABORTED', expire: 'EXPIRED', terminate: 'TERMINATED' },
  AUTHORIZED: {},
  ABORTED: {},
  EXPIRED: {},
  TERMINATED: {},
}

/** Whether `to` may follow `from` (staying put always may). */
export function canMove(from: PaymentState, to: PaymentState): boolean {
  return from === to || Object.values(TRANSITIONS[from]).includes(to)
}

/** The payment's money in minor units, all in the payment's currency. */
export interface Money {
  authorized: number
  cancelled: number
  captured: number
  refunded: number
}

/** What the machine needs to know about a payment. */
export interface PaymentCore {
  readonly state: PaymentState
  /** The amount the payment was created for. */
  readonly value: number
  readonly currency: string
  readonly money: Money
  /** When the user approved, on the sandbox clock. */
  readonly authorizedAt?: number | undefined
}

/** How long after the reservation a capture or cancel, and a refund, are still possible. */
export const CAPTURE_PERIOD_MS = 180 * 86_400_000
export const REFUND_PERIOD_MS = 365 * 86_400_000

/**
 * Every way the platform refuses a modification or an action, with its status,
 * its title as the platform words it and a stable code (the problem's `type`).
 */
export const REFUSALS = {
  invalidAmount: { status: 400, title: 'Invalid amount', code: 'invalid-amount' },
  captureBeforeReservation: {
    status: 400,
    title: 'Cannot capture before reservation',
    code: 'capture-before-reservation',
  },
  captureCancelled: {
    status: 400,
    title: 'Cannot capture a cancelled payment',
    code: 'capture-cancelled-payment',
  },
  captureNotAllowed: { status: 400, title: 'Payment cannot be captured', code: 'payment-cannot-be-captured' },
  captureTooHigh: { status: 400, title: 'Capture amount too high', code: 'capture-amount-too-high' },
  capturePeriodExpired: { status: 400, title: 'Capture period expired', code: 'capture-period-expired' },
  cancelCaptured: { status: 400, title: 'Cannot cancel a captured payment', code: 'cancel-captured-payment' },
  cancelAuthorized: {
    status: 400,
    title: 'Cannot cancel authorized payment',
    code: 'cancel-authorized-payment',
  },
  cancelNotAllowed: {
    status: 400,
    title: 'Payment cannot be cancelled',
    code: 'payment-cannot-be-cancelled',
  },
  cancelPeriodExpired: { status: 400, title: 'Cancel period expired', code: 'cancel-period-expired' },
  refundNotAllowed: { status: 400, title: 'Payment cannot be refunded', code: 'payment-cannot-be-refunded' },
  refundTooHigh: { status: 400, title: 'Not enough refundable', code: 'not-enough-refundable' },
  alreadyRefunded: { status: 400, title: 'Payment already refunded', code: 'payment-already-refunded' },
  refundPeriodExpired: { status: 400, title: 'Refund period expired', code: 'refund-period-expired' },
  alreadyReserved: { status: 400, title: 'Payment is already reserved', code: 'payment-already-reserved' },
  notPending: { status: 400, title: 'Approve failed', code: 'approve-failed' },
} as const satisfies Record<string, RefusalKind>

export interface RefusalKind {
  status: number
  title: string
  code: string
}

export interface Refusal {
  kind: RefusalKind
  detail: string
  /** The request field the refusal is about, when there is one. */
  field?: string
}

/** What an accepted command does: the next state and money, and the one event it records. */
export interface Change {
  state: PaymentState
  money: Money
  event: { name: PaymentEventName; value: number }
}

export type Decision = { ok: true; change: Change } | { ok: false; refusal: Refusal }

const refuse = (kind: RefusalKind, detail: string, field?: string): Decision => ({
  ok: false,
  refusal: field ? { kind, detail, field } : { kind, detail },
})

/** The part of the authorisation neither captured nor cancelled. */
export const uncaptured = (money: Money) => money.authorized - money.cancelled - money.captured

/**
 * The user (approve, reject), the clock (expire) or the merchant's cancel
 * before authorisation (terminate) ends a CREATED payment.
 */
export function decideLifecycle(payment: PaymentCore, action: LifecycleAction): Decision {
  const next = TRANSITIONS[payment.state][action]
  if (!next) {
    if (action === 'approve' && payment.state === 'AUTHORIZED') {
      return refuse(REFUSALS.alreadyReserved, 'The payment has already been approved')
    }
    return refuse(REFUSALS.notPending, `Invalid state: ${payment.state}`)
  }
  const { money, value } = payment
  switch (next) {
    case 'AUTHORIZED':
      return change(next, { ...money, authorized: value }, 'AUTHORIZED', value)
    case 'ABORTED':
      return change(next, money, 'ABORTED', value)
    case 'EXPIRED':
      return change(next, money, 'EXPIRED', value)
    case 'TERMINATED':
      // Nothing was reserved, so the whole amount counts as cancelled.
      return change(next, { ...money, cancelled: value }, 'TERMINATED', value)
    case 'CREATED':
      throw new Error('no action leads back to CREATED')
    default:
      return unreachable(next)
  }
}

function change(state: PaymentState, money: Money, name: PaymentEventName, value: number): Decision {
  return { ok: true, change: { state, money, event: { name, value } } }
}

/** The amount of a capture or refund must be positive and in the payment's currency. */
function checkAmount(
  payment: PaymentCore,
  amount: { currency: string; value: number },
): Decision | undefined {
  if (amount.currency !== payment.currency) {
    return refuse(
      REFUSALS.invalidAmount,
      `The payment is in ${payment.currency}, not ${amount.currency}`,
      'modificationAmount.currency',
    )
  }
  if (!Number.isSafeInteger(amount.value) || amount.value < 1) {
    return refuse(REFUSALS.invalidAmount, 'The amount must be at least 1', 'modificationAmount.value')
  }
  return undefined
}

/** Captures part or all of what is reserved and not yet captured or cancelled. */
export function decideCapture(
  payment: PaymentCore,
  amount: { currency: string; value: number },
  now: number,
): Decision {
  const { state, money } = payment
  switch (state) {
    case 'CREATED':
      return refuse(REFUSALS.captureBeforeReservation, 'The user has not approved the payment yet')
    case 'TERMINATED':
      return refuse(REFUSALS.captureCancelled, 'The payment was cancelled before it was approved')
    case 'ABORTED':
    case 'EXPIRED':
      return refuse(REFUSALS.captureNotAllowed, `Invalid state: ${state}`)
    case 'AUTHORIZED':
      break
    default:
      return unreachable(state)
  }
  const bad = checkAmount(payment, amount)
  if (bad) return bad
  if (money.cancelled > 0) {
    return refuse(REFUSALS.captureCancelled, 'The rest of the reservation has been cancelled')
  }
  if (expired(payment, CAPTURE_PERIOD_MS, now)) {
    return refuse(REFUSALS.capturePeriodExpired, 'A payment can be captured up to 180 days after approval')
  }
  const capturable = uncaptured(money)
  if (amount.value > capturable) {
    return refuse(
      REFUSALS.captureTooHigh,
      `At most ${capturable} can be captured; ${money.captured} of ${money.authorized} is captured`,
      'modificationAmount.value',
    )
  }
  return change(state, { ...money, captured: money.captured + amount.value }, 'CAPTURED', amount.value)
}

/**
 * Cancels: before approval the payment ends (TERMINATED); after it, whatever
 * is still uncaptured is released at once, and for good. With
 * `cancelTransactionOnly` only the first is wanted.
 */
export function decideCancel(payment: PaymentCore, transactionOnly: boolean, now: number): Decision {
  const { state, money } = payment
  switch (state) {
    case 'CREATED':
      return decideLifecycle(payment, 'terminate')
    case 'TERMINATED':
      return refuse(REFUSALS.cancelNotAllowed, 'The payment is already cancelled')
    case 'ABORTED':
    case 'EXPIRED':
      return refuse(REFUSALS.cancelNotAllowed, `Invalid state: ${state}`)
    case 'AUTHORIZED':
      break
    default:
      return unreachable(state)
  }
  if (transactionOnly) {
    return refuse(
      REFUSALS.cancelAuthorized,
      'cancelTransactionOnly cancels only a payment the user has not approved',
    )
  }
  if (money.cancelled > 0) return refuse(REFUSALS.cancelNotAllowed, 'The payment is already cancelled')
  if (money.captured >= money.authorized) {
    return refuse(REFUSALS.cancelCaptured, 'The whole amount is captured; refund instead')
  }
  if (expired(payment, CAPTURE_PERIOD_MS, now)) {
    return refuse(REFUSALS.cancelPeriodExpired, 'A payment can be cancelled up to 180 days after approval')
  }
  const remainder = uncaptured(money)
  return change(state, { ...money, cancelled: money.cancelled + remainder }, 'CANCELLED', remainder)
}

/** Refunds part or all of what is captured and not yet refunded. */
export function decideRefund(
  payment: PaymentCore,
  amount: { currency: string; value: number },
  now: number,
): Decision {
  const { state, money } = payment
  switch (state) {
    case 'CREATED':
    case 'ABORTED':
    case 'EXPIRED':
    case 'TERMINATED':
      return refuse(REFUSALS.refundNotAllowed, `Invalid state: ${state}`)
    case 'AUTHORIZED':
      break
    default:
      return unreachable(state)
  }
  const bad = checkAmount(payment, amount)
  if (bad) return bad
  if (expired(payment, REFUND_PERIOD_MS, now)) {
    return refuse(REFUSALS.refundPeriodExpired, 'A payment can be refunded up to 365 days after approval')
  }
  const refundable = money.captured - money.refunded
  if (money.captured > 0 && refundable === 0) {
    return refuse(REFUSALS.alreadyRefunded, 'Everything captured has been refunded')
  }
  if (amount.value > refundable) {
    return refuse(
      REFUSALS.refundTooHigh,
      `At most ${refundable} can be refunded; ${money.refunded} of ${money.captured} captured is refunded`,
      'modificationAmount.value',
    )
  }
  return change(state, { ...money, refunded: money.refunded + amount.value }, 'REFUNDED', amount.value)
}

const expired = (payment: PaymentCore, period: number, now: number) =>
  payment.authorizedAt !== undefined && now - payment.authorizedAt > period

/** Makes a switch exhaustive: adding a state fails to compile until every switch handles it. */
export function unreachable(value: never): never {
  throw new Error(`unhandled: ${String(value)}`)
}
