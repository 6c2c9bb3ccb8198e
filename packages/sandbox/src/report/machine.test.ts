import { describe, expect, it } from 'vitest'
import {
  canMoveDate,
  canMovePayout,
  LEDGER_DATE_STATES,
  movePayout,
  PAYOUT_STATES,
  payoutWhereabouts,
  reportReadable,
} from './machine.ts'

describe('settlement state machines', () => {
  it('close a ledger date once and never reopen it; only a closed date has a report', () => {
    expect(canMoveDate('open', 'closed')).toBe(true)
    expect(canMoveDate('closed', 'open')).toBe(false)
    expect(canMoveDate('closed', 'closed')).toBe(false)
    expect(LEDGER_DATE_STATES.map(reportReadable)).toEqual([false, true])
  })

  it('pay a scheduled payout once', () => {
    const payout = { state: 'scheduled' as (typeof PAYOUT_STATES)[number] }
    movePayout(payout, 'paid')
    expect(payout.state).toBe('paid')
    expect(() => movePayout(payout, 'paid')).toThrow(/paid payout cannot become paid/)
    expect(canMovePayout('paid', 'scheduled')).toBe(false)
    expect(PAYOUT_STATES.map(payoutWhereabouts)).toEqual([
      'decided and on its way to the bank',
      "in the merchant's bank account",
    ])
  })
})
