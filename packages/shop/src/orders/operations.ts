/**
 * A money operation on an order's payment (capture, cancel, refund) as a small
 * state machine of its own. It is written with its idempotency key before it
 * is sent; the answer settles it.
 *
 *   requested ──► done
 *       │    └──► refused
 *       └──► unknown ──► done | refused     (re-sent with the same key by the status sync)
 *
 * A `requested` operation older than a minute is treated as `unknown`: the
 * process that sent it died before it heard the answer.
 */

export const OPERATION_KINDS = ['capture', 'cancel', 'refund'] as const
export type OperationKind = (typeof OPERATION_KINDS)[number]

export const OPERATION_STATES = ['requested', 'done', 'unknown', 'refused'] as const
export type OperationState = (typeof OPERATION_STATES)[number]

export const OPERATION_TRANSITIONS = {
  requested: ['done', 'refused', 'unknown'],
  unknown: ['done', 'refused'],
  done: [],
  refused: [],
} as const satisfies Record<OperationState, readonly OperationState[]>

/** True if an operation in `from` may settle as `next`. */
export function canSettle(from: OperationState, next: OperationState): boolean {
  return (OPERATION_TRANSITIONS[from] as readonly OperationState[]).includes(next)
}

/** True while the operation's outcome is open: the order takes no other money operation meanwhile. */
export function isOpen(state: OperationState): boolean {
  switch (state) {
    case 'requested':
    case 'unknown':
      return true
    case 'done':
    case 'refused':
      return false
    default: {
      const never: never = state
      throw new Error(`unhandled operation state ${String(never)}`)
    }
  }
}

/** The operation in the admin's words. */
export function describeOperation(kind: OperationKind): string {
  switch (kind) {
    case 'capture':
      return 'trekk (capture)'
    case 'cancel':
      return 'kansellering'
    case 'refund':
      return 'refusjon'
    default: {
      const never: never = kind
      throw new Error(`unhandled operation kind ${String(never)}`)
    }
  }
}

/** How long a `requested` operation may go unanswered before the sync takes it for lost. */
export const REQUESTED_GRACE_MS = 60_000
