/**
 * Plain SQL on a drizzle database or one of its transactions, for the few
 * statements a hot path runs thousands of times.
 *
 * Why: drizzle builds every query anew on every call (its select, insert and
 * update builders walk the table's columns, checking each chunk's kind with
 * `is()`) and maps every row back through the same columns. Under the till's
 * checkout load that was ~18 % of the till's CPU, more than the statements'
 * own time in PGlite's JavaScript. A fixed SQL text with positional
 * parameters skips all of it: the text is a constant, the statement cache
 * (prepared-pglite.ts) or the server prepares it once, and the rows come back
 * as the driver parses them.
 *
 * It runs on the same connection as the drizzle handle it is given, so a
 * statement inside `db.transaction(async (tx) => …)` given `tx` is part of
 * that transaction, with its locks, and rolls back with it.
 *
 * Rows are objects keyed by column name (or alias: write `sale_id AS "saleId"`
 * to get camelCase keys), parsed the same way by both backends for the types
 * the applications use: text, integer, boolean, jsonb (the value),
 * timestamptz (a Date). Not bigint: PostgreSQL's driver gives a string and
 * PGlite's a bigint, so cast such a column in the SQL.
 *
 * @example
 * const rows = await queryRows<{ id: string; total: number }>(
 *   tx,
 *   'UPDATE sale SET total = total + $2 WHERE id = $1 RETURNING id, total',
 *   [saleId, amount],
 * )
 */
import type { Db, Tables } from './database.ts'

/** What both drivers' connections (PGlite, its transactions, the statement cache, node-postgres) answer. */
interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>
}

/** The connection a drizzle database or transaction runs its statements on. */
function connectionOf<T extends Tables>(db: Db<T>): Queryable {
  // drizzle keeps it as `session.client` for every driver: the PGlite client
  // or the transaction PGlite hands out, node-postgres's pool or the pooled
  // connection a transaction holds.
  const client = (db as unknown as { session?: { client?: Queryable } }).session?.client
  if (typeof client?.query !== 'function') throw new Error('queryRows: not a drizzle database or transaction')
  return client
}

/** Runs one statement with positional parameters ($1, $2, …) and returns its rows. */
export async function queryRows<Row, T extends Tables = Tables>(
  db: Db<T>,
  text: string,
  params: readonly unknown[] = [],
): Promise<Row[]> {
  const { rows } = await connectionOf(db).query(text, params as unknown[])
  return rows as Row[]
}
