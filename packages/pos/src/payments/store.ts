/** Payment attempts and the webhook events about them, in the database. */
import { and, desc, eq, sql } from 'drizzle-orm'
import { type ClaimDueOptions, dueRows, leaseFree } from '../db/claims.ts'
import type { Db } from '../db/database.ts'
import { paymentAttempt, paymentWebhookEvent, sale } from '../db/schema.ts'

export type AttemptRow = typeof paymentAttempt.$inferSelect
export type NewAttemptRow = typeof paymentAttempt.$inferInsert
export type AttemptChanges = Partial<Omit<AttemptRow, 'id' | 'saleId' | 'storeId' | 'msn' | 'createdAt'>>

export async function insertAttempt(tx: Db, row: NewAttemptRow): Promise<AttemptRow> {
  const [inserted] = await tx.insert(paymentAttempt).values(row).returning()
  return inserted!
}

/** The sale's most recent attempt (the highest attempt number). */
export async function latestAttempt(db: Db, saleId: string): Promise<AttemptRow | undefined> {
  const [row] = await db
    .select()
    .from(paymentAttempt)
    .where(eq(paymentAttempt.saleId, saleId))
    .orderBy(desc(paymentAttempt.attemptNumber))
    .limit(1)
  return row
}

export async function findAttempt(db: Db, id: string): Promise<AttemptRow | undefined> {
  const [row] = await db.select().from(paymentAttempt).where(eq(paymentAttempt.id, id))
  return row
}

/** The attempt with this reference at this MSN, locked until the transaction ends. */
export async function lockAttemptByReference(
  tx: Db,
  msn: string,
  reference: string,
): Promise<AttemptRow | undefined> {
  const [row] = await tx
    .select()
    .from(paymentAttempt)
    .where(and(eq(paymentAttempt.msn, msn), eq(paymentAttempt.reference, reference)))
    .for('update')
  return row
}

export async function lockAttempt(tx: Db, id: string): Promise<AttemptRow | undefined> {
  const [row] = await tx.select().from(paymentAttempt).where(eq(paymentAttempt.id, id)).for('update')
  return row
}

export async function updateAttempt(tx: Db, id: string, changes: AttemptChanges): Promise<AttemptRow> {
  const [row] = await tx.update(paymentAttempt).set(changes).where(eq(paymentAttempt.id, id)).returning()
  return row!
}

/**
 * Claims up to `limit` due attempts (db/claims.ts `claimDue`) and returns
 * them whole, so the claimer works on them without reading them again.
 */
export async function claimDueAttempts(db: Db, options: ClaimDueOptions): Promise<AttemptRow[]> {
  if (options.limit < 1 || options.states.length === 0) return []
  return db
    .update(paymentAttempt)
    .set(leaseFor(options))
    .where(sql`${paymentAttempt.id} IN (${dueRows('payment_attempt', options)})`)
    .returning()
}

/**
 * Claims the attempt if nobody holds a live lease on it (whatever its
 * schedule), returning it whole; undefined if it is held. For work a request
 * wants done now, such as a cashier's cancel. A lease of this same process
 * counts too: another request in it may be mid-call (the create a cancel must
 * wait for).
 */
export async function claimAttempt(
  db: Db,
  id: string,
  options: { claimer: string; now: Date; leaseMs: number },
): Promise<AttemptRow | undefined> {
  const [row] = await db
    .update(paymentAttempt)
    .set(leaseFor(options))
    .where(and(eq(paymentAttempt.id, id), leaseFree(options.now)))
    .returning()
  return row
}

function leaseFor(options: { claimer: string; now: Date; leaseMs: number }): AttemptChanges {
  return { claimedBy: options.claimer, claimedUntil: new Date(options.now.getTime() + options.leaseMs) }
}

/** The till a sale belongs to, whose screen hears about its payment. */
export async function tillOfSale(db: Db, saleId: string): Promise<string> {
  const [row] = await db.select({ tillId: sale.tillId }).from(sale).where(eq(sale.id, saleId))
  if (!row) throw new Error(`sale ${saleId} does not exist`)
  return row.tillId
}

/**
 * Records a webhook event once. False if an event with the same key was
 * recorded before (a replay or a duplicate delivery).
 */
export async function recordWebhookEvent(
  tx: Db,
  row: typeof paymentWebhookEvent.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(paymentWebhookEvent)
    .values(row)
    .onConflictDoNothing({ target: paymentWebhookEvent.dedupeKey })
    .returning({ id: paymentWebhookEvent.id })
  return inserted.length === 1
}
