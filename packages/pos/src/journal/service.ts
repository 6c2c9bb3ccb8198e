/**
 * The sales journal: the store's sales with their payment state and
 * references, searched by day (the store's local day), receipt number (a
 * sale's or its return receipt's, typed or scanned), the customer's phone
 * number, and state. Store-wide: a manager at any till finds any sale.
 */
import { and, desc, eq, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { normalisePhoneNumber } from '../customers/phone-number.ts'
import type { Db } from '../db/database.ts'
import { paymentAttempt, refund, sale, saleLine, till } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { receiptNumberFrom } from '../receipts/barcode-data.ts'
import type { SaleState } from '../sales/machine.ts'
import { priceLine, totalLines } from '../sales/pricing.ts'
import { discountOf } from '../sales/store.ts'
import { localDate, localDayBounds, STORE_TIME_ZONES } from './local-time.ts'

export interface JournalQuery {
  /** A local date, YYYY-MM-DD. Default today, unless a receipt number or phone is given. */
  date?: string
  receiptNumber?: string
  phone?: string
  state?: SaleState
}

export type AttemptRow = typeof paymentAttempt.$inferSelect
export type RefundRow = typeof refund.$inferSelect

export interface JournalEntry {
  sale: typeof sale.$inferSelect & { posId: string }
  grossAmount: number
  vatAmount: number
  /** The latest payment attempt, and how many there were. */
  payment: AttemptRow | undefined
  attempts: number
  refunds: RefundRow[]
}

/** At most this many sales per answer: a day at a kiosk, several at a quiet shop. */
export const JOURNAL_LIMIT = 500

export class Journal {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async search(actor: Actor, query: JournalQuery): Promise<{ date: string | null; entries: JournalEntry[] }> {
    const conditions: SQL[] = [eq(sale.storeId, actor.storeId)]
    const timeZone = STORE_TIME_ZONES[actor.country]
    const date =
      query.date ??
      (query.receiptNumber === undefined && query.phone === undefined
        ? localDate(new Date(this.clock.now()), timeZone)
        : undefined)
    if (date !== undefined) {
      const bounds = localDayBounds(date, timeZone)
      if (!bounds)
        throw new PosError('VALIDATION_FAILED', 'date must be a date like 2026-03-02', { field: 'date' })
      const when = sql`coalesce(${sale.closedAt}, ${sale.openedAt})`
      conditions.push(gte(when, bounds.start), lt(when, bounds.end))
    }
    if (query.receiptNumber !== undefined) {
      const number = receiptNumberFrom(query.receiptNumber)
      if (number === undefined) {
        throw new PosError('VALIDATION_FAILED', 'receiptNumber must be a receipt number (or its barcode)', {
          field: 'receiptNumber',
        })
      }
      conditions.push(
        or(
          eq(sale.receiptNumber, number),
          sql`EXISTS (SELECT 1 FROM ${refund} WHERE ${refund.saleId} = ${sale.id} AND ${refund.receiptNumber} = ${number})`,
        )!,
      )
    }
    if (query.phone !== undefined) {
      const msisdn = phoneSearched(query.phone, actor)
      conditions.push(
        or(
          eq(sale.customerMsisdn, msisdn),
          sql`EXISTS (SELECT 1 FROM ${paymentAttempt} WHERE ${paymentAttempt.saleId} = ${sale.id} AND ${paymentAttempt.customerMsisdn} = ${msisdn})`,
        )!,
      )
    }
    if (query.state !== undefined) conditions.push(eq(sale.state, query.state))

    const sales = await this.db
      .select({ sale, posId: till.posId })
      .from(sale)
      .innerJoin(till, eq(till.id, sale.tillId))
      .where(and(...conditions))
      .orderBy(desc(sale.openedAt), desc(sale.id))
      .limit(JOURNAL_LIMIT)
    const ids = sales.map((row) => row.sale.id)
    if (ids.length === 0) return { date: date ?? null, entries: [] }

    const [lines, attempts, refunds] = await Promise.all([
      this.db.select().from(saleLine).where(inArray(saleLine.saleId, ids)),
      this.db.select().from(paymentAttempt).where(inArray(paymentAttempt.saleId, ids)),
      this.db.select().from(refund).where(inArray(refund.saleId, ids)),
    ])
    const entries = sales.map(({ sale: row, posId }): JournalEntry => {
      const totals = totalLines(
        lines
          .filter((line) => line.saleId === row.id)
          .map((line) => ({
            vatRate: line.vatRate,
            price: priceLine({ ...line, discount: discountOf(line) }),
          })),
      )
      const own = attempts
        .filter((a) => a.saleId === row.id)
        .sort((a, b) => b.attemptNumber - a.attemptNumber)
      return {
        sale: { ...row, posId },
        grossAmount: totals.grossAmount,
        vatAmount: totals.vatAmount,
        payment: own[0],
        attempts: own.length,
        refunds: refunds
          .filter((r) => r.saleId === row.id)
          .sort(
            (a, b) =>
              a.createdAt.getTime() - b.createdAt.getTime() ||
              (a.receiptNumber ?? Number.MAX_SAFE_INTEGER) - (b.receiptNumber ?? Number.MAX_SAFE_INTEGER),
          ),
      }
    })
    return { date: date ?? null, entries }
  }
}

/** The MSISDN searched for; a wrong number names the query's own field. */
function phoneSearched(phone: string, actor: Actor): string {
  try {
    return normalisePhoneNumber(phone, actor.country).msisdn
  } catch (error) {
    if (error instanceof PosError) throw new PosError(error.code, error.message, { field: 'phone' })
    throw error
  }
}
