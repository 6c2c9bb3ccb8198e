/**
 * A database for one test file: an in-memory PGlite by default, or, when
 * KASSE_TEST_DATABASE_URL names a PostgreSQL server (CI can set it), a fresh
 * database created on that server for this file and dropped afterwards.
 * Either way the till's migrations have run, as they do when it starts.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDatabase, type PosDatabase } from '../src/db/database.ts'
import { loadMigrations } from '../src/db/migrate.ts'

/** The server tests run against, if any. */
export const TEST_DATABASE_URL = process.env.KASSE_TEST_DATABASE_URL

export async function openTestDatabase(): Promise<PosDatabase> {
  if (!TEST_DATABASE_URL) return openDatabase({ inMemory: true, template: await migratedTemplate() })
  const name = `kasse_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString() })
  return {
    ...database,
    close: async () => {
      await database.close()
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/**
 * Where a till started with `startPos` in a test keeps its data: a fresh
 * database on KASSE_TEST_DATABASE_URL's server, or else a fresh embedded data
 * directory. `drop` removes it. Several till apps may open it one after the
 * other (a restart).
 */
export async function freshTillStorage(): Promise<{
  databaseUrl: string
  dataDir: string | undefined
  drop(): Promise<void>
}> {
  if (TEST_DATABASE_URL) {
    const name = `kasse_test_${randomBytes(6).toString('hex')}`
    await adminQuery(`CREATE DATABASE ${name}`)
    const url = new URL(TEST_DATABASE_URL)
    url.pathname = `/${name}`
    return {
      databaseUrl: url.toString(),
      dataDir: undefined,
      drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'kasse-pos-wire-'))
  return {
    databaseUrl: '',
    dataDir: join(dataDir, 'pos-data'),
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  }
}

/**
 * A dump of a freshly migrated PGlite cluster, made once and kept in the temp
 * directory under a name that changes with the migrations, so every test file
 * loads it in a fraction of a second instead of creating a cluster (seconds).
 */
async function migratedTemplate(): Promise<Blob> {
  const key = createHash('sha256')
    .update(
      loadMigrations()
        .map((m) => m.checksum)
        .join(),
    )
    .update(process.version)
    .digest('hex')
    .slice(0, 16)
  const path = join(tmpdir(), `kasse-pos-pglite-${key}.tar`)
  if (existsSync(path)) return new Blob([readFileSync(path)])
  const database = await openDatabase({ inMemory: true })
  const dump = await database.dump!()
  await database.close()
  // Written under a private name and renamed: test files starting at once never read half a file.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, path)
  return dump
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

/** Empties every table (keeping the schema), so each test starts from the same seed. */
export async function truncateAll(database: PosDatabase): Promise<void> {
  await database.withRawTransaction((raw) =>
    raw.exec(
      'TRUNCATE outbox, webhook_registration, payment_webhook_event, refund_line, refund, payment_attempt, sale_line, sale, product, cashier_session, cashier, till, store RESTART IDENTITY CASCADE',
    ),
  )
}
