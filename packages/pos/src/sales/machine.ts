/**
 * The sale's states and the moves between them: the spec of what a sale can do.
 *
 *   open ──────────► awaiting_payment ──► paid
 *    │  ◄───────────┘       │
 *    └──► voided ◄──────────┘
 *
 * A till has at most one sale that is `open` or `awaiting_payment` (a partial
 * unique index guards it across processes). Only an `open` sale's cart can
 * change; `awaiting_payment` freezes the lines the customer is asked to pay for.
 */
import { PosError } from '../errors.ts'

export const SALE_STATES = ['open', 'awaiting_payment', 'paid', 'voided'] as const
export type SaleState = (typeof SALE_STATES)[number]

/** Where each state may go next. Anything else is refused with SALE_STATE_CONFLICT. */
export const SALE_TRANSITIONS = {
  open: ['awaiting_payment', 'voided'],
  // Back to open when the payment failed or was cancelled and the cashier edits the cart.
  awaiting_payment: ['open', 'paid', 'voided'],
  paid: [],
  voided: [],
} as const satisfies Record<SaleState, readonly SaleState[]>

/** True if the state may move to `next`. */
export function canMove(from: SaleState, next: SaleState): boolean {
  return (SALE_TRANSITIONS[from] as readonly SaleState[]).includes(next)
}

/** Throws SALE_STATE_CONFLICT unless `from` may move to `next`. */
export function assertMove(from: SaleState, next: SaleState): void {
  if (!canMove(from, next)) {
    throw new PosError(
      'SALE_STATE_CONFLICT',
      `A sale that is ${describeState(from)} cannot become ${describeState(next)}`,
    )
  }
}

/** True while the sale occupies its till (the till's current sale). */
export function isCurrent(state: SaleState): boolean {
  switch (state) {
    case 'open':
    case 'awaiting_payment':
      return true
    case 'paid':
    case 'voided':
      return false
    default:
      return unreachable(state)
  }
}

/** True if lines, quantities and discounts may change. */
export function isCartEditable(state: SaleState): boolean {
  switch (state) {
    case 'open':
      return true
    case 'awaiting_payment':
    case 'paid':
    case 'voided':
      return false
    default:
      return unreachable(state)
  }
}

/** The state in the cashier's words, for error messages. */
export function describeState(state: SaleState): string {
  switch (state) {
    case 'open':
      return 'open'
    case 'awaiting_payment':
      return 'waiting for payment'
    case 'paid':
      return 'paid'
    case 'voided':
      return 'voided'
    default:
      return unreachable(state)
  }
}

function unreachable(state: never): never {
  throw new Error(`unhandled sale state ${String(state)}`)
}
