/**
 * The till's database: PostgreSQL through drizzle-orm, either embedded
 * (PGlite, in a data directory or in memory) or a real server when a
 * connection string is given. The schema, the migrations and every query are
 * the same on both; only the driver differs.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { migrate } from './migrate.ts'
import { tables } from './schema.ts'

/** A drizzle database or a transaction on it: what stores and services query through. */
export type Db = PgDatabase<PgQueryResultHKT, typeof tables>

/** Plain SQL on one connection, for what drizzle does not do (multi-statement migration files). */
export interface RawSql {
  /** Runs one or more statements with no parameters. */
  exec(text: string): Promise<void>
  /** Runs one statement with parameters and returns its rows. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>
}

export interface PosDatabase {
  readonly db: Db
  /** Which backend this is: tests on both assert the same behaviour. */
  readonly kind: 'pglite' | 'postgres'
  /** Runs `work` in one transaction on one connection; commits if it returns, rolls back if it throws. */
  withRawTransaction<T>(work: (raw: RawSql) => Promise<T>): Promise<T>
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
  /** A PostgreSQL connection string; when set, the till uses that server. */
  databaseUrl?: string
  /** PGlite's data directory, created if missing. Ignored with `databaseUrl`. */
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

/** Where the embedded database lives when nothing else is said. */
export const DEFAULT_DATA_DIR = '.kasse/pos-data'

/**
 * Opens the till's database and brings its schema up to date.
 *
 * @example
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL })   // a server
 * const embedded = await openDatabase({ dataDir: '.kasse/pos-data' })               // PGlite on disk
 * const scratch = await openDatabase({ inMemory: true })                           // tests
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<PosDatabase> {
  const database = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.maxConnections ?? 10)
    : options.inMemory
      ? await openPglite(undefined, options.template)
      : await openPglite(options.dataDir ?? DEFAULT_DATA_DIR)
  if (options.migrate !== false) {
    try {
      await migrate(database)
    } catch (error) {
      await database.close()
      throw error
    }
  }
  return database
}

async function openPglite(dataDir: string | undefined, template?: Blob): Promise<PosDatabase> {
  let unlock = () => {}
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true })
    unlock = lockDataDir(dataDir)
  }
  let client: PGlite
  try {
    client = dataDir
      ? await PGlite.create(dataDir)
      : await PGlite.create(template ? { loadDataDir: template } : {})
  } catch (error) {
    unlock()
    throw error
  }
  const db = drizzlePglite(client, { schema: tables }) as unknown as Db
  return {
    db,
    kind: 'pglite',
    withRawTransaction: (work) =>
      client.transaction((tx) =>
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
}

/**
 * Claims an embedded data directory for this process. PGlite is one process's
 * database: a second process opening the same directory would corrupt it, and
 * PGlite does not stop it, so a lock file beside the directory does. A lock
 * left by a process that has died is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = `${dataDir.replace(/[/\\]+$/, '')}.lock`
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const holder = Number(readFileSync(lockPath, 'utf8'))
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      throw new Error(
        `the till database in ${dataDir} is in use by process ${holder}; run one till per data directory, or point several at one PostgreSQL server with DATABASE_URL`,
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

function openPostgres(connectionString: string, max: number): PosDatabase {
  const pool = new pg.Pool({ connectionString, max })
  // An idle connection the server drops emits 'error' on the pool; without a
  // listener that would end the process. The pool replaces the connection and
  // the next query that needs it reports the failure where it can be handled.
  pool.on('error', () => {})
  const db = drizzleNodePostgres(pool, { schema: tables }) as unknown as Db
  return {
    db,
    kind: 'postgres',
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
    listen: (channel, onPayload) => listenOnOwnConnection(connectionString, channel, onPayload),
    close: () => pool.end(),
  }
}

/**
 * LISTEN needs a connection of its own that stays open (a pooled one would be
 * handed to other queries). If the server drops it, it reconnects after a
 * second; notifications sent meanwhile are missed, which is why nothing
 * depends on them for correctness (the sweeper reads the database).
 */
async function listenOnOwnConnection(
  connectionString: string,
  channel: string,
  onPayload: (payload: string) => void,
): Promise<() => Promise<void>> {
  let stopped = false
  let client: pg.Client | undefined
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
