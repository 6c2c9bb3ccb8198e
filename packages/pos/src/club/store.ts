/** Members, their consents and points, and enrolments, in the database. */
import { and, desc, eq, ilike, inArray, isNotNull, or, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import {
  clubEnrolment,
  member,
  memberConsent,
  paymentAttempt,
  pointsEntry,
  refund,
  sale,
  store,
} from '../db/schema.ts'

export type MemberRow = typeof member.$inferSelect
export type ConsentRow = typeof memberConsent.$inferSelect
export type PointsEntryRow = typeof pointsEntry.$inferSelect
export type EnrolmentRow = typeof clubEnrolment.$inferSelect
export type EnrolmentChanges = Partial<Omit<EnrolmentRow, 'id' | 'storeId' | 'tillId' | 'msn' | 'startedAt'>>

/** One paid sale on a member's account, with the points it earned and its refunds took back. */
export interface MemberPurchaseRow {
  saleId: string
  receiptNumber: number
  at: Date
  total: number
  currency: string
  pointsEarned: number
  pointsReturned: number
}

export async function findMemberByMsisdn(
  db: Db,
  storeId: string,
  msisdn: string,
): Promise<MemberRow | undefined> {
  const [row] = await db
    .select()
    .from(member)
    .where(and(eq(member.storeId, storeId), eq(member.msisdn, msisdn)))
  return row
}

export async function findMember(db: Db, storeId: string, id: string): Promise<MemberRow | undefined> {
  const [row] = await db
    .select()
    .from(member)
    .where(and(eq(member.storeId, storeId), eq(member.id, id)))
  return row
}

export async function lockMember(tx: Db, storeId: string, id: string): Promise<MemberRow | undefined> {
  const [row] = await tx
    .select()
    .from(member)
    .where(and(eq(member.storeId, storeId), eq(member.id, id)))
    .for('update')
  return row
}

/**
 * Members whose name contains `query` (any case) or whose number contains its
 * digits; the most recently enrolled first. An empty query lists the most recent.
 */
export async function searchMembers(
  db: Db,
  storeId: string,
  query: string,
  limit: number,
): Promise<MemberRow[]> {
  const text = query.trim()
  const digits = text.replace(/\D/g, '')
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const matches =
    text === ''
      ? undefined
      : digits.length >= 2
        ? or(ilike(member.name, pattern), sql`${member.msisdn} LIKE ${`%${digits}%`}`)
        : ilike(member.name, pattern)
  return db
    .select()
    .from(member)
    .where(and(eq(member.storeId, storeId), matches))
    .orderBy(desc(member.enrolledAt), desc(member.id))
    .limit(limit)
}

export async function consentsOf(db: Db, memberId: string): Promise<ConsentRow[]> {
  return db
    .select()
    .from(memberConsent)
    .where(eq(memberConsent.memberId, memberId))
    .orderBy(memberConsent.answeredAt, memberConsent.consentId)
}

/**
 * The member's points entries, newest first. Entries of one instant (a sale
 * and its refunds at once) follow the return receipt numbers, the purchase
 * before them.
 */
export async function pointsHistoryOf(db: Db, memberId: string): Promise<PointsEntryRow[]> {
  const rows = await db
    .select({ entry: pointsEntry })
    .from(pointsEntry)
    .leftJoin(refund, eq(refund.id, pointsEntry.refundId))
    .where(eq(pointsEntry.memberId, memberId))
    .orderBy(desc(pointsEntry.createdAt), sql`${refund.receiptNumber} DESC NULLS LAST`)
  return rows.map((row) => row.entry)
}

/** The member's paid sales (those with a purchase entry), newest first. */
export async function purchasesOf(
  db: Db,
  memberId: string,
  history: PointsEntryRow[],
): Promise<MemberPurchaseRow[]> {
  const purchases = history.filter((entry) => entry.reason === 'purchase')
  if (purchases.length === 0) return []
  const saleIds = purchases.map((entry) => entry.saleId)
  const sales = await db
    .select({
      id: sale.id,
      receiptNumber: sale.receiptNumber,
      closedAt: sale.closedAt,
      currency: sale.currency,
      captured: paymentAttempt.capturedAmount,
    })
    .from(sale)
    .innerJoin(paymentAttempt, and(eq(paymentAttempt.saleId, sale.id), eq(paymentAttempt.state, 'captured')))
    .where(and(inArray(sale.id, saleIds), eq(sale.memberId, memberId)))
  const returned = new Map<string, number>()
  for (const entry of history) {
    if (entry.reason === 'refund')
      returned.set(entry.saleId, (returned.get(entry.saleId) ?? 0) - entry.points)
  }
  return purchases.flatMap((entry) => {
    const paid = sales.find((s) => s.id === entry.saleId)
    if (!paid || paid.receiptNumber === null) return []
    return [
      {
        saleId: paid.id,
        receiptNumber: paid.receiptNumber,
        at: paid.closedAt ?? entry.createdAt,
        total: paid.captured,
        currency: paid.currency,
        pointsEarned: entry.points,
        pointsReturned: returned.get(paid.id) ?? 0,
      },
    ]
  })
}

/** How many minor units make a point at this store. */
export async function spendPerPointOf(db: Db, storeId: string): Promise<number> {
  const [row] = await db
    .select({ spendPerPoint: store.spendPerPoint })
    .from(store)
    .where(eq(store.id, storeId))
  if (!row) throw new Error(`store ${storeId} does not exist`)
  return row.spendPerPoint
}

/** Adds `points` (signed) to the member's balance. */
export async function addToBalance(tx: Db, memberId: string, points: number, now: Date): Promise<void> {
  if (points === 0) return
  await tx
    .update(member)
    .set({ points: sql`${member.points} + ${points}`, updatedAt: now })
    .where(eq(member.id, memberId))
}

/** The sale's purchase entry, locked: refunds of one sale take points back one after the other. */
export async function lockPurchaseEntry(tx: Db, saleId: string): Promise<PointsEntryRow | undefined> {
  const [row] = await tx
    .select()
    .from(pointsEntry)
    .where(and(eq(pointsEntry.saleId, saleId), eq(pointsEntry.reason, 'purchase')))
    .for('update')
  return row
}

/** The sale's points now: what it earned less what its refunds took back. */
export async function pointsHeldBySale(tx: Db, saleId: string): Promise<number> {
  const [row] = await tx
    .select({ held: sql<string | null>`sum(${pointsEntry.points})` })
    .from(pointsEntry)
    .where(eq(pointsEntry.saleId, saleId))
  return Number(row?.held ?? 0)
}

/** Inserts a points entry unless one for the same purchase or refund exists; true if inserted. */
export async function insertPointsEntryOnce(tx: Db, row: typeof pointsEntry.$inferInsert): Promise<boolean> {
  const inserted = await tx
    .insert(pointsEntry)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: pointsEntry.id })
  return inserted.length === 1
}

// ── Enrolments ──────────────────────────────────────────────────────────────

export async function insertEnrolment(tx: Db, row: typeof clubEnrolment.$inferInsert): Promise<EnrolmentRow> {
  const [inserted] = await tx.insert(clubEnrolment).values(row).returning()
  return inserted!
}

export async function findEnrolment(db: Db, id: string): Promise<EnrolmentRow | undefined> {
  const [row] = await db.select().from(clubEnrolment).where(eq(clubEnrolment.id, id))
  return row
}

export async function lockEnrolment(tx: Db, id: string): Promise<EnrolmentRow | undefined> {
  const [row] = await tx.select().from(clubEnrolment).where(eq(clubEnrolment.id, id)).for('update')
  return row
}

export async function updateEnrolment(tx: Db, id: string, changes: EnrolmentChanges): Promise<EnrolmentRow> {
  const [row] = await tx.update(clubEnrolment).set(changes).where(eq(clubEnrolment.id, id)).returning()
  return row!
}

/** The sale's waiting enrolment, if any. */
export async function waitingEnrolmentOfSale(db: Db, saleId: string): Promise<EnrolmentRow | undefined> {
  const [row] = await db
    .select()
    .from(clubEnrolment)
    .where(and(eq(clubEnrolment.saleId, saleId), eq(clubEnrolment.state, 'waiting')))
  return row
}

/** The sale's most recent enrolment (for a screen that connects while one is under way). */
export async function latestEnrolmentOfSale(db: Db, saleId: string): Promise<EnrolmentRow | undefined> {
  const [row] = await db
    .select()
    .from(clubEnrolment)
    .where(and(eq(clubEnrolment.saleId, saleId), isNotNull(clubEnrolment.saleId)))
    .orderBy(desc(clubEnrolment.startedAt), desc(clubEnrolment.id))
    .limit(1)
  return row
}
