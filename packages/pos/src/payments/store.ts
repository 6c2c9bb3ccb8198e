/**
 * Payment attempts and the webhook events about them, in the database.
 *
 * The statements every checkout runs (the attempt's insert, its locked reads
 * and writes, the webhook's record) are plain SQL text constants run with
 * `queryRows` (@kasse/storage): drizzle's query builder and row mapping cost
 * more CPU than the statements themselves. Their rows are the drizzle row
 * types, every column under its property name (db/select-list.ts).
 */
import { queryRows } from '@kasse/storage'
import { and, eq, sql } from 'drizzle-orm'
import { type ClaimDueOptions, dueRows, leaseFree } from '../db/claims.ts'
import type { Db } from '../db/database.ts'
import { paymentAttempt } from '../db/schema.ts'
import { insertRow, selectList } from '../db/select-list.ts'

export type AttemptRow = typeof paymentAttempt.$inferSelect
export type AttemptChanges = Partial<Omit<AttemptRow, 'id' | 'saleId' | 'storeId' | 'msn' | 'createdAt'>>

/** Every column of an attempt, under its property name. */
const ATTEMPT_COLUMNS = selectList(paymentAttempt, 'payment_attempt')

const INSERT_ATTEMPT = insertRow(paymentAttempt)

/** Inserts an attempt built whole (every column given), so nothing is read back. */
export async function insertAttempt(tx: Db, row: AttemptRow): Promise<void> {
  await queryRows(tx, INSERT_ATTEMPT.text, INSERT_ATTEMPT.paramsOf(row))
}

const LATEST_ATTEMPT = `SELECT ${ATTEMPT_COLUMNS} FROM payment_attempt
  WHERE sale_id = $1 ORDER BY attempt_number DESC LIMIT 1`

/** The sale's most recent attempt (the highest attempt number). */
export async function latestAttempt(db: Db, saleId: string): Promise<AttemptRow | undefined> {
  const [row] = await queryRows<AttemptRow>(db, LATEST_ATTEMPT, [saleId])
  return row
}

const FIND_ATTEMPT = `SELECT ${ATTEMPT_COLUMNS} FROM payment_attempt WHERE id = $1`

export async function findAttempt(db: Db, id: string): Promise<AttemptRow | undefined> {
  const [row] = await queryRows<AttemptRow>(db, FIND_ATTEMPT, [id])
  return row
}

const LOCK_ATTEMPT = `${FIND_ATTEMPT} FOR UPDATE`

export async function lockAttempt(tx: Db, id: string): Promise<AttemptRow | undefined> {
  const [row] = await queryRows<AttemptRow>(tx, LOCK_ATTEMPT, [id])
  return row
}

/**
 * Writes what the payment flow changes on an attempt (its state, the
 * platform's aggregate, errors, schedule and claim), every such column from
 * `row`. Only for a row read under its lock in the caller's transaction
 * (`lockAttempt`, `recordWebhookEvent`): nobody else can have changed it since,
 * so writing the columns unchanged too loses nothing. The row written is
 * `row` itself, so nothing is read back.
 */
export async function writeLockedAttempt(tx: Db, row: AttemptRow): Promise<void> {
  await queryRows(tx, WRITE_LOCKED_ATTEMPT, [
    row.id,
    row.state,
    row.authorizedAmount,
    row.capturedAmount,
    row.cancelledAmount,
    row.refundedAmount,
    row.pspReference,
    row.errorCode,
    row.errorMessage,
    row.errorRetryable,
    row.createSentAt,
    row.cancelRequestedAt,
    row.checks,
    row.nextCheckAt,
    row.claimedBy,
    row.claimedUntil,
    row.finalAt,
    row.updatedAt,
  ])
}

const WRITE_LOCKED_ATTEMPT = `UPDATE payment_attempt SET
  state = $2, authorized_amount = $3, captured_amount = $4, cancelled_amount = $5, refunded_amount = $6,
  psp_reference = $7, error_code = $8, error_message = $9, error_retryable = $10,
  create_sent_at = $11, cancel_requested_at = $12, checks = $13, next_check_at = $14,
  claimed_by = $15, claimed_until = $16, final_at = $17, updated_at = $18
  WHERE id = $1`

/** Changes some of an attempt's columns; for writes off the checkout's path (a drizzle update). */
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

const TILL_OF_SALE = 'SELECT till_id AS "tillId" FROM sale WHERE id = $1'

/** The till a sale belongs to, whose screen hears about its payment. */
export async function tillOfSale(db: Db, saleId: string): Promise<string> {
  const [row] = await queryRows<{ tillId: string }>(db, TILL_OF_SALE, [saleId])
  if (!row) throw new Error(`sale ${saleId} does not exist`)
  return row.tillId
}

/** A webhook event as the till records it (payment_webhook_event, whose id the database gives). */
export interface WebhookEventRecord {
  dedupeKey: string
  msn: string
  reference: string
  name: string
  pspReference: string
  currency: string
  amount: number
  eventTimestamp: string
  receivedAt: Date
}

/**
 * Locks the attempt the event is about (its MSN and reference) and records
 * the event once, linked to it, in one statement. The attempt's lock comes
 * first, so deliveries about one attempt queue on it; the event's key is
 * unique, so a replay or duplicate delivery records nothing.
 */
const RECORD_WEBHOOK_EVENT = `WITH attempt AS MATERIALIZED (
    SELECT ${ATTEMPT_COLUMNS} FROM payment_attempt WHERE msn = $1 AND reference = $2 FOR UPDATE
  ), recorded AS (
    INSERT INTO payment_webhook_event
      (dedupe_key, msn, reference, name, psp_reference, currency, amount, event_timestamp, attempt_id, received_at)
    VALUES ($3, $1, $2, $4, $5, $6, $7, $8, (SELECT "id" FROM attempt), $9)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM recorded) AS "fresh", attempt.*
  FROM (VALUES (1)) AS one (x) LEFT JOIN attempt ON true`

/**
 * Records a webhook event once and answers whether it is new (false for a
 * replay or a duplicate delivery), with the attempt it is about, locked until
 * the transaction ends (undefined if the till has no such attempt).
 */
export async function recordWebhookEvent(
  tx: Db,
  event: WebhookEventRecord,
): Promise<{ fresh: boolean; attempt: AttemptRow | undefined }> {
  const [row] = await queryRows<{ fresh: boolean } & { [K in keyof AttemptRow]: AttemptRow[K] | null }>(
    tx,
    RECORD_WEBHOOK_EVENT,
    [
      event.msn,
      event.reference,
      event.dedupeKey,
      event.name,
      event.pspReference,
      event.currency,
      event.amount,
      event.eventTimestamp,
      event.receivedAt,
    ],
  )
  const { fresh, ...attempt } = row!
  return { fresh, attempt: attempt.id === null ? undefined : (attempt as AttemptRow) }
}
