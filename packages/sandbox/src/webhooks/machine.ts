/**
 * The webhook delivery state machine. A delivery is one event on its way to one
 * registration. Deliveries of the same payment to the same registration form a
 * lane: only its head may be attempted, the rest wait `held` until the head is
 * settled (a 2xx or dropped), which is how the platform keeps per-payment order.
 */

export const DELIVERY_STATES = [
  'queued',
  'held',
  'in_flight',
  'retry_scheduled',
  'delivered',
  'dropped',
] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]

/** Which states each state may move to. Anything else is a bug in the outbox. */
export const DELIVERY_TRANSITIONS: { readonly [S in DeliveryState]: readonly DeliveryState[] } = {
  // Head of its lane, first attempt due at once.
  queued: ['in_flight', 'dropped'],
  // Behind an unsettled delivery for the same payment and registration.
  held: ['queued', 'dropped'],
  in_flight: ['delivered', 'retry_scheduled', 'dropped'],
  retry_scheduled: ['in_flight', 'dropped'],
  delivered: [],
  dropped: [],
}

/** Why a delivery was given up. */
export type DropReason = 'retry-window-expired' | 'webhook-deleted'

/** True when `from → to` is in the transition table. */
export function canTransition(from: DeliveryState, to: DeliveryState): boolean {
  return DELIVERY_TRANSITIONS[from].includes(to)
}

/** True once nothing more will happen to the delivery, which frees its lane. */
export function isSettled(state: DeliveryState): boolean {
  switch (state) {
    case 'delivered':
    case 'dropped':
      return true
    case 'queued':
    case 'held':
    case 'in_flight':
    case 'retry_scheduled':
      return false
    default:
      return unreachable(state)
  }
}

/**
 * Why an operator's "attempt now" is refused in `state`, or undefined when it may
 * go ahead. Held deliveries wait for their lane and settled ones are history:
 * attempting either would break the ordering the platform guarantees.
 */
export function manualRetryRefusal(state: DeliveryState): string | undefined {
  switch (state) {
    case 'queued':
    case 'retry_scheduled':
      return undefined
    case 'held':
      return 'it is held behind an earlier delivery for the same payment; retry that one'
    case 'in_flight':
      return 'an attempt is in flight'
    case 'delivered':
      return 'it was delivered'
    case 'dropped':
      return 'it was dropped'
    default:
      return unreachable(state)
  }
}

function unreachable(state: never): never {
  throw new Error(`unknown delivery state ${String(state)}`)
}
