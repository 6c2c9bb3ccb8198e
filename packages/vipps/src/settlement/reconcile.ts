/**
 * Settlement reconciliation: did every sale become money in the bank?
 *
 * A pure function of two lists. One is what the platform settled for a
 * ledger date — the entries of the Report API's funds report (or the funds
 * feed, filtered to the date): captures, refunds, the fees retained and the
 * payout. The other is what the merchant's own system recorded: each capture
 * and refund with its order reference, the amount and, when known, the
 * pspReference. The answer says which records the platform settled as
 * recorded, which it settled for another amount, which it never settled,
 * which settlements no record explains, what other sales channels on the
 * same ledger brought in, the fees and the payout, with totals to the øre.
 *
 * Every entry and every record lands in exactly one place, so nothing is
 * counted twice or silently dropped; the property tests hold it to that.
 *
 * @example
 * const funds = await vipps.report.forDate(ledgerId, 'funds', '2025-03-14')
 * const fees = await vipps.report.forDate(ledgerId, 'fees', '2025-03-14')
 * if (funds.status === 'ready') {
 *   const result = reconcileSettlement({
 *     entries: funds.entries,
 *     feeEntries: fees.status === 'ready' ? fees.entries : [],
 *     records: myCapturesAndRefunds, // { reference, pspReference?, kind, amount, currency }
 *     isOwnReference: (reference) => reference.startsWith('till-'),
 *   })
 *   for (const line of result.lines) if (line.difference) console.log(line.status, line.reference)
 * }
 */
import type { LedgerEntry, ReportEntryType } from '../schemas/report.ts'
import { minorUnitsText, toCsv } from './csv.ts'

/** What the merchant's system did with a payment: took the money or gave some back. */
export type SettlementRecordKind = 'capture' | 'refund'

/** One capture or refund as the merchant's own system recorded it. */
export interface SettlementRecord {
  /** The payment's order reference, as sent to the platform. */
  reference: string
  /** The platform's pspReference of this operation, when the system kept it; matched first. */
  pspReference?: string | undefined
  kind: SettlementRecordKind
  /** Minor units, positive: what was captured, or what was refunded. */
  amount: number
  currency: string
}

/** What a ledger entry is, for reconciliation. */
export type EntryCategory = 'payment' | 'fee' | 'payout' | 'adjustment'

const ENTRY_CATEGORY: Record<ReportEntryType, EntryCategory> = {
  capture: 'payment',
  refund: 'payment',
  'capture-fee': 'fee',
  'fees-retained': 'fee',
  'fees-invoiced': 'fee',
  'scheduled-for-payout': 'payout',
  'payout-scheduled': 'payout',
  'payout-aborted': 'payout',
  'retained-disputed-capture': 'adjustment',
  'returned-disputed-capture': 'adjustment',
  correction: 'adjustment',
  'top-up': 'adjustment',
  'credit-note': 'adjustment',
}

/** Which of the four a ledger entry is: a payment, a fee, a payout or an adjustment. */
export const entryCategory = (entry: Pick<LedgerEntry, 'entryType'>): EntryCategory =>
  ENTRY_CATEGORY[entry.entryType]

/** A record the platform settled exactly as recorded. */
export interface SettledMatch<R extends SettlementRecord> {
  record: R
  entry: LedgerEntry
  /** The fee charged on this capture, from the fees report (minor units, positive), when given. */
  fee?: number
}

/** A record the platform settled for another amount (or currency). */
export interface AmountMismatch<R extends SettlementRecord> {
  record: R
  entry: LedgerEntry
  /** What the platform settled minus what was recorded, both as positive amounts. */
  difference: number
}

/** The line statuses, differences first: the order a person should read them in. */
export const RECONCILIATION_STATUSES = [
  'missing-on-platform',
  'missing-in-records',
  'amount-mismatch',
  'matched',
  'other-channel',
  'fee',
  'payout',
  'adjustment',
] as const
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number]

/** The statuses that need a person's attention. */
export const DIFFERENCE_STATUSES: readonly ReconciliationStatus[] = [
  'missing-on-platform',
  'missing-in-records',
  'amount-mismatch',
]

/** One row of the reconciliation, for a screen or a CSV file. */
export interface ReconciliationLine<R extends SettlementRecord> {
  status: ReconciliationStatus
  /** Whether this row needs a person's attention. */
  difference: boolean
  /** `capture`/`refund` for payments, otherwise the entry type. */
  kind: string
  reference: string
  pspReference: string
  currency: string
  /** The recorded amount (positive), when there is a record. */
  recordedAmount?: number
  /** The settled amount as the ledger signs it (captures +, refunds, fees and payouts −), when there is an entry. */
  settledAmount?: number
  /** Fee on a matched capture, when the fees report was given. */
  fee?: number
  record?: R
  entry?: LedgerEntry
}

export interface SettlementTotals {
  /** Every capture on the ledger date, this system's and other channels', positive. */
  captures: number
  /** Every refund, positive. */
  refunds: number
  /** Fees taken from the funds (retained or charged per capture), positive. */
  fees: number
  /** Corrections, top-ups and disputes, as signed on the ledger; normally 0. */
  adjustments: number
  /** captures − refunds − fees + adjustments: what the day's activity should pay out. */
  expectedPayout: number
  /** What the platform scheduled for payout on this date (net of aborted payouts), positive. */
  payout: number
  /** The ledger balance before the first entry and after the last, when there are entries. */
  openingBalance: number
  closingBalance: number
  /** This system's captures and refunds as recorded, positive. */
  recordedCaptures: number
  recordedRefunds: number
}

export interface SettlementReconciliation<R extends SettlementRecord> {
  matched: SettledMatch<R>[]
  amountMismatches: AmountMismatch<R>[]
  /** Records the platform has not settled (on this date). */
  missingOnPlatform: R[]
  /** This system's settled captures and refunds that no record explains. */
  missingInRecords: LedgerEntry[]
  /** Captures and refunds of references that are not this system's (another till, the web shop). */
  otherChannels: { entries: LedgerEntry[]; captures: number; refunds: number; net: number }
  fees: { entries: LedgerEntry[]; total: number }
  payouts: { entries: LedgerEntry[]; total: number }
  adjustments: { entries: LedgerEntry[]; total: number }
  totals: SettlementTotals
  /** How many lines need attention; 0 means the day reconciles. */
  differences: number
  /** Every record and every entry once, differences first. */
  lines: ReconciliationLine<R>[]
}

export interface ReconcileInput<R extends SettlementRecord> {
  /** The funds report's entries for the ledger date, in the report's order. */
  entries: readonly LedgerEntry[]
  /** The fees report's entries for the date; its `capture-fee` rows give each capture's fee. Optional. */
  feeEntries?: readonly LedgerEntry[]
  /** The merchant system's captures and refunds belonging to the date. */
  records: readonly R[]
  /**
   * Whether a reference is one this system makes. Settled payments of other
   * references are other sales channels on the same ledger, never "missing".
   * Default: every reference is this system's.
   */
  isOwnReference?: (reference: string) => boolean
}

const kindOf = (entry: LedgerEntry): SettlementRecordKind =>
  entry.entryType === 'refund' ? 'refund' : 'capture'
/** The positive amount a payment entry moved: a capture's +, a refund's − turned round. */
const magnitude = (entry: LedgerEntry): number =>
  entry.entryType === 'refund' ? -entry.amount : entry.amount
/** A sum; `0 - sum(…)` below keeps an empty total 0 rather than -0. */
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0)

/**
 * Reconciles a ledger date's settlement with the merchant's records.
 * Records are matched to capture and refund entries of the same kind: by
 * pspReference first, then by reference with the same amount, then by
 * reference with any amount (an amount mismatch). Pure: nothing is fetched.
 */
export function reconcileSettlement<R extends SettlementRecord>(
  input: ReconcileInput<R>,
): SettlementReconciliation<R> {
  const isOwn = input.isOwnReference ?? (() => true)
  const payments: LedgerEntry[] = []
  const fees: LedgerEntry[] = []
  const payouts: LedgerEntry[] = []
  const adjustments: LedgerEntry[] = []
  for (const entry of input.entries) {
    const bucket = { payment: payments, fee: fees, payout: payouts, adjustment: adjustments }[
      entryCategory(entry)
    ]
    bucket.push(entry)
  }

  const pairs = pairRecordsWithEntries(input.records, payments)
  const matched: SettledMatch<R>[] = []
  const amountMismatches: AmountMismatch<R>[] = []
  const feeByPsp = captureFees(input.feeEntries ?? [])
  for (const { record, entry } of pairs.paired) {
    const difference = magnitude(entry) - record.amount
    if (difference === 0 && entry.currency === record.currency) {
      const fee =
        entry.entryType === 'capture' && entry.pspReference ? feeByPsp.get(entry.pspReference) : undefined
      matched.push(fee === undefined ? { record, entry } : { record, entry, fee })
    } else {
      amountMismatches.push({ record, entry, difference })
    }
  }
  const missingInRecords = pairs.unpairedEntries.filter((entry) => isOwn(entry.reference ?? ''))
  const otherEntries = pairs.unpairedEntries.filter((entry) => !isOwn(entry.reference ?? ''))
  const otherCaptures = sum(otherEntries.filter((e) => e.entryType === 'capture').map(magnitude))
  const otherRefunds = sum(otherEntries.filter((e) => e.entryType === 'refund').map(magnitude))

  const captures = sum(payments.filter((e) => e.entryType === 'capture').map(magnitude))
  const refunds = sum(payments.filter((e) => e.entryType === 'refund').map(magnitude))
  const feeTotal = 0 - sum(fees.map((e) => e.amount))
  const adjustmentTotal = sum(adjustments.map((e) => e.amount))
  const payoutTotal = 0 - sum(payouts.map((e) => e.amount))
  const first = input.entries[0]
  const last = input.entries[input.entries.length - 1]
  const totals: SettlementTotals = {
    captures,
    refunds,
    fees: feeTotal,
    adjustments: adjustmentTotal,
    expectedPayout: captures - refunds - feeTotal + adjustmentTotal,
    payout: payoutTotal,
    openingBalance: first?.balanceBefore ?? 0,
    closingBalance: last?.balanceAfter ?? 0,
    recordedCaptures: sum(input.records.filter((r) => r.kind === 'capture').map((r) => r.amount)),
    recordedRefunds: sum(input.records.filter((r) => r.kind === 'refund').map((r) => r.amount)),
  }

  const lines: ReconciliationLine<R>[] = [
    ...pairs.unpairedRecords.map((record) => recordLine('missing-on-platform', record)),
    ...missingInRecords.map((entry) => entryLine<R>('missing-in-records', entry)),
    ...amountMismatches.map(({ record, entry }) => pairLine('amount-mismatch', record, entry)),
    ...matched.map(({ record, entry, fee }) => ({
      ...pairLine('matched', record, entry),
      ...(fee === undefined ? {} : { fee }),
    })),
    ...otherEntries.map((entry) => entryLine<R>('other-channel', entry)),
    ...fees.map((entry) => entryLine<R>('fee', entry)),
    ...payouts.map((entry) => entryLine<R>('payout', entry)),
    ...adjustments.map((entry) => entryLine<R>('adjustment', entry)),
  ]
  return {
    matched,
    amountMismatches,
    missingOnPlatform: pairs.unpairedRecords,
    missingInRecords,
    otherChannels: {
      entries: otherEntries,
      captures: otherCaptures,
      refunds: otherRefunds,
      net: otherCaptures - otherRefunds,
    },
    fees: { entries: fees, total: feeTotal },
    payouts: { entries: payouts, total: payoutTotal },
    adjustments: { entries: adjustments, total: adjustmentTotal },
    totals,
    differences: lines.filter((line) => line.difference).length,
    lines,
  }
}

/**
 * Pairs each record with at most one payment entry of its kind, each entry
 * used once: same pspReference, then same reference and amount, then same
 * reference. What is left over on either side is unpaired.
 */
function pairRecordsWithEntries<R extends SettlementRecord>(
  records: readonly R[],
  entries: readonly LedgerEntry[],
): { paired: { record: R; entry: LedgerEntry }[]; unpairedRecords: R[]; unpairedEntries: LedgerEntry[] } {
  const free = new Set(entries)
  const waiting = new Set(records)
  const paired: { record: R; entry: LedgerEntry }[] = []
  const pass = (fits: (record: R, entry: LedgerEntry) => boolean) => {
    for (const record of waiting) {
      for (const entry of free) {
        if (kindOf(entry) !== record.kind || !fits(record, entry)) continue
        paired.push({ record, entry })
        free.delete(entry)
        waiting.delete(record)
        break
      }
    }
  }
  pass((record, entry) => record.pspReference !== undefined && record.pspReference === entry.pspReference)
  pass(
    (record, entry) =>
      record.reference === entry.reference &&
      record.amount === magnitude(entry) &&
      record.currency === entry.currency,
  )
  pass((record, entry) => record.reference === entry.reference)
  return { paired, unpairedRecords: [...waiting], unpairedEntries: [...free] }
}

/** Each capture's fee by the capture's pspReference (positive), from a fees report. */
function captureFees(feeEntries: readonly LedgerEntry[]): Map<string, number> {
  const fees = new Map<string, number>()
  for (const entry of feeEntries) {
    if (entry.entryType !== 'capture-fee' || !entry.pspReference) continue
    fees.set(entry.pspReference, (fees.get(entry.pspReference) ?? 0) - entry.amount)
  }
  return fees
}

function recordLine<R extends SettlementRecord>(
  status: ReconciliationStatus,
  record: R,
): ReconciliationLine<R> {
  return {
    status,
    difference: DIFFERENCE_STATUSES.includes(status),
    kind: record.kind,
    reference: record.reference,
    pspReference: record.pspReference ?? '',
    currency: record.currency,
    recordedAmount: record.amount,
    record,
  }
}

function entryLine<R extends SettlementRecord>(
  status: ReconciliationStatus,
  entry: LedgerEntry,
): ReconciliationLine<R> {
  return {
    status,
    difference: DIFFERENCE_STATUSES.includes(status),
    kind: entry.entryType,
    reference: entry.reference ?? '',
    pspReference: entry.pspReference ?? '',
    currency: entry.currency,
    settledAmount: entry.amount,
    entry,
  }
}

function pairLine<R extends SettlementRecord>(
  status: ReconciliationStatus,
  record: R,
  entry: LedgerEntry,
): ReconciliationLine<R> {
  return {
    ...recordLine(status, record),
    pspReference: entry.pspReference ?? record.pspReference ?? '',
    settledAmount: entry.amount,
    entry,
  }
}

/** The reconciliation's lines as CSV, differences first, amounts in major units ("49.90"). */
export function reconciliationCsv<R extends SettlementRecord>(
  lines: readonly ReconciliationLine<R>[],
): string {
  const amount = (value: number | undefined) => (value === undefined ? '' : minorUnitsText(value))
  return toCsv(
    ['status', 'kind', 'reference', 'pspReference', 'currency', 'recorded', 'settled', 'fee'],
    lines.map((line) => [
      line.status,
      line.kind,
      line.reference,
      line.pspReference,
      line.currency,
      amount(line.recordedAmount),
      amount(line.settledAmount),
      amount(line.fee),
    ]),
  )
}
