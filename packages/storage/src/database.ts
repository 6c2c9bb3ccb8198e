/**
 * A kasse application's database: PostgreSQL through drizzle-orm, either
 * embedded (PGlite, in a data directory or in memory) or a real server when a
 * connection string is given. The schema, the migrations and every query are
 * the same on both; only the driver differs. The till and the shop each open
 * their own with their own schema (tables, migrations, migration history), so
 * both may live in one PostgreSQL database without touching each other's.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type { Client as PgClient } from 'pg'
import { createFromTemplate, type TemplateContents } from './cluster-template.ts'
import { loadMigrations, type Migration, migrate } from './migrate.ts'

/**
 * Each backend's driver is loaded when a database of that kind opens, never
 * before: the embedded database does not load the PostgreSQL client, and a
 * server does not load PGlite. Loading both cost every `kasse up` ~0.1 s of
 * CPU for a client it never used.
 */
const pgliteDriver = async () => {
  const [{ PGlite }, { drizzle }, { PreparedPglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('./prepared-pglite.ts'),
  ])
  return { PGlite, drizzle, PreparedPglite }
}

const postgresDriver = async () => {
  const [{ default: pg }, { drizzle }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
  ])
  return { pg, drizzle }
}

type PostgresDriver = Awaited<ReturnType<typeof postgresDriver>>

/** The drizzle tables (and relations) of an application, keyed by name. */
export type Tables = Record<string, unknown>

/** A drizzle database or a transaction on it: what stores and services query through. */
export type Db<T extends Tables = Tables> = PgDatabase<PgQueryResultHKT, T>

/** Plain SQL on one connection, for what drizzle does not do (multi-statement migration files). */
export interface RawSql {
  /** Runs one or more statements with no parameters. */
  exec(text: string): Promise<void>
  /** Runs one statement with parameters and returns its rows. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>
}

/**
 * What makes a database an application's: its tables, its SQL migrations and
 * where it records which of them ran.
 *
 * @example
 * export const SHOP_SCHEMA: DatabaseSchema<typeof tables> = {
 *   label: 'the shop',
 *   tables,
 *   migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
 *   historyTable: 'shop_migration',
 * }
 */
export interface DatabaseSchema<T extends Tables> {
  /** Who owns the database, for messages: "the till", "the shop". */
  label: string
  tables: T
  /** The folder of `.sql` files, applied once each in name order. */
  migrationsDir: string
  /**
   * The table recording the applied migrations (created when missing). Each
   * application sharing a PostgreSQL database needs its own, since migration
   * names like `0001_initial.sql` repeat across applications.
   */
  historyTable: string
}

export interface Database<T extends Tables = Tables> {
  readonly db: Db<T>
  /** Which backend this is: tests on both assert the same behaviour. */
  readonly kind: 'pglite' | 'postgres'
  /** The schema it was opened with. */
  readonly schema: DatabaseSchema<T>
  /** Runs `work` in one transaction on one connection; commits if it returns, rolls back if it throws. */
  withRawTransaction<R>(work: (raw: RawSql) => Promise<R>): Promise<R>
  /**
   * Calls `onPayload` for every NOTIFY on `channel` (from any process on the
   * same database) until the returned function is called. Notifications sent
   * in a transaction arrive when it commits, and never if it rolls back.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  /** PGlite only: the data directory as a tarball, to start other in-memory databases from. */
  dump?: () => Promise<Blob>
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; when set, that server is used. */
  databaseUrl?: string
  /** PGlite's data directory, created if missing. Required unless `databaseUrl` or `inMemory`. */
  dataDir?: string
  /** An in-memory PGlite (tests): nothing is written to disk. */
  inMemory?: boolean
  /**
   * With `inMemory`: start from this dump of a data directory (PGlite's
   * `dumpDataDir`) instead of an empty cluster. Creating a cluster takes
   * seconds; loading a dump takes a fraction of one, which is what tests want.
   */
  template?: Blob
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean
  /** Connections in the pool for a real server (default 10). */
  maxConnections?: number
}

/**
 * Opens an application's database and brings its schema up to date.
 *
 * @example
 * const database = await openDatabase(SHOP_SCHEMA, { databaseUrl: process.env.DATABASE_URL }) // a server
 * const embedded = await openDatabase(SHOP_SCHEMA, { dataDir: '.kasse/shop-data' })          // PGlite on disk
 * const scratch = await openDatabase(SHOP_SCHEMA, { inMemory: true })                        // tests
 */
export async function openDatabase<T extends Tables>(
  schema: DatabaseSchema<T>,
  options: OpenDatabaseOptions,
): Promise<Database<T>> {
  const migrations = options.migrate !== false ? loadMigrations(schema.migrationsDir) : undefined
  let database: Database<T>
  if (options.databaseUrl)
    database = await openPostgres(schema, options.databaseUrl, options.maxConnections ?? 10)
  else if (options.inMemory) database = await openPglite(schema, undefined, options.template)
  else if (options.dataDir) database = await openPglite(schema, options.dataDir, undefined, migrations)
  else throw new Error(`${schema.label}: give a databaseUrl, a dataDir or inMemory`)
  if (migrations) {
    try {
      await migrate(database, migrations, { historyTable: schema.historyTable })
    } catch (error) {
      await database.close()
      throw error
    }
  }
  return database
}

/**
 * Another application's schema in a database that is already open: the same
 * embedded PostgreSQL (or the same server's pool), its own tables and
 * migration history, migrated unless told not to. `kasse up` runs the till and
 * the shop on one embedded database this way, starting one PGlite instead of
 * two. Closing the view leaves the database open; its opener closes it.
 *
 * @example
 * const database = await openDatabase(POS_SCHEMA, { dataDir: '.kasse/pos-data' })
 * const shopDatabase = await openAlongside(database, SHOP_SCHEMA)
 */
export async function openAlongside<T extends Tables>(
  database: Database,
  schema: DatabaseSchema<T>,
  options: Pick<OpenDatabaseOptions, 'migrate'> = {},
): Promise<Database<T>> {
  const view: Database<T> = {
    db: drizzleOn(database, schema.tables),
    kind: database.kind,
    schema,
    withRawTransaction: (work) => database.withRawTransaction(work),
    listen: (channel, onPayload) => database.listen(channel, onPayload),
    ...(database.dump ? { dump: database.dump } : {}),
    close: async () => {},
  }
  drizzleOver.set(view, drizzleOver.get(database)!)
  if (options.migrate !== false) {
    await migrate(view, loadMigrations(schema.migrationsDir), { historyTable: schema.historyTable })
  }
  return view
}

/**
 * How to make a drizzle database with other tables over an open database's
 * connection: a drizzle instance knows its schema's tables (its relational
 * queries need them), so each application gets its own over the one client.
 */
const drizzleOver = new WeakMap<Database, (tables: Tables) => Db>()

function drizzleOn<T extends Tables>(database: Database, tables: T): Db<T> {
  const make = drizzleOver.get(database)
  if (!make) throw new Error(`${database.schema.label}: not a database openDatabase opened`)
  return make(tables) as unknown as Db<T>
}

async function openPglite<T extends Tables>(
  schema: DatabaseSchema<T>,
  dataDir: string | undefined,
  template?: Blob,
  migrations?: Migration[],
): Promise<Database<T>> {
  let unlock = () => {}
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true })
    unlock = lockDataDir(dataDir, schema.label)
  }
  const { PGlite, drizzle: drizzlePglite, PreparedPglite } = await pgliteDriver()
  let client: PGlite
  try {
    if (dataDir) await createFromTemplate(dataDir, PGlite, migrations && migratedContents(schema, migrations))
    client = dataDir
      ? await PGlite.create(dataDir)
      : await PGlite.create(template ? { loadDataDir: template } : {})
  } catch (error) {
    unlock()
    throw error
  }
  // Every statement goes through the statement cache (prepared-pglite.ts),
  // which drizzle takes for the PGlite client it stands in for.
  // KASSE_PGLITE_STATEMENT_CACHE=off hands drizzle PGlite itself (A/B runs).
  const statements =
    process.env.KASSE_PGLITE_STATEMENT_CACHE === 'off'
      ? client
      : (new PreparedPglite(client) as unknown as PGlite)
  const db = drizzlePglite(statements, { schema: schema.tables }) as unknown as Db<T>
  const database: Database<T> = {
    db,
    kind: 'pglite',
    schema,
    withRawTransaction: (work) =>
      statements.transaction((tx) =>
        work({
          exec: async (text) => {
            await tx.exec(text)
          },
          query: async <Row>(text: string, params: unknown[] = []) =>
            (await tx.query<Row>(text, params)).rows,
        }),
      ),
    listen: async (channel, onPayload) => {
      const unlisten = await client.listen(channel, onPayload)
      return async () => {
        if (!client.closed) await unlisten()
      }
    },
    dump: async () => (await client.dumpDataDir('none')) as Blob,
    close: async () => {
      await client.close()
      unlock()
    },
  }
  drizzleOver.set(database, (tables) => drizzlePglite(statements, { schema: tables }) as unknown as Db)
  return database
}

/** A new data directory's template with the schema's migrations applied (cluster-template.ts). */
function migratedContents(schema: DatabaseSchema<Tables>, migrations: Migration[]): TemplateContents {
  const applied = migrations.map((m) => `${m.name}:${m.checksum}`).join('\n')
  return {
    key: `${schema.historyTable}-${createHash('sha256').update(applied).digest('hex').slice(0, 16)}`,
    prepare: async (dir) => {
      const prepared = await openPglite(schema, dir)
      try {
        await migrate(prepared, migrations, { historyTable: schema.historyTable })
      } finally {
        await prepared.close()
      }
    },
  }
}

/**
 * Claims an embedded data directory for this process. PGlite is one process's
 * database: a second process opening the same directory would corrupt it, and
 * PGlite does not stop it, so a lock file beside the directory does. A lock
 * left by a process that has died is taken over.
 */
function lockDataDir(dataDir: string, label: string): () => void {
  const lockPath = `${dataDir.replace(/[/\\]+$/, '')}.lock`
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const holder = Number(readFileSync(lockPath, 'utf8'))
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(
        `${label}: the database in ${dataDir} is in use by process ${holder}; run one process per data directory, or point several at one PostgreSQL server with DATABASE_URL`,
      )
    }
    writeFileSync(lockPath, String(process.pid))
  }
  return () => rmSync(lockPath, { force: true })
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function openPostgres<T extends Tables>(
  schema: DatabaseSchema<T>,
  connectionString: string,
  max: number,
): Promise<Database<T>> {
  const driver = await postgresDriver()
  const { pg, drizzle: drizzleNodePostgres } = driver
  const pool = new pg.Pool({ connectionString, max })
  // An idle connection the server drops emits 'error' on the pool; without a
  // listener that would end the process. The pool replaces the connection and
  // the next query that needs it reports the failure where it can be handled.
  pool.on('error', () => {})
  const db = drizzleNodePostgres(pool, { schema: schema.tables }) as unknown as Db<T>
  const database: Database<T> = {
    db,
    kind: 'postgres',
    schema,
    withRawTransaction: async (work) => {
      const connection = await pool.connect()
      try {
        await connection.query('BEGIN')
        const result = await work({
          exec: async (text) => {
            await connection.query(text)
          },
          query: async <Row>(text: string, params: unknown[] = []) =>
            (await connection.query(text, params)).rows as Row[],
        })
        await connection.query('COMMIT')
        return result
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        connection.release()
      }
    },
    listen: (channel, onPayload) => listenOnOwnConnection(driver, connectionString, channel, onPayload),
    close: () => pool.end(),
  }
  drizzleOver.set(database, (tables) => drizzleNodePostgres(pool, { schema: tables }) as unknown as Db)
  return database
}

/**
 * LISTEN needs a connection of its own that stays open (a pooled one would be
 * handed to other queries). If the server drops it, it reconnects after a
 * second; notifications sent meanwhile are missed, so nothing may depend on
 * them for correctness (read the database for that).
 */
async function listenOnOwnConnection(
  { pg }: PostgresDriver,
  connectionString: string,
  channel: string,
  onPayload: (payload: string) => void,
): Promise<() => Promise<void>> {
  let stopped = false
  let client: PgClient | undefined
  let retry: NodeJS.Timeout | undefined
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString })
    next.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload ?? '')
    })
    const reconnect = () => {
      if (stopped || client !== next) return
      client = undefined
      next.end().catch(() => {})
      retry = setTimeout(() => connect().catch(reconnect), 1000)
    }
    next.on('error', reconnect)
    next.on('end', reconnect)
    client = next
    await next.connect()
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
  }
  await connect()
  return async () => {
    stopped = true
    if (retry) clearTimeout(retry)
    await client?.end().catch(() => {})
  }
}
