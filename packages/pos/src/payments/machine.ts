/**
 * The payment attempt's states and the moves between them: the spec of the
 * till's side of a Vipps MobilePay payment.
 *
 *   creating ──► waiting_for_customer ──► authorized ──► capturing ──► captured
 *     │   ▲            │        │                                 (sale registered paid)
 *     ▼   │            │        └──► cancelling ──► cancelled
 *   unknown            └──► declined | expired | cancelled
 *     │
 *     └──► failed ──► creating (a retry reuses the attempt, its reference and key)
 *
 * `creating` is owned by the request that stored the attempt (it holds the
 * lease while it calls the platform). `unknown` means a create call whose
 * outcome we do not know (a timeout, a lost answer, a 5xx); the sweeper owns
 * it and looks the payment up before anything else. `capturing` and
 * `cancelling` are calls under way; whoever finds them with a free lease
 * repeats the call with the stored key (the platform does it once) or looks
 * the payment up. Everything the platform says goes through `reconcile`, which
 * only ever moves forward, so duplicate, late and out-of-order news changes
 * nothing wrongly.
 */
import type { GetPaymentResponse, ModificationResponse, PaymentEventName } from '@kasse/vipps'

export const PAYMENT_ATTEMPT_STATES = [
  'creating',
  'unknown',
  'waiting_for_customer',
  'authorized',
  'capturing',
  'cancelling',
  'captured',
  'declined',
  'expired',
  'cancelled',
  'failed',
] as const
export type PaymentAttemptState = (typeof PAYMENT_ATTEMPT_STATES)[number]

/** Where each state may go next. A move not listed here is never made. */
export const PAYMENT_ATTEMPT_TRANSITIONS = {
  creating: [
    'waiting_for_customer',
    'unknown',
    'failed',
    'authorized',
    'captured',
    'cancelling',
    'declined',
    'expired',
    'cancelled',
  ],
  unknown: [
    'creating',
    'waiting_for_customer',
    'failed',
    'authorized',
    'captured',
    'cancelling',
    'declined',
    'expired',
    'cancelled',
  ],
  waiting_for_customer: ['authorized', 'captured', 'cancelling', 'declined', 'expired', 'cancelled'],
  authorized: ['capturing', 'captured', 'cancelled'],
  capturing: ['captured', 'cancelled'],
  // The customer may approve before the cancel lands: then the money is theirs
  // to pay and the till captures it (compare-then-cancel, never a blind cancel).
  cancelling: ['authorized', 'captured', 'declined', 'expired', 'cancelled'],
  captured: [],
  declined: [],
  expired: [],
  cancelled: [],
  // Only a failure that certainly created nothing (or whose payment the
  // platform does not know) may be retried, and then with the same reference and key.
  failed: ['creating'],
} as const satisfies Record<PaymentAttemptState, readonly PaymentAttemptState[]>

/** True if the attempt may move from `from` to `next`. */
export function canMove(from: PaymentAttemptState, next: PaymentAttemptState): boolean {
  return (PAYMENT_ATTEMPT_TRANSITIONS[from] as readonly PaymentAttemptState[]).includes(next)
}

/**
 * True while the attempt still needs work from the till (a call, a poll, a
 * capture): the sweeper's work list, and at most one such attempt per sale.
 */
export function isLive(state: PaymentAttemptState): boolean {
  switch (state) {
    case 'creating':
    case 'unknown':
    case 'waiting_for_customer':
    case 'authorized':
    case 'capturing':
    case 'cancelling':
      return true
    case 'captured':
    case 'declined':
    case 'expired':
    case 'cancelled':
    case 'failed':
      return false
    default:
      return unreachable(state)
  }
}

/** The live states, for queries. */
export const LIVE_STATES: PaymentAttemptState[] = PAYMENT_ATTEMPT_STATES.filter(isLive)

/** True if the customer may still be asked to approve (so the cashier may cancel). */
export function isCancellable(state: PaymentAttemptState): boolean {
  switch (state) {
    case 'creating':
    case 'unknown':
    case 'waiting_for_customer':
      return true
    case 'cancelling':
    case 'authorized':
    case 'capturing':
    case 'captured':
    case 'declined':
    case 'expired':
    case 'cancelled':
    case 'failed':
      return false
    default:
      return unreachable(state)
  }
}

/**
 * What the platform says about a payment, reduced to what matters to the
 * till. `released` is an authorisation cancelled before it was captured;
 * `terminated` a request cancelled before the customer answered.
 */
export type PlatformView =
  | 'waiting'
  | 'authorized'
  | 'captured'
  | 'released'
  | 'declined'
  | 'expired'
  | 'terminated'

/** The view of a payment as GET (or a capture/cancel answer) shows it, for an attempt of `amount`. */
export function viewOfPayment(
  payment: Pick<GetPaymentResponse | ModificationResponse, 'state' | 'aggregate'>,
  amount: number,
): PlatformView {
  switch (payment.state) {
    case 'CREATED':
      return 'waiting'
    case 'ABORTED':
      return 'declined'
    case 'EXPIRED':
      return 'expired'
    case 'TERMINATED':
      return 'terminated'
    case 'AUTHORIZED':
      if (payment.aggregate.capturedAmount.value >= amount) return 'captured'
      if (payment.aggregate.cancelledAmount.value > 0) return 'released'
      return 'authorized'
    default:
      return unreachable(payment.state)
  }
}

/**
 * The view a webhook event gives, or undefined for events that only record
 * the till's own actions (captured, refunded, cancelled after authorisation):
 * those make the attempt due for a look-up instead, whose answer decides.
 */
export function viewOfEvent(name: PaymentEventName): PlatformView | undefined {
  switch (name) {
    case 'CREATED':
      return 'waiting'
    case 'AUTHORIZED':
      return 'authorized'
    case 'ABORTED':
      return 'declined'
    case 'EXPIRED':
      return 'expired'
    case 'TERMINATED':
      return 'terminated'
    case 'CAPTURED':
    case 'REFUNDED':
    case 'CANCELLED':
      return undefined
    default:
      return unreachable(name)
  }
}

/**
 * The state an attempt moves to on hearing `view`, or undefined if it stays.
 * A final state never moves; news older than what the till knows (an
 * AUTHORIZED after the capture, a CREATED after the approval) is ignored.
 * Every move it returns is in PAYMENT_ATTEMPT_TRANSITIONS (a test checks all pairs).
 */
export function reconcile(current: PaymentAttemptState, view: PlatformView): PaymentAttemptState | undefined {
  if (!isLive(current)) return undefined
  const target = targetOf(current, view)
  return target === current ? undefined : target
}

function targetOf(current: PaymentAttemptState, view: PlatformView): PaymentAttemptState | undefined {
  switch (view) {
    case 'waiting':
      // Only news to an attempt that did not know the request exists.
      return current === 'creating' || current === 'unknown' ? 'waiting_for_customer' : undefined
    case 'authorized':
      switch (current) {
        case 'creating':
        case 'unknown':
        case 'waiting_for_customer':
        case 'cancelling':
          return 'authorized'
        default:
          return undefined
      }
    case 'captured':
      return 'captured'
    case 'released':
    case 'terminated':
      return 'cancelled'
    case 'declined':
    case 'expired':
      // The customer's answer (or the clock) only matters before an approval.
      return current === 'authorized' || current === 'capturing' ? undefined : view
    default:
      return unreachable(view)
  }
}

/** The state in the cashier's words. */
export function describeAttemptState(state: PaymentAttemptState): string {
  switch (state) {
    case 'creating':
      return 'Sending the payment request'
    case 'unknown':
      return 'Checking with Vipps MobilePay'
    case 'waiting_for_customer':
      return 'Waiting for the customer to approve'
    case 'authorized':
      return 'Approved; completing the payment'
    case 'capturing':
      return 'Completing the payment'
    case 'cancelling':
      return 'Cancelling the payment request'
    case 'captured':
      return 'Payment registered'
    case 'declined':
      return 'The customer declined'
    case 'expired':
      return 'The payment request expired'
    case 'cancelled':
      return 'The payment request was cancelled'
    case 'failed':
      return 'The payment request failed'
    default:
      return unreachable(state)
  }
}

export function unreachable(value: never): never {
  throw new Error(`unhandled case ${String(value)}`)
}
