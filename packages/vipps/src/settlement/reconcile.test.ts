/**
 * Reconciliation of a settled day with the merchant's records: examples of
 * each outcome a shop owner meets, and properties over random days — every
 * entry and every record accounted for exactly once, the payout identity to
 * the øre, a faithful record set reconciling with no differences, and other
 * sales channels never reported missing.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LedgerEntry, ReportEntryType } from '../schemas/report.ts'
import { minorUnitsText, toCsv } from './csv.ts'
import {
  type ReconciliationLine,
  reconcileSettlement,
  reconciliationCsv,
  type SettlementRecord,
} from './reconcile.ts'

const DATE = '2025-03-14'

/** A ledger day built entry by entry, balances chained from `opening`, as the Report API shows it. */
function ledgerDay(opening = 0) {
  const entries: LedgerEntry[] = []
  let balance = opening
  let serial = 0
  const add = (entryType: ReportEntryType, amount: number, reference?: string, pspReference?: string) => {
    const entry: LedgerEntry = {
      pspReference: pspReference ?? `psp-${++serial}`,
      time: `${DATE}T10:00:${String(serial % 60).padStart(2, '0')}.000Z`,
      ledgerDate: DATE,
      entryType,
      ...(reference === undefined ? {} : { reference }),
      currency: 'NOK',
      amount,
      balanceBefore: balance,
      balanceAfter: balance + amount,
    }
    balance += amount
    entries.push(entry)
    return entry
  }
  return {
    entries,
    capture: (reference: string, amount: number, psp?: string) => add('capture', amount, reference, psp),
    refund: (reference: string, amount: number, psp?: string) => add('refund', -amount, reference, psp),
    feesRetained: (amount: number) => add('fees-retained', -amount),
    correction: (amount: number) => add('correction', amount),
    /** Pays out the whole balance, as the platform does when a date closes with money on it. */
    payout: () => add('scheduled-for-payout', -balance, 'Vipps utbet. 1 Vippsnr 123456'),
    balance: () => balance,
  }
}

const record = (
  kind: 'capture' | 'refund',
  reference: string,
  amount: number,
  pspReference?: string,
): SettlementRecord => ({
  kind,
  reference,
  amount,
  currency: 'NOK',
  ...(pspReference ? { pspReference } : {}),
})

const statuses = (lines: readonly ReconciliationLine<SettlementRecord>[]) => lines.map((line) => line.status)

describe('reconcileSettlement', () => {
  it('matches a faithful day: captures, a partial refund, fees and the payout they add up to', () => {
    const day = ledgerDay()
    const first = day.capture('till-1', 10_000)
    day.capture('till-2', 4_990)
    day.refund('till-1', 2_500)
    day.feesRetained(300)
    day.payout()
    const feeEntries: LedgerEntry[] = [
      { ...first, entryType: 'capture-fee', amount: -199, balanceBefore: 0, balanceAfter: -199 },
    ]
    const result = reconcileSettlement({
      entries: day.entries,
      feeEntries,
      records: [
        record('capture', 'till-1', 10_000),
        record('capture', 'till-2', 4_990),
        record('refund', 'till-1', 2_500),
      ],
    })
    expect(result.differences).toBe(0)
    expect(result.matched).toHaveLength(3)
    expect(result.matched.find((m) => m.entry === first)?.fee).toBe(199)
    expect(result.totals).toEqual({
      captures: 14_990,
      refunds: 2_500,
      fees: 300,
      adjustments: 0,
      expectedPayout: 12_190,
      payout: 12_190,
      openingBalance: 0,
      closingBalance: 0,
      recordedCaptures: 14_990,
      recordedRefunds: 2_500,
    })
    expect(statuses(result.lines)).toEqual(['matched', 'matched', 'matched', 'fee', 'payout'])
  })

  it('names each difference, differences first: never settled, settled without a record, another amount', () => {
    const day = ledgerDay()
    day.capture('till-1', 10_000)
    const unknown = day.capture('till-9', 777)
    day.capture('till-3', 5_000)
    day.payout()
    const lost = record('capture', 'till-2', 4_990)
    const result = reconcileSettlement({
      entries: day.entries,
      records: [record('capture', 'till-1', 10_000), lost, record('capture', 'till-3', 4_000)],
    })
    expect(result.missingOnPlatform).toEqual([lost])
    expect(result.missingInRecords).toEqual([unknown])
    expect(result.amountMismatches).toHaveLength(1)
    expect(result.amountMismatches[0]).toMatchObject({ record: { reference: 'till-3' }, difference: 1_000 })
    expect(result.differences).toBe(3)
    expect(statuses(result.lines)).toEqual([
      'missing-on-platform',
      'missing-in-records',
      'amount-mismatch',
      'matched',
      'payout',
    ])
  })

  it('reports other sales channels on the same ledger with their total, never as missing', () => {
    const day = ledgerDay()
    day.capture('till-1', 10_000)
    day.capture('shop-1', 30_000)
    day.refund('shop-1', 5_000)
    day.payout()
    const result = reconcileSettlement({
      entries: day.entries,
      records: [record('capture', 'till-1', 10_000)],
      isOwnReference: (reference) => reference.startsWith('till-'),
    })
    expect(result.differences).toBe(0)
    expect(result.missingInRecords).toEqual([])
    expect(result.otherChannels).toMatchObject({ captures: 30_000, refunds: 5_000, net: 25_000 })
    expect(result.otherChannels.entries.map((e) => e.reference)).toEqual(['shop-1', 'shop-1'])
    // The payout is the whole ledger's, other channels included.
    expect(result.totals.payout).toBe(35_000)
    expect(result.totals.expectedPayout).toBe(35_000)
  })

  it('pairs by pspReference before reference, and partial refunds without one by amount', () => {
    const day = ledgerDay()
    day.capture('till-1', 10_000, 'cap-1')
    const smallRefund = day.refund('till-1', 1_000, 'ref-a')
    const bigRefund = day.refund('till-1', 3_000, 'ref-b')
    day.payout()
    const withPsp = reconcileSettlement({
      entries: day.entries,
      // The pspReference says which refund is which, even listed the other way round.
      records: [
        record('refund', 'till-1', 3_000, 'ref-b'),
        record('refund', 'till-1', 1_000, 'ref-a'),
        record('capture', 'till-1', 10_000),
      ],
    })
    expect(withPsp.differences).toBe(0)
    const withoutPsp = reconcileSettlement({
      entries: day.entries,
      records: [
        record('refund', 'till-1', 3_000),
        record('refund', 'till-1', 1_000),
        record('capture', 'till-1', 10_000),
      ],
    })
    expect(withoutPsp.differences).toBe(0)
    const refundFor = (amount: number) => withoutPsp.matched.find((m) => m.record.amount === amount)?.entry
    expect(refundFor(1_000)).toBe(smallRefund)
    expect(refundFor(3_000)).toBe(bigRefund)
  })

  it('never pairs a capture record with a refund entry', () => {
    const day = ledgerDay()
    day.refund('till-1', 1_000)
    const result = reconcileSettlement({
      entries: day.entries,
      records: [record('capture', 'till-1', 1_000)],
    })
    expect(statuses(result.lines)).toEqual(['missing-on-platform', 'missing-in-records'])
  })

  it('carries a balance over: the payout is the opening balance plus the day, the identity still holds', () => {
    const day = ledgerDay(-2_000) // yesterday's refunds exceeded its captures
    day.capture('till-1', 10_000)
    day.payout()
    const { totals } = reconcileSettlement({
      entries: day.entries,
      records: [record('capture', 'till-1', 10_000)],
    })
    expect(totals.expectedPayout).toBe(10_000)
    expect(totals.payout).toBe(8_000)
    expect(totals.openingBalance + totals.expectedPayout - totals.payout).toBe(totals.closingBalance)
  })

  it('exports CSV with amounts in kroner, quoting, and references that cannot become formulas', () => {
    const day = ledgerDay()
    day.capture('=HYPERLINK("x")', 4_990)
    day.refund('till-1', 5)
    const result = reconcileSettlement({ entries: day.entries, records: [record('refund', 'till-1', 5)] })
    expect(reconciliationCsv(result.lines).split('\r\n')).toEqual([
      'status,kind,reference,pspReference,currency,recorded,settled,fee',
      `missing-in-records,capture,"'=HYPERLINK(""x"")",psp-1,NOK,,49.90,`,
      'matched,refund,till-1,psp-2,NOK,0.05,-0.05,',
      '',
    ])
    expect(minorUnitsText(-123_456)).toBe('-1234.56')
    expect(toCsv(['a'], [['line\nbreak'], [null], [-3]])).toBe('a\r\n"line\nbreak"\r\n\r\n-3\r\n')
  })
})

// ——— properties over random days ———

const amount = fc.integer({ min: 1, max: 50_000 })
const payment = fc.record({
  channel: fc.constantFrom('till', 'shop'),
  capture: amount,
  refunds: fc.array(fc.integer({ min: 1, max: 1_000 }), { maxLength: 3 }),
  /** What the merchant's records do with this payment's operations. */
  fate: fc.constantFrom('faithful', 'faithful', 'faithful', 'unrecorded', 'wrong-amount', 'no-psp'),
})
const day = fc.record({
  payments: fc.array(payment, { maxLength: 12 }),
  feePercent: fc.integer({ min: 0, max: 300 }),
  extraRecords: fc.array(fc.record({ kind: fc.constantFrom('capture', 'refund'), amount }), { maxLength: 3 }),
  correction: fc.integer({ min: -500, max: 500 }),
  shuffleSeed: fc.integer(),
})

type GeneratedDay = typeof day extends fc.Arbitrary<infer D> ? D : never

function build(generated: GeneratedDay) {
  const ledger = ledgerDay()
  const records: SettlementRecord[] = []
  let faithful = true
  let fees = 0
  generated.payments.forEach((p, index) => {
    const reference = `${p.channel}-${index}`
    const capture = ledger.capture(reference, p.capture)
    fees += Math.round((p.capture * generated.feePercent) / 10_000)
    const refunds = p.refunds.map((value) => ledger.refund(reference, value))
    if (p.channel !== 'till') return
    for (const entry of [capture, ...refunds]) {
      const kind = entry.entryType === 'refund' ? 'refund' : 'capture'
      const value = Math.abs(entry.amount)
      if (p.fate === 'unrecorded') faithful = false
      else if (p.fate === 'wrong-amount') {
        faithful = false
        records.push(record(kind, reference, value + 1, entry.pspReference))
      } else
        records.push(record(kind, reference, value, p.fate === 'no-psp' ? undefined : entry.pspReference))
    }
  })
  generated.extraRecords.forEach((extra, index) => {
    faithful = false
    records.push(record(extra.kind, `till-extra-${index}`, extra.amount))
  })
  if (fees > 0) ledger.feesRetained(fees)
  if (generated.correction !== 0) ledger.correction(generated.correction)
  if (ledger.balance() > 0) ledger.payout()
  // The records come in any order.
  const shuffled = fc.sample(fc.shuffledSubarray(records, { minLength: records.length }), {
    numRuns: 1,
    seed: generated.shuffleSeed,
  })[0]!
  return { entries: ledger.entries, records: shuffled, faithful }
}

const isTill = (reference: string) => reference.startsWith('till-')

describe('reconcileSettlement over random days', () => {
  it('accounts for every entry and every record exactly once', () => {
    fc.assert(
      fc.property(day, (generated) => {
        const { entries, records } = build(generated)
        const result = reconcileSettlement({ entries, records, isOwnReference: isTill })
        const entriesSeen = [
          ...result.matched.map((m) => m.entry),
          ...result.amountMismatches.map((m) => m.entry),
          ...result.missingInRecords,
          ...result.otherChannels.entries,
          ...result.fees.entries,
          ...result.payouts.entries,
          ...result.adjustments.entries,
        ]
        expect(entriesSeen).toHaveLength(entries.length)
        expect(new Set(entriesSeen)).toEqual(new Set(entries))
        const recordsSeen = [
          ...result.matched.map((m) => m.record),
          ...result.amountMismatches.map((m) => m.record),
          ...result.missingOnPlatform,
        ]
        expect(recordsSeen).toHaveLength(records.length)
        expect(new Set(recordsSeen)).toEqual(new Set(records))
        // The lines are the same accounting, one row per pair or lone entry or record.
        const pairs = result.matched.length + result.amountMismatches.length
        expect(result.lines).toHaveLength(entries.length + records.length - pairs)
        // Differences first.
        const flags = result.lines.map((line) => line.difference)
        expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)))
        expect(result.differences).toBe(flags.filter(Boolean).length)
      }),
    )
  })

  it('holds the payout identity to the øre: payout = opening + captures − refunds − fees + adjustments − closing', () => {
    fc.assert(
      fc.property(day, (generated) => {
        const { entries, records } = build(generated)
        const { totals } = reconcileSettlement({ entries, records, isOwnReference: isTill })
        expect(totals.expectedPayout).toBe(
          totals.captures - totals.refunds - totals.fees + totals.adjustments,
        )
        expect(totals.payout).toBe(totals.openingBalance + totals.expectedPayout - totals.closingBalance)
        const sumOf = (type: ReportEntryType) =>
          entries.filter((e) => e.entryType === type).reduce((s, e) => s + Math.abs(e.amount), 0)
        expect(totals.captures).toBe(sumOf('capture'))
        expect(totals.refunds).toBe(sumOf('refund'))
        // A day that starts empty and pays its balance out: the payout is exactly the day's activity.
        if (totals.expectedPayout > 0) expect(totals.payout).toBe(totals.expectedPayout)
      }),
    )
  })

  it('finds no difference in faithful records, and never calls another channel missing', () => {
    fc.assert(
      fc.property(day, (generated) => {
        const { entries, records, faithful } = build(generated)
        const result = reconcileSettlement({ entries, records, isOwnReference: isTill })
        if (faithful) expect(result.differences).toBe(0)
        expect(result.missingInRecords.every((entry) => isTill(entry.reference ?? ''))).toBe(true)
        expect(result.otherChannels.entries.every((entry) => !isTill(entry.reference ?? ''))).toBe(true)
        const shopNet = entries
          .filter((e) => e.reference?.startsWith('shop-'))
          .reduce((s, e) => s + e.amount, 0)
        expect(result.otherChannels.net).toBe(shopNet)
      }),
    )
  })
})
