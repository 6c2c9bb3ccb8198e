/**
 * The outbox: work that must happen after a commit (call the platform, tell
 * another till process), written in the same transaction as the state change
 * it follows from, so neither exists without the other.
 *
 * Any till process claims due messages with FOR UPDATE SKIP LOCKED: claimers
 * running at once skip each other's rows instead of waiting or taking the
 * same ones. A claim is a lease, not an open transaction (handlers make
 * network calls, which must not hold a transaction): the claimer finishes
 * the message with `completeOutboxMessage`, or `retryOutboxMessage` to try
 * again later; if it dies, the lease runs out and another process takes the
 * message. So handlers must be idempotent — they are anyway, since the
 * platform's calls carry idempotency keys.
 *
 * Messages sharing an `orderingKey` (say, one payment's) are handed out one
 * at a time in the order they were written.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { Db } from '../db/database.ts'
import { outbox } from '../db/schema.ts'

export type OutboxMessage = typeof outbox.$inferSelect

export interface NewOutboxMessage {
  topic: string
  payload: unknown
  orderingKey?: string | null
  /** When it may first be handed out; default now. */
  availableAt?: Date
}

/**
 * Writes a message. Pass the transaction that makes the state change it follows from.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await markAttemptCreated(tx, attempt)
 *   await enqueueOutboxMessage(tx, { topic: 'payment.create', orderingKey: attempt.reference, payload }, now)
 * })
 */
export async function enqueueOutboxMessage(
  tx: Db,
  message: NewOutboxMessage,
  now: Date,
): Promise<OutboxMessage> {
  const [row] = await tx
    .insert(outbox)
    .values({
      topic: message.topic,
      payload: message.payload,
      orderingKey: message.orderingKey ?? null,
      availableAt: message.availableAt ?? now,
      createdAt: now,
    })
    .returning()
  return row!
}

export interface ClaimOptions {
  /** Who claims (process and worker), written on the rows for diagnosis and checked on completion. */
  claimer: string
  /** At most this many messages. */
  limit: number
  /** How long the claim holds before another process may take the message. */
  leaseMs: number
  now: Date
  /** Only these topics (default: any). */
  topics?: string[]
}

/**
 * Claims up to `limit` due messages for `claimer`, oldest first: not done, due,
 * not under another live lease, and with no earlier undone message of the same
 * ordering key. One statement, so concurrent claimers never get the same row.
 */
export async function claimOutboxMessages(db: Db, options: ClaimOptions): Promise<OutboxMessage[]> {
  if (options.limit < 1) return []
  const claimed = await claimStatement(db, options)
  return claimed.sort((a, b) => a.id - b.id)
}

/**
 * Whether a message of `topics` may be due now, as an SQL condition for the
 * worker's one look at all its queues (db/claims.ts `whichDue`): not done, due,
 * not under a live lease. It ignores the ordering key, so it may say yes where
 * the claim then finds nothing, never the other way round.
 */
export function outboxDueCheck(db: Db, options: { now: Date; topics: string[] }): SQL {
  return sql`EXISTS (${db.select({ one: sql`1` }).from(outbox).where(dueUnleased(options))})`
}

/** Not done, due, not under a live lease, of `topics` (default: any): what claim and look share. */
function dueUnleased(options: { now: Date; topics?: string[] }): SQL | undefined {
  return and(
    isNull(outbox.doneAt),
    lte(outbox.availableAt, options.now),
    or(isNull(outbox.claimedUntil), lte(outbox.claimedUntil, options.now)),
    options.topics ? inArray(outbox.topic, options.topics) : undefined,
  )
}

/** The claim as one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *, not yet run. */
export function claimStatement(db: Db, options: ClaimOptions) {
  const earlier = alias(outbox, 'earlier')
  const leaseEnds = new Date(options.now.getTime() + options.leaseMs)
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      and(
        dueUnleased(options),
        sql`NOT EXISTS (${db
          .select({ one: sql`1` })
          .from(earlier)
          .where(
            and(
              eq(earlier.orderingKey, outbox.orderingKey),
              isNull(earlier.doneAt),
              lt(earlier.id, outbox.id),
            ),
          )})`,
      ),
    )
    .orderBy(asc(outbox.id))
    .limit(options.limit)
    .for('update', { skipLocked: true })
  return db
    .update(outbox)
    .set({ claimedBy: options.claimer, claimedUntil: leaseEnds, attempts: sql`${outbox.attempts} + 1` })
    .where(inArray(outbox.id, due))
    .returning()
}

/**
 * Marks a claimed message done. False if the claimer's lease had run out and
 * another claimer took the message meanwhile (that one will finish it).
 */
export async function completeOutboxMessage(
  db: Db,
  message: { id: number; claimer: string },
  now: Date,
): Promise<boolean> {
  const done = await db
    .update(outbox)
    .set({ doneAt: now, claimedUntil: null })
    .where(and(eq(outbox.id, message.id), eq(outbox.claimedBy, message.claimer), isNull(outbox.doneAt)))
    .returning({ id: outbox.id })
  return done.length === 1
}

/** Gives a claimed message back to be tried again at `retryAt`, noting why it failed. */
export async function retryOutboxMessage(
  db: Db,
  message: { id: number; claimer: string; error: string; retryAt: Date },
): Promise<boolean> {
  const released = await db
    .update(outbox)
    .set({ availableAt: message.retryAt, claimedUntil: null, lastError: message.error.slice(0, 1000) })
    .where(and(eq(outbox.id, message.id), eq(outbox.claimedBy, message.claimer), isNull(outbox.doneAt)))
    .returning({ id: outbox.id })
  return released.length === 1
}
