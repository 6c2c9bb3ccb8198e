/**
 * The two state machines of settlement. A ledger date is open while entries
 * may still land on it and closed from the next local midnight, when its fees
 * are retained and its payout decided; only a closed date has a report. A
 * payout is scheduled when decided (its `scheduled-for-payout` entry empties
 * the balance) and paid when the bank transfer happens, two business days
 * after its ledger date.
 */

export const LEDGER_DATE_STATES = ['open', 'closed'] as const
export type LedgerDateState = (typeof LEDGER_DATE_STATES)[number]

export const PAYOUT_STATES = ['scheduled', 'paid'] as const
export type PayoutState = (typeof PAYOUT_STATES)[number]

const DATE_MOVES: Record<LedgerDateState, readonly LedgerDateState[]> = {
  open: ['closed'],
  closed: [],
}

const PAYOUT_MOVES: Record<PayoutState, readonly PayoutState[]> = {
  scheduled: ['paid'],
  paid: [],
}

/** Whether a ledger date may move from `from` to `to`. */
export const canMoveDate = (from: LedgerDateState, to: LedgerDateState): boolean =>
  DATE_MOVES[from].includes(to)

/** Whether a payout may move from `from` to `to`. */
export const canMovePayout = (from: PayoutState, to: PayoutState): boolean => PAYOUT_MOVES[from].includes(to)

/** Moves a payout, or fails loudly: a payout paid twice would be money invented. */
export function movePayout<T extends { state: PayoutState }>(payout: T, to: PayoutState): void {
  if (!canMovePayout(payout.state, to)) throw new Error(`a ${payout.state} payout cannot become ${to}`)
  payout.state = to
}

/** Whether a report for a date in this state may be read: the platform answers 404 until it closes. */
export function reportReadable(state: LedgerDateState): boolean {
  switch (state) {
    case 'open':
      return false
    case 'closed':
      return true
    default: {
      const unknown: never = state
      throw new Error(`unknown ledger date state ${String(unknown)}`)
    }
  }
}

/** Where the money of a payout in this state is, in words for the control API. */
export function payoutWhereabouts(state: PayoutState): string {
  switch (state) {
    case 'scheduled':
      return 'decided and on its way to the bank'
    case 'paid':
      return "in the merchant's bank account"
    default: {
      const unknown: never = state
      throw new Error(`unknown payout state ${String(unknown)}`)
    }
  }
}
