/**
 * The shop order's states and the moves between them: the spec of what an
 * order can do.
 *
 *   pending_payment ──► reserved ──► partially_shipped ──► shipped
 *     │  ▲    │            │                 │
 *     ▼  │    │            └──► cancelled    └── cancel the rest ──► shipped
 *   unknown   └──► payment_failed
 *     (owned by the status sync)      cancelled (before any shipping)
 *
 * `unknown` means the shop does not know whether Vipps MobilePay got the
 * payment request (a lost answer, a timeout, a crash mid-call). It is never a
 * dead end: the status sync (sync.ts) looks the payment up and, if it never
 * arrived, sends the same request again with the same key.
 */
import { ShopError } from '../errors.ts'

export const ORDER_STATES = [
  'pending_payment',
  'unknown',
  'reserved',
  'partially_shipped',
  'shipped',
  'cancelled',
  'payment_failed',
] as const
export type OrderState = (typeof ORDER_STATES)[number]

/** Regular checkout pays with ePayment; Hurtigkasse (express) with eCom v2. */
export const ORDER_FLOWS = ['epayment', 'ecom_express'] as const
export type OrderFlow = (typeof ORDER_FLOWS)[number]

/** Why a payment did not go through, for the shopper's message. */
export const PAYMENT_FAILURES = ['rejected', 'expired', 'cancelled', 'refused'] as const
export type PaymentFailure = (typeof PAYMENT_FAILURES)[number]

/** Where each state may go next. Anything else is refused with ORDER_STATE_CONFLICT. */
export const ORDER_TRANSITIONS = {
  pending_payment: ['reserved', 'payment_failed', 'unknown', 'cancelled'],
  unknown: ['pending_payment', 'reserved', 'payment_failed', 'cancelled'],
  // A cancel before anything shipped ends the order; shipping everything in one go skips partial.
  reserved: ['partially_shipped', 'shipped', 'cancelled'],
  // Shipping the rest, or cancelling the rest (what shipped stays shipped), ends it as shipped.
  partially_shipped: ['shipped'],
  shipped: [],
  cancelled: [],
  payment_failed: [],
} as const satisfies Record<OrderState, readonly OrderState[]>

/** True if the state may move to `next`. */
export function canMove(from: OrderState, next: OrderState): boolean {
  return (ORDER_TRANSITIONS[from] as readonly OrderState[]).includes(next)
}

/** Throws ORDER_STATE_CONFLICT unless `from` may move to `next`. */
export function assertMove(from: OrderState, next: OrderState): void {
  if (!canMove(from, next)) {
    throw new ShopError(
      'ORDER_STATE_CONFLICT',
      `An order that is ${describeState(from)} cannot become ${describeState(next)}`,
    )
  }
}

/** The states from which a state may be reached: what a compare-and-set update may start from. */
export function statesLeadingTo(next: OrderState): OrderState[] {
  return ORDER_STATES.filter((from) => canMove(from, next))
}

/** True while the shopper's payment is undecided: the return page waits, the status sync looks. */
export function awaitsPayment(state: OrderState): boolean {
  switch (state) {
    case 'pending_payment':
    case 'unknown':
      return true
    case 'reserved':
    case 'partially_shipped':
    case 'shipped':
    case 'cancelled':
    case 'payment_failed':
      return false
    default:
      return unreachable(state)
  }
}

/** True once the shopper has paid (the money is reserved or captured): the order is confirmed. */
export function isConfirmed(state: OrderState): boolean {
  switch (state) {
    case 'reserved':
    case 'partially_shipped':
    case 'shipped':
      return true
    case 'pending_payment':
    case 'unknown':
    case 'cancelled':
    case 'payment_failed':
      return false
    default:
      return unreachable(state)
  }
}

/** True if lines may still be shipped (captured). */
export function canShip(state: OrderState): boolean {
  switch (state) {
    case 'reserved':
    case 'partially_shipped':
      return true
    case 'pending_payment':
    case 'unknown':
    case 'shipped':
    case 'cancelled':
    case 'payment_failed':
      return false
    default:
      return unreachable(state)
  }
}

/** True if the shop may cancel what is not shipped (releasing the reservation, or stopping the request). */
export function canCancel(state: OrderState): boolean {
  switch (state) {
    case 'pending_payment':
    case 'unknown':
    case 'reserved':
    case 'partially_shipped':
      return true
    case 'shipped':
    case 'cancelled':
    case 'payment_failed':
      return false
    default:
      return unreachable(state)
  }
}

/** Where a cancel that went through leaves the order: what shipped stays shipped. */
export function stateAfterCancel(state: OrderState): OrderState {
  switch (state) {
    case 'pending_payment':
    case 'unknown':
    case 'reserved':
      return 'cancelled'
    case 'partially_shipped':
      return 'shipped'
    case 'shipped':
    case 'cancelled':
    case 'payment_failed':
      throw new ShopError(
        'ORDER_STATE_CONFLICT',
        `An order that is ${describeState(state)} cannot be cancelled`,
      )
    default:
      return unreachable(state)
  }
}

/** The state in the shop's (Norwegian) words, for pages and messages. */
export function describeState(state: OrderState): string {
  switch (state) {
    case 'pending_payment':
      return 'venter på betaling'
    case 'unknown':
      return 'betalingsstatus ukjent'
    case 'reserved':
      return 'betalt (reservert)'
    case 'partially_shipped':
      return 'delvis sendt'
    case 'shipped':
      return 'sendt'
    case 'cancelled':
      return 'kansellert'
    case 'payment_failed':
      return 'betaling feilet'
    default:
      return unreachable(state)
  }
}

/** What the shopper reads when a payment did not go through. */
export function describeFailure(failure: PaymentFailure): string {
  switch (failure) {
    case 'rejected':
      return 'Betalingen ble avvist i Vipps.'
    case 'expired':
      return 'Betalingen ble ikke bekreftet i tide og er utløpt.'
    case 'cancelled':
      return 'Betalingen ble avbrutt.'
    case 'refused':
      return 'Vipps kunne ikke starte betalingen.'
    default:
      return unreachable(failure)
  }
}

export function unreachable(value: never): never {
  throw new Error(`unhandled value ${String(value)}`)
}
