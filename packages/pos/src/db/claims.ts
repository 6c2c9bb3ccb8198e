/**
 * Claims on rows that carry their own schedule (payment attempts, refunds,
 * club enrolments):
 * a row is due when its `next_check_at` has come and no live lease is on it.
 * Any till process claims due rows with FOR UPDATE SKIP LOCKED, so two
 * processes sweeping at once never take the same row; the lease
 * (`claimed_by`, `claimed_until`) lets the claimer call the platform without
 * holding a transaction, and runs out if it dies, so another takes over.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { Db } from './database.ts'

/** The tables with `state`, `next_check_at`, `claimed_by` and `claimed_until`. */
export type ClaimableTable = 'payment_attempt' | 'refund' | 'club_enrolment'

export interface ClaimDueOptions {
  claimer: string
  /** The states whose rows still need work. */
  states: readonly string[]
  now: Date
  leaseMs: number
  limit: number
}

/** Claims up to `limit` due rows, soonest due first; returns their ids. */
export async function claimDue(db: Db, table: ClaimableTable, options: ClaimDueOptions): Promise<string[]> {
  if (options.limit < 1 || options.states.length === 0) return []
  const name = sql.identifier(table)
  const until = new Date(options.now.getTime() + options.leaseMs).toISOString()
  const result = await db.execute(sql`
    UPDATE ${name} SET claimed_by = ${options.claimer}, claimed_until = ${until}::timestamptz
    WHERE id IN (${dueRows(table, options)})
    RETURNING id`)
  return rowsOf<{ id: string }>(result).map((row) => row.id)
}

/**
 * The ids of up to `limit` due rows, soonest due first, locked and skipping
 * rows another claimer has locked: the inside of a claim statement, for a
 * caller that writes its own UPDATE (to return whole rows, say).
 */
export function dueRows(table: ClaimableTable, options: Omit<ClaimDueOptions, 'claimer' | 'leaseMs'>): SQL {
  return sql`SELECT id FROM ${sql.identifier(table)}
      WHERE ${dueCondition(options)}
      ORDER BY next_check_at
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED`
}

/** No live lease on the row at `now`: what a claim of one row requires, for a caller that writes its own claim. */
export function leaseFree(now: Date): SQL {
  const at = now.toISOString()
  return sql`(claimed_until IS NULL OR claimed_until <= ${at}::timestamptz)`
}

/**
 * Whether `table` has a row `claimDue` would claim now, as an SQL condition
 * for `whichDue`: a look that claims nothing, for a worker deciding whether a
 * sweep is worth its claim statement.
 */
export function dueCheck(table: ClaimableTable, options: Pick<ClaimDueOptions, 'states' | 'now'>): SQL {
  if (options.states.length === 0) return sql`false`
  return sql`EXISTS (SELECT 1 FROM ${sql.identifier(table)} WHERE ${dueCondition(options)})`
}

/**
 * Evaluates several due checks (`dueCheck`, or any boolean SQL) in one
 * statement, in their order.
 */
export async function whichDue(db: Db, checks: readonly SQL[]): Promise<boolean[]> {
  if (checks.length === 0) return []
  const columns = sql.join(
    checks.map((check, index) => sql`(${check}) AS ${sql.identifier(`due${index}`)}`),
    sql`, `,
  )
  const [row] = rowsOf<Record<string, boolean>>(await db.execute(sql`SELECT ${columns}`))
  return checks.map((_, index) => row?.[`due${index}`] === true)
}

/** A row in one of `states` whose `next_check_at` has come and on which no live lease is. */
function dueCondition(options: Pick<ClaimDueOptions, 'states' | 'now'>): SQL {
  const now = options.now.toISOString()
  const states = sql.join(
    options.states.map((state) => sql`${state}`),
    sql`, `,
  )
  return sql`state IN (${states})
        AND next_check_at <= ${now}::timestamptz
        AND ${leaseFree(options.now)}`
}

/**
 * One sweep: claims the due rows and works on each at once. A row whose work
 * throws goes to `failed` (which logs it and schedules a later look), so one
 * bad row never stops the others. Returns how many rows were claimed.
 */
export async function sweepDue(
  db: Db,
  table: ClaimableTable,
  options: ClaimDueOptions,
  work: (id: string) => Promise<unknown>,
  failed: (id: string, error: unknown) => Promise<unknown>,
): Promise<number> {
  const ids = await claimDue(db, table, options)
  await Promise.all(ids.map((id) => work(id).catch((error: unknown) => failed(id, error))))
  return ids.length
}

/** Gives up every lease `claimer` holds (a process shutting down), so others need not wait them out. */
export async function releaseAllClaims(db: Db, table: ClaimableTable, claimer: string): Promise<void> {
  await db.execute(
    sql`UPDATE ${sql.identifier(table)} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ${claimer}`,
  )
}

/** The rows of a raw query's result: both drivers answer `{ rows }`. */
function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows: Row[] }).rows
}
