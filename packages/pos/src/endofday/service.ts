/**
 * End of day: the Z report of a store's business day, for the store and for
 * each till, and closing the day (manager).
 *
 * Which day a sale or refund belongs to: the store-local date on which it was
 * registered (the sale paid, the refund confirmed). Closing a day stores its
 * report and the ids of what it counted; the stored report never changes
 * afterwards. Whatever of that date is registered after the closing (a
 * payment the platform confirmed late, a refund that completed late) is
 * counted on the next day instead — it is not lost, and not counted twice.
 */
import { and, eq, gte, inArray, lt } from 'drizzle-orm'
import { type Actor, requireManager } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import {
  cashier,
  endOfDay,
  paymentAttempt,
  refund,
  refundLine,
  sale,
  saleLine,
  store,
  till,
} from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { localDate, localDayBounds, localHour, previousLocalDate } from '../journal/local-time.ts'
import { priceLine } from '../sales/pricing.ts'
import { discountOf } from '../sales/store.ts'
import { type BusinessDay, businessDay } from './business-day.ts'
import {
  buildZReport,
  type DayItem,
  type ReportStore,
  type RequestsWithoutPayment,
  type ZReport,
} from './report.ts'

/** What a closed day keeps: the store's report and each till's, as they stood at closing. */
interface FrozenReports {
  store: ZReport
  tills: ZReport[]
}

interface DayData {
  store: ReportStore
  tills: Array<{ posId: string; name: string }>
  items: DayItem[]
  /** Each ended attempt's till, by how it ended. */
  endedRequests: Array<{ posId: string; state: keyof RequestsWithoutPayment }>
}

const ENDED_WITHOUT_PAYMENT = ['cancelled', 'declined', 'expired', 'failed'] as const

export class EndOfDay {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The Z report for a day, the store's or one till's (`posId`); a closed day's as it was closed. */
  async report(actor: Actor, date: string, posId?: string): Promise<ZReport> {
    requireManager(actor, 'see the end of day report')
    const day = businessDay(actor, this.clock, date)
    await this.checkTill(actor, posId)
    const frozen = await this.frozen(actor.storeId, date)
    if (frozen) return pick(frozen, posId)
    const data = await this.load(this.db, actor.storeId, day)
    return pick(this.reports(data, day), posId)
  }

  /**
   * Closes the day: computes its report and stores it with the ids of what
   * it counted. A day closes once (DAY_ALREADY_CLOSED after).
   */
  async close(actor: Actor, date: string): Promise<ZReport> {
    requireManager(actor, 'close the day')
    const day = businessDay(actor, this.clock, date)
    const alreadyClosed = () =>
      new PosError('DAY_ALREADY_CLOSED', `${date} is closed already; its report does not change`, {
        field: 'date',
      })
    if (await this.frozen(actor.storeId, date)) throw alreadyClosed()
    const data = await this.load(this.db, actor.storeId, day)
    const closed = { at: new Date(this.clock.now()), by: actor.cashierName }
    const reports = this.reports(data, day, closed)
    // Two managers closing at once: the first insert wins, the second is told the day is closed.
    const stored = await this.db
      .insert(endOfDay)
      .values({
        storeId: actor.storeId,
        businessDate: date,
        closedAt: closed.at,
        closedBy: actor.cashierId,
        report: reports,
        saleIds: data.items.filter((i) => i.kind === 'sale').map((i) => i.id),
        refundIds: data.items.filter((i) => i.kind === 'refund').map((i) => i.id),
      })
      .onConflictDoNothing()
      .returning({ date: endOfDay.businessDate })
    if (stored.length === 0) throw alreadyClosed()
    return reports.store
  }

  private reports(data: DayData, day: BusinessDay, closed?: { at: Date; by: string }): FrozenReports {
    const generatedAt = new Date(this.clock.now())
    const build = (scope: ZReport['scope'], keep: (posId: string) => boolean) =>
      buildZReport({
        scope,
        store: data.store,
        date: day.date,
        items: data.items.filter((item) => keep(item.posId)),
        requestsWithoutPayment: countEnded(data.endedRequests.filter((r) => keep(r.posId))),
        generatedAt,
        ...(closed ? { closed } : {}),
      })
    return {
      store: build({ kind: 'store' }, () => true),
      tills: data.tills.map(({ posId }) => build({ kind: 'till', posId }, (other) => other === posId)),
    }
  }

  private async checkTill(actor: Actor, posId: string | undefined): Promise<void> {
    if (posId === undefined) return
    const [found] = await this.db
      .select({ id: till.id })
      .from(till)
      .where(and(eq(till.storeId, actor.storeId), eq(till.posId, posId)))
    if (!found) throw new PosError('UNKNOWN_TILL', `This store has no till ${posId}`, { field: 'till' })
  }

  private async frozen(storeId: string, date: string, db: Db = this.db) {
    const [row] = await db
      .select()
      .from(endOfDay)
      .where(and(eq(endOfDay.storeId, storeId), eq(endOfDay.businessDate, date)))
    return row ? (row.report as FrozenReports) : undefined
  }

  /**
   * The day's paid sales and completed refunds: those registered on the date,
   * and those of the day before registered after it was closed (not in its
   * stored report). Priced line by line as the receipts were.
   */
  private async load(db: Db, storeId: string, day: BusinessDay): Promise<DayData> {
    const [shop] = await db.select().from(store).where(eq(store.id, storeId))
    if (!shop) throw new PosError('NOT_FOUND', 'The store is gone')
    const tills = await db
      .select({ id: till.id, posId: till.posId, name: till.name })
      .from(till)
      .where(eq(till.storeId, storeId))
      .orderBy(till.posId)
    const cashiers = await db
      .select({ id: cashier.id, staffNumber: cashier.staffNumber, name: cashier.name })
      .from(cashier)
      .where(eq(cashier.storeId, storeId))
    const tillById = new Map(tills.map((t) => [t.id, t]))
    const cashierById = new Map(cashiers.map((c) => [c.id, c]))

    const previous = previousLocalDate(day.date, day.timeZone)!
    const [closedBefore] = await db
      .select({ saleIds: endOfDay.saleIds, refundIds: endOfDay.refundIds })
      .from(endOfDay)
      .where(and(eq(endOfDay.storeId, storeId), eq(endOfDay.businessDate, previous)))
    const from = closedBefore ? localDayBounds(previous, day.timeZone)!.start : day.start
    const countedBefore = new Set([...(closedBefore?.saleIds ?? []), ...(closedBefore?.refundIds ?? [])])
    /** Whether something registered at `at` is this day's, and whether it came over from the day before. */
    const placement = (id: string, at: Date): { ours: boolean; carriedOver: boolean } => {
      const on = localDate(at, day.timeZone)
      if (on === day.date) return { ours: true, carriedOver: false }
      const late = closedBefore !== undefined && on === previous && !countedBefore.has(id)
      return { ours: late, carriedOver: late }
    }

    const sales = await db
      .select({ id: sale.id, tillId: sale.tillId, openedBy: sale.openedBy, closedAt: sale.closedAt })
      .from(sale)
      .where(
        and(
          eq(sale.storeId, storeId),
          eq(sale.state, 'paid'),
          gte(sale.closedAt, from),
          lt(sale.closedAt, day.end),
        ),
      )
    const refunds = await db
      .select({
        id: refund.id,
        saleId: refund.saleId,
        requestedBy: refund.requestedBy,
        at: refund.updatedAt,
        tillId: sale.tillId,
      })
      .from(refund)
      .innerJoin(sale, eq(sale.id, refund.saleId))
      .where(
        and(
          eq(refund.storeId, storeId),
          eq(refund.state, 'refunded'),
          gte(refund.updatedAt, from),
          lt(refund.updatedAt, day.end),
        ),
      )
    const saleLines = sales.length
      ? await db
          .select()
          .from(saleLine)
          .where(
            inArray(
              saleLine.saleId,
              sales.map((s) => s.id),
            ),
          )
      : []
    const refundLines = refunds.length
      ? await db
          .select({ refundId: refundLine.refundId, line: refundLine, vatRate: saleLine.vatRate })
          .from(refundLine)
          .innerJoin(saleLine, eq(saleLine.id, refundLine.saleLineId))
          .where(
            inArray(
              refundLine.refundId,
              refunds.map((r) => r.id),
            ),
          )
      : []

    const items: DayItem[] = []
    const who = (tillId: string, cashierId: string) => {
      const t = tillById.get(tillId)
      const c = cashierById.get(cashierId)
      return {
        posId: t?.posId ?? '?',
        tillName: t?.name ?? '?',
        staffNumber: c?.staffNumber ?? '?',
        cashierName: c?.name ?? '?',
      }
    }
    for (const row of sales) {
      const at = row.closedAt!
      const { ours, carriedOver } = placement(row.id, at)
      if (!ours) continue
      items.push({
        id: row.id,
        kind: 'sale',
        ...who(row.tillId, row.openedBy),
        hour: localHour(at, day.timeZone),
        carriedOver,
        lines: saleLines
          .filter((line) => line.saleId === row.id)
          .map((line) => ({
            vatRate: line.vatRate,
            quantity: line.quantity,
            ...priceLine({ ...line, discount: discountOf(line) }),
          })),
      })
    }
    for (const row of refunds) {
      const { ours, carriedOver } = placement(row.id, row.at)
      if (!ours) continue
      items.push({
        id: row.id,
        kind: 'refund',
        ...who(row.tillId, row.requestedBy),
        hour: localHour(row.at, day.timeZone),
        carriedOver,
        lines: refundLines
          .filter((r) => r.refundId === row.id)
          .map(({ line, vatRate }) => ({
            vatRate,
            quantity: line.quantity,
            grossAmount: line.grossAmount,
            vatAmount: line.vatAmount,
            netAmount: line.netAmount,
            discountAmount: 0,
          })),
      })
    }

    const ended = await db
      .select({ tillId: sale.tillId, state: paymentAttempt.state })
      .from(paymentAttempt)
      .innerJoin(sale, eq(sale.id, paymentAttempt.saleId))
      .where(
        and(
          eq(paymentAttempt.storeId, storeId),
          inArray(paymentAttempt.state, [...ENDED_WITHOUT_PAYMENT]),
          gte(paymentAttempt.finalAt, day.start),
          lt(paymentAttempt.finalAt, day.end),
        ),
      )
    return {
      store: {
        id: shop.id,
        name: shop.name,
        msn: shop.msn,
        currency: shop.currency,
        timeZone: day.timeZone,
      },
      tills: tills.map(({ posId, name }) => ({ posId, name })),
      items,
      endedRequests: ended.map((row) => ({
        posId: tillById.get(row.tillId)?.posId ?? '?',
        state: row.state as keyof RequestsWithoutPayment,
      })),
    }
  }
}

function countEnded(ended: DayData['endedRequests']): RequestsWithoutPayment {
  const counts: RequestsWithoutPayment = { cancelled: 0, declined: 0, expired: 0, failed: 0 }
  for (const { state } of ended) counts[state]++
  return counts
}

function pick(reports: FrozenReports, posId: string | undefined): ZReport {
  if (posId === undefined) return reports.store
  const found = reports.tills.find((report) => report.scope.kind === 'till' && report.scope.posId === posId)
  if (found) return found
  // A till added after the day was closed sold nothing that day.
  return { ...reports.store, ...emptyOf(reports.store), scope: { kind: 'till', posId } }
}

function emptyOf(report: ZReport): Partial<ZReport> {
  const none = { count: 0, grossAmount: 0, vatAmount: 0, netAmount: 0 }
  return {
    sales: { ...none, items: 0, discountAmount: 0 },
    refunds: { ...none, items: 0 },
    takings: { grossAmount: 0, vatAmount: 0, netAmount: 0 },
    byVatRate: [],
    byCashier: [],
    byTill: [],
    byHour: report.byHour.map(({ hour }) => ({ hour, sales: 0, refunds: 0, takings: 0 })),
    paymentRequestsWithoutPayment: { cancelled: 0, declined: 0, expired: 0, failed: 0 },
    carriedOver: { sales: 0, refunds: 0 },
  }
}
