/**
 * Applies an application's SQL migration files in name order, each once.
 *
 * Hand-written SQL and this small migrator rather than drizzle-kit's: the
 * schemas' guards (partial unique indexes, checks, counters) are plainest in
 * SQL, and several processes may start at once against one server, so the
 * whole run holds a transaction-scoped advisory lock: the second process
 * waits, then finds nothing left to do. A file already applied and since
 * edited is refused (its checksum differs) instead of silently leaving
 * databases that differ.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from './database.ts'

/**
 * The key of the advisory lock every kasse migrator holds ("kasse"). One key
 * for all applications: the till's and the shop's migrations on a shared
 * database then run one after the other, which costs nothing and keeps the
 * key the till has always used.
 */
export const MIGRATION_LOCK_KEY = 0x6b61737365

/** The history table the till has used from the start; an application may name its own. */
export const DEFAULT_HISTORY_TABLE = 'kasse_migration'

export interface Migration {
  name: string
  sql: string
  checksum: string
}

export interface MigrateOptions {
  /** Where applied migrations are recorded. Default `kasse_migration`. */
  historyTable?: string
}

/** The `.sql` files in `dir`, in the order they apply, with their checksums. */
export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

/**
 * Brings the database's schema up to date; returns the names of the migrations it applied.
 * Safe to call from several processes at once.
 *
 * @example
 * await migrate(database, loadMigrations(SHOP_SCHEMA.migrationsDir), { historyTable: 'shop_migration' })
 * // ['0001_initial.sql'] the first time, [] after
 */
export async function migrate(
  database: Pick<Database, 'withRawTransaction'>,
  migrations: Migration[],
  options: MigrateOptions = {},
): Promise<string[]> {
  const table = historyTableName(options.historyTable ?? DEFAULT_HISTORY_TABLE)
  return database.withRawTransaction(async (raw) => {
    await raw.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await raw.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Map(
      (await raw.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${table}`)).map(
        (row) => [row.name, row.checksum],
      ),
    )
    const ran: string[] = []
    for (const migration of migrations) {
      const checksum = applied.get(migration.name)
      if (checksum === migration.checksum) continue
      if (checksum !== undefined) {
        throw new Error(
          `migration ${migration.name} was changed after it was applied; add a new migration instead of editing it`,
        )
      }
      await raw.exec(migration.sql)
      await raw.query(`INSERT INTO ${table} (name, checksum) VALUES ($1, $2)`, [
        migration.name,
        migration.checksum,
      ])
      ran.push(migration.name)
    }
    return ran
  })
}

/** The table name, checked: it is put into SQL as it is, so only a plain identifier is taken. */
function historyTableName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`historyTable must be a lower-case SQL identifier, not ${JSON.stringify(name)}`)
  }
  return name
}
