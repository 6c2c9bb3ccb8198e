/**
 * Random sequences of captures, refunds, fee changes and time passing never
 * break settlement's arithmetic, seen through the Report API: each book's
 * balances chain from zero to the øre, the entries sum to the final balance,
 * the books agree with ePayment's aggregates, every fee is retained, every
 * positive close is paid out, and each date's report is the feed's entries
 * of that date.
 */
import type { LedgerEntry, ReportFeedPage, ReportPage, ReportTopic } from '@kasse/vipps'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TestSandbox } from '../../test/helpers.ts'
import {
  as,
  authorized,
  expectConsistentBalances,
  NOK_LEDGER,
  read,
  settlementSandbox,
} from './test-helpers.ts'

const SLOTS = 3
const slot = fc.integer({ min: 0, max: SLOTS - 1 })
// Mostly amounts that fit what is left to capture or refund, sometimes ones the platform refuses.
const money = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 6_000 }), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 40_000 }), weight: 1 },
)
const command = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('capture' as const), slot, value: money }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), slot, value: money }), weight: 3 },
  {
    arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 60 }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('fees' as const),
      percentBasisPoints: fc.integer({ min: 0, max: 500 }),
      fixedMinorUnits: fc.integer({ min: 0, max: 300 }),
    }),
    weight: 1,
  },
)
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never

const HOUR = 3_600_000

describe('settlement invariants under random captures, refunds and time', () => {
  it('hold for every sequence', async () => {
    // 07:00 on a Monday in Oslo; every run moves the clock on by weeks, across weekends and holidays.
    const sb = await settlementSandbox('2025-03-10T06:00:00Z')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 5_000, max: 30_000 }), { minLength: SLOTS, maxLength: SLOTS }),
        fc.array(command, { minLength: 1, maxLength: 30 }),
        async (values, commands) => {
          sb.ctx.reset()
          const references: string[] = []
          for (const value of values) references.push(await authorized(sb, value))
          for (const c of commands) await step(sb, references, c)
          // Long enough for every date to close and every payout to reach the bank.
          sb.ctx.clock.advance(10 * 24 * HOUR)
          await checkInvariants(sb, references)
        },
      ),
      { numRuns: 60 },
    )
  })
})

async function step(sb: TestSandbox, references: string[], c: Command): Promise<void> {
  switch (c.kind) {
    case 'advance':
      sb.ctx.clock.advance(c.hours * HOUR)
      return
    case 'fees': {
      const { kind: _kind, ...model } = c
      const response = await sb.app.inject({
        method: 'PUT',
        url: '/_sandbox/merchants/123456/fees',
        payload: model,
      })
      expect(response.statusCode).toBe(200)
      return
    }
    case 'capture':
    case 'refund': {
      const response = await as(sb, 'POST', `/epayment/v1/payments/${references[c.slot]}/${c.kind}`, {
        body: { modificationAmount: { currency: 'NOK', value: c.value } },
        msnHeader: true,
      })
      // Refusals (too much, nothing to refund) are ePayment's business; the books must just agree.
      expect([200, 400, 409]).toContain(response.statusCode)
      return
    }
    default: {
      const unknown: never = c
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}

async function wholeFeed(sb: TestSandbox, topic: ReportTopic): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await read<ReportFeedPage>(
      sb,
      `/report/v2/ledgers/${NOK_LEDGER}/${topic}/feed${cursor ? `?cursor=${cursor}` : ''}`,
    )
    entries.push(...page.items)
    cursor = page.cursor
    if (page.tryLater) return entries
  }
}

// Subtractions from 0, not unary minus: toBe tells -0 from 0.
const total = (entries: LedgerEntry[], type?: LedgerEntry['entryType']) =>
  entries.filter((e) => !type || e.entryType === type).reduce((sum, e) => sum + e.amount, 0)

async function checkInvariants(sb: TestSandbox, references: string[]): Promise<void> {
  const funds = await wholeFeed(sb, 'funds')
  const fees = await wholeFeed(sb, 'fees')
  const view = (await sb.app.inject({ method: 'GET', url: '/_sandbox/ledgers/123456' })).json().ledgers[0]

  // Each book: balances chain from zero, and the entries sum to the final balance.
  expectConsistentBalances(funds)
  expectConsistentBalances(fees)
  expect(total(funds)).toBe(view.funds.balance)
  expect(total(fees)).toBe(view.fees.balance)
  for (const entry of [...funds, ...fees]) expect(Number.isSafeInteger(entry.amount)).toBe(true)

  // The books agree with what ePayment says was captured and refunded.
  let captured = 0
  let refunded = 0
  for (const reference of references) {
    const payment = (await as(sb, 'GET', `/epayment/v1/payments/${reference}`, { msnHeader: true })).json()
    captured += payment.aggregate.capturedAmount.value
    refunded += payment.aggregate.refundedAmount.value
  }
  expect(total(funds, 'capture')).toBe(captured)
  expect(total(funds, 'refund')).toBe(0 - refunded)

  // Every fee charged was retained from the funds, with opposite signs on the two books.
  expect(view.fees.balance).toBe(0)
  expect(total(fees, 'fees-retained')).toBe(0 - total(fees, 'capture-fee'))
  expect(total(funds, 'fees-retained')).toBe(total(fees, 'capture-fee'))

  // Payouts: each empties a positive balance, is the date's last entry, and has reached the bank.
  const payoutEntries = funds.filter((e) => e.entryType === 'scheduled-for-payout')
  for (const entry of payoutEntries) {
    expect(entry.amount).toBeLessThan(0)
    expect(entry.balanceAfter).toBe(0)
    expect(funds.filter((e) => e.ledgerDate === entry.ledgerDate).at(-1)).toBe(entry)
  }
  expect(view.payouts.map((p: { amount: number }) => 0 - p.amount)).toEqual(
    payoutEntries.map((e) => e.amount),
  )
  expect(view.payouts.every((p: { state: string }) => p.state === 'paid')).toBe(true)
  // captures − refunds − fees = what went to the bank + what is left (never positive once every date closed).
  expect(captured - refunded + total(funds, 'fees-retained')).toBe(
    0 - total(payoutEntries) + view.funds.balance,
  )
  expect(view.funds.balance).toBeLessThanOrEqual(0)

  // Each date's report is exactly the feed's entries of that date, in order.
  const dates = [...new Set(funds.map((e) => e.ledgerDate))]
  for (const date of dates) {
    const report = await read<ReportPage>(sb, `/report/v2/ledgers/${NOK_LEDGER}/funds/dates/${date}`)
    expect(report.items).toEqual(funds.filter((e) => e.ledgerDate === date))
  }
}
