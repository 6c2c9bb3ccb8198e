/**
 * Applies the SQL files in `migrations/` in name order, each once.
 *
 * Hand-written SQL and this small migrator rather than drizzle-kit's: the
 * schema's guards (partial unique indexes, checks, the receipt counter) are
 * plainest in SQL, and several till processes may start at once against one
 * server, so the whole run holds a transaction-scoped advisory lock: the
 * second process waits, then finds nothing left to do. A file already applied
 * and since edited is refused (its checksum differs) instead of silently
 * leaving databases that differ.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PosDatabase } from './database.ts'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url))

/** An arbitrary constant: the key of the advisory lock migrations hold ("kasse-pos"). */
const MIGRATION_LOCK_KEY = 0x6b61737365

export interface Migration {
  name: string
  sql: string
  checksum: string
}

/** The migrations shipped with the till, in the order they apply. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
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
 */
export async function migrate(
  database: PosDatabase,
  migrations: Migration[] = loadMigrations(),
): Promise<string[]> {
  return database.withRawTransaction(async (raw) => {
    await raw.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await raw.exec(`CREATE TABLE IF NOT EXISTS kasse_migration (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Map(
      (await raw.query<{ name: string; checksum: string }>('SELECT name, checksum FROM kasse_migration')).map(
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
      await raw.query('INSERT INTO kasse_migration (name, checksum) VALUES ($1, $2)', [
        migration.name,
        migration.checksum,
      ])
      ran.push(migration.name)
    }
    return ran
  })
}
