/**
 * Databases for tests: an in-memory PGlite by default, or, when
 * KASSE_TEST_DATABASE_URL names a PostgreSQL server (CI sets it), a fresh
 * database created on that server for the caller and dropped when it closes.
 * Either way the application's migrations have run, as they do when it starts.
 *
 * Imported as `@kasse/storage/testing`, so running code never loads it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { type Database, type DatabaseSchema, openDatabase, type Tables } from './database.ts'
import { loadMigrations } from './migrate.ts'

/** The server tests run against, if any. */
export const TEST_DATABASE_URL = process.env.KASSE_TEST_DATABASE_URL

/**
 * A migrated database of `schema` for one test file (or test).
 *
 * @example
 * let database: Database<typeof tables>
 * beforeAll(async () => { database = await openTestDatabase(SHOP_SCHEMA) })
 * afterAll(() => database.close())
 */
export async function openTestDatabase<T extends Tables>(schema: DatabaseSchema<T>): Promise<Database<T>> {
  if (!TEST_DATABASE_URL) {
    return openDatabase(schema, { inMemory: true, template: await migratedTemplate(schema) })
  }
  const name = `kasse_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  const database = await openDatabase(schema, { databaseUrl: url.toString() })
  return {
    ...database,
    close: async () => {
      await database.close()
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/**
 * Where an application started in a test keeps its data: a fresh database on
 * KASSE_TEST_DATABASE_URL's server, or else a fresh embedded data directory
 * (`<temp>/<prefix>…/<dirName>`). `drop` removes it. Several processes or apps
 * may open it one after the other (a restart).
 *
 * @example
 * const storage = await freshStorage('kasse-pos-wire-', 'pos-data')
 * // start the app with storage.databaseUrl or storage.dataDir …
 * await storage.drop()
 */
export async function freshStorage(
  prefix: string,
  dirName: string,
): Promise<{ databaseUrl: string; dataDir: string | undefined; drop(): Promise<void> }> {
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
  const parent = mkdtempSync(join(tmpdir(), prefix))
  return {
    databaseUrl: '',
    dataDir: join(parent, dirName),
    drop: async () => rmSync(parent, { recursive: true, force: true }),
  }
}

/**
 * Empties every table of the database's schema (keeping the schema and the
 * migration history), so each test starts from the same seed.
 */
export async function truncateAll(database: Database): Promise<void> {
  const names = Object.values(database.schema.tables)
    .filter((table): table is PgTable => table instanceof PgTable)
    .map((table) => `"${getTableConfig(table).name}"`)
  if (names.length === 0) return
  await database.withRawTransaction((raw) =>
    raw.exec(`TRUNCATE ${names.join(', ')} RESTART IDENTITY CASCADE`),
  )
}

/**
 * Every column of the schema's tables as `table.column type NULL?`, once as
 * the migrated database has it and once as the drizzle definitions say, both
 * sorted: a test expects the two equal, so SQL and drizzle cannot drift apart.
 *
 * @example
 * const { inDatabase, inDrizzle } = await schemaColumns(database)
 * expect(inDrizzle).toEqual(inDatabase)
 */
export async function schemaColumns(
  database: Database,
): Promise<{ inDatabase: string[]; inDrizzle: string[] }> {
  const pgTables = Object.values(database.schema.tables).filter((t): t is PgTable => t instanceof PgTable)
  const names = pgTables.map((table) => getTableConfig(table).name)
  const rows = await database.withRawTransaction((raw) =>
    raw.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY($1)`,
      [names],
    ),
  )
  const inDatabase = rows
    .map((r) => `${r.table_name}.${r.column_name} ${r.data_type} ${r.is_nullable}`)
    .sort()
  const inDrizzle = pgTables
    .flatMap((table) => {
      const config = getTableConfig(table)
      return config.columns.map(
        (c) => `${config.name}.${c.name} ${c.getSQLType()} ${c.notNull ? 'NO' : 'YES'}`,
      )
    })
    .sort()
  return { inDatabase, inDrizzle }
}

/**
 * A dump of a freshly migrated PGlite cluster, made once and kept in the temp
 * directory under a name that changes with the schema's migrations, so every
 * test file loads it in a fraction of a second instead of creating a cluster
 * (seconds).
 */
async function migratedTemplate<T extends Tables>(schema: DatabaseSchema<T>): Promise<Blob> {
  const key = createHash('sha256')
    .update(schema.historyTable)
    .update(
      loadMigrations(schema.migrationsDir)
        .map((m) => `${m.name}:${m.checksum}`)
        .join(),
    )
    .update(process.version)
    .digest('hex')
    .slice(0, 16)
  const path = join(tmpdir(), `kasse-pglite-${schema.historyTable}-${key}.tar`)
  if (existsSync(path)) return new Blob([readFileSync(path)])
  const database = await openDatabase(schema, { inMemory: true })
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
