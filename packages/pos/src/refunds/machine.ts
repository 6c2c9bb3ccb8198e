/**
 * A refund's states: the spec of giving money back for a paid sale.
 *
 *   refunding ──► refunded   (the platform confirmed; the return receipt gets its number)
 *       │
 *       └──────► failed      (the platform refused; nothing was refunded)
 *
 * `refunding` is written, with the refund's own idempotency key, before the
 * platform is called. If the call's outcome is unknown the refund stays
 * `refunding` and the sweeper repeats the call with the same key, which the
 * platform performs once.
 */

export const REFUND_STATES = ['refunding', 'refunded', 'failed'] as const
export type RefundState = (typeof REFUND_STATES)[number]

export const REFUND_TRANSITIONS = {
  refunding: ['refunded', 'failed'],
  refunded: [],
  failed: [],
} as const satisfies Record<RefundState, readonly RefundState[]>

export function canMoveRefund(from: RefundState, next: RefundState): boolean {
  return (REFUND_TRANSITIONS[from] as readonly RefundState[]).includes(next)
}

/** True while the refund's money is spoken for (counted against what may still be refunded). */
export function holdsMoney(state: RefundState): boolean {
  switch (state) {
    case 'refunding':
    case 'refunded':
      return true
    case 'failed':
      return false
    default: {
      const unknown: never = state
      throw new Error(`unhandled refund state ${String(unknown)}`)
    }
  }
}
