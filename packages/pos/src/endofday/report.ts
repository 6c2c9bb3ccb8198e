/**
 * The Z report: a business day's sales and refunds added up, for a store or
 * one till. A pure function of the day's paid sales and completed refunds,
 * so the same figures come out whether the day is open (computed now) or
 * closed (computed once and stored). All amounts are minor units; refunds are
 * positive amounts given back, and takings are sales minus refunds.
 */
import type { Static } from '@sinclair/typebox'
import { rateToPercent } from '../money/vat.ts'
import type { AmountsView, CountedAmountsView, ZReport } from './views.ts'

export type Amounts = Static<typeof AmountsView>
export type CountedAmounts = Static<typeof CountedAmountsView>
export type { ZReport }

/** One sale line or refund line as priced: its rate (hundredths of a percent) and amounts. */
export interface DayLine extends Amounts {
  vatRate: number
  quantity: number
  discountAmount: number
}

/** A paid sale or a completed refund, with who, where and when it was registered. */
export interface DayItem {
  id: string
  kind: 'sale' | 'refund'
  posId: string
  tillName: string
  staffNumber: string
  cashierName: string
  /** The local hour (0–23) it was registered in. */
  hour: number
  /** Registered on an earlier day after that day was closed, so counted here. */
  carriedOver: boolean
  lines: DayLine[]
}

/** How many payment requests of the day ended without money, by how they ended. */
export interface RequestsWithoutPayment {
  cancelled: number
  declined: number
  expired: number
  failed: number
}

export type ReportStore = ZReport['store']

const zero = (): Amounts => ({ grossAmount: 0, vatAmount: 0, netAmount: 0 })
const zeroCounted = (): CountedAmounts => ({ count: 0, ...zero() })
const add = (into: Amounts, from: Amounts) => {
  into.grossAmount += from.grossAmount
  into.vatAmount += from.vatAmount
  into.netAmount += from.netAmount
}
const minus = (a: Amounts, b: Amounts): Amounts => ({
  grossAmount: a.grossAmount - b.grossAmount,
  vatAmount: a.vatAmount - b.vatAmount,
  netAmount: a.netAmount - b.netAmount,
})

function itemAmounts(item: DayItem): Amounts {
  const total = zero()
  for (const line of item.lines) add(total, line)
  return total
}

/** The Z report of `items` (already chosen for the day and scope). */
export function buildZReport(input: {
  scope: ZReport['scope']
  store: ReportStore
  date: string
  items: readonly DayItem[]
  requestsWithoutPayment: RequestsWithoutPayment
  generatedAt: Date
  closed?: { at: Date; by: string }
}): ZReport {
  const sales = { ...zeroCounted(), items: 0, discountAmount: 0 }
  const refunds = { ...zeroCounted(), items: 0 }
  const byRate = new Map<number, { sales: Amounts; refunds: Amounts }>()
  const byCashier = new Map<
    string,
    { staffNumber: string; name: string; sales: CountedAmounts; refunds: CountedAmounts }
  >()
  const byTill = new Map<
    string,
    { posId: string; name: string; sales: CountedAmounts; refunds: CountedAmounts }
  >()
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, sales: 0, refunds: 0, takings: 0 }))
  const carriedOver = { sales: 0, refunds: 0 }

  for (const item of items(input.items)) {
    const isSale = item.kind === 'sale'
    const amounts = itemAmounts(item)
    const total = isSale ? sales : refunds
    total.count++
    add(total, amounts)
    for (const line of item.lines) {
      total.items += line.quantity
      if (isSale) sales.discountAmount += line.discountAmount
      const rate = byRate.get(line.vatRate) ?? { sales: zero(), refunds: zero() }
      add(isSale ? rate.sales : rate.refunds, line)
      byRate.set(line.vatRate, rate)
    }
    const cashier = byCashier.get(item.staffNumber) ?? {
      staffNumber: item.staffNumber,
      name: item.cashierName,
      sales: zeroCounted(),
      refunds: zeroCounted(),
    }
    countInto(isSale ? cashier.sales : cashier.refunds, amounts)
    byCashier.set(item.staffNumber, cashier)
    const till = byTill.get(item.posId) ?? {
      posId: item.posId,
      name: item.tillName,
      sales: zeroCounted(),
      refunds: zeroCounted(),
    }
    countInto(isSale ? till.sales : till.refunds, amounts)
    byTill.set(item.posId, till)
    const hour = byHour[item.hour]!
    if (isSale) hour.sales += amounts.grossAmount
    else hour.refunds += amounts.grossAmount
    hour.takings = hour.sales - hour.refunds
    if (item.carriedOver) carriedOver[isSale ? 'sales' : 'refunds']++
  }

  const withTakings = <T extends { sales: Amounts; refunds: Amounts }>(row: T) => ({
    ...row,
    takings: minus(row.sales, row.refunds),
  })
  return {
    scope: input.scope,
    store: input.store,
    date: input.date,
    status: input.closed ? 'closed' : 'open',
    closed: input.closed ? { at: input.closed.at.toISOString(), by: input.closed.by } : null,
    generatedAt: input.generatedAt.toISOString(),
    sales,
    refunds,
    takings: minus(sales, refunds),
    byVatRate: [...byRate.entries()]
      .sort(([a], [b]) => b - a)
      .map(([rate, row]) => withTakings({ vatRate: rateToPercent(rate), ...row })),
    byCashier: [...byCashier.values()]
      .sort((a, b) => a.staffNumber.localeCompare(b.staffNumber, 'en', { numeric: true }))
      .map(withTakings),
    byTill: [...byTill.values()]
      .sort((a, b) => a.posId.localeCompare(b.posId, 'en', { numeric: true }))
      .map(withTakings),
    byHour,
    paymentRequestsWithoutPayment: input.requestsWithoutPayment,
    carriedOver,
  }
}

function countInto(into: CountedAmounts, amounts: Amounts) {
  into.count++
  add(into, amounts)
}

/** The items in a stable order (registration hour, then id), so the same day adds up the same way. */
function items(list: readonly DayItem[]): DayItem[] {
  return [...list].sort((a, b) => a.hour - b.hour || a.id.localeCompare(b.id))
}
