/** Refunds and their lines in the database. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { paymentAttempt, refund, refundLine } from '../db/schema.ts'
import { holdsMoney, REFUND_STATES } from './machine.ts'

export type RefundRow = typeof refund.$inferSelect
export type RefundLineRow = typeof refundLine.$inferSelect
export type RefundChanges = Partial<Omit<RefundRow, 'id' | 'saleId' | 'attemptId' | 'storeId' | 'createdAt'>>

const MONEY_HOLDING_STATES = REFUND_STATES.filter(holdsMoney)

export async function insertRefund(
  tx: Db,
  row: typeof refund.$inferInsert,
  lines: RefundLineRow[],
): Promise<void> {
  await tx.insert(refund).values(row)
  if (lines.length > 0) await tx.insert(refundLine).values(lines)
}

export async function findRefund(db: Db, id: string): Promise<RefundRow | undefined> {
  const [row] = await db.select().from(refund).where(eq(refund.id, id))
  return row
}

export async function lockRefund(tx: Db, id: string): Promise<RefundRow | undefined> {
  const [row] = await tx.select().from(refund).where(eq(refund.id, id)).for('update')
  return row
}

export async function updateRefund(tx: Db, id: string, changes: RefundChanges): Promise<RefundRow> {
  const [row] = await tx.update(refund).set(changes).where(eq(refund.id, id)).returning()
  return row!
}

export async function refundsOfSale(db: Db, saleId: string): Promise<RefundRow[]> {
  // Return receipt numbers follow the order refunds completed in; two made in the same instant tie on time.
  return db
    .select()
    .from(refund)
    .where(eq(refund.saleId, saleId))
    .orderBy(asc(refund.createdAt), sql`${refund.receiptNumber} NULLS LAST`, asc(refund.id))
}

export async function linesOfRefunds(db: Db, refundIds: string[]): Promise<RefundLineRow[]> {
  if (refundIds.length === 0) return []
  return db.select().from(refundLine).where(inArray(refundLine.refundId, refundIds))
}

/** Per sale line, the quantity refunded or being refunded. */
export async function refundedQuantities(db: Db, saleId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ saleLineId: refundLine.saleLineId, quantity: sql<number>`sum(${refundLine.quantity})::int` })
    .from(refundLine)
    .innerJoin(refund, eq(refund.id, refundLine.refundId))
    .where(and(eq(refund.saleId, saleId), inArray(refund.state, MONEY_HOLDING_STATES)))
    .groupBy(refundLine.saleLineId)
  return new Map(rows.map((row) => [row.saleLineId, Number(row.quantity)]))
}

/** The money refunded or being refunded for a sale. */
export async function heldRefundAmount(db: Db, saleId: string): Promise<number> {
  const [row] = await db
    .select({ amount: sql<number>`coalesce(sum(${refund.amount}), 0)::int` })
    .from(refund)
    .where(and(eq(refund.saleId, saleId), inArray(refund.state, MONEY_HOLDING_STATES)))
  return Number(row?.amount ?? 0)
}

/** The sale's captured attempt: the payment a refund gives money back from. */
export async function capturedAttemptOf(db: Db, saleId: string) {
  const [row] = await db
    .select()
    .from(paymentAttempt)
    .where(and(eq(paymentAttempt.saleId, saleId), eq(paymentAttempt.state, 'captured')))
  return row
}
