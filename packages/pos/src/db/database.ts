/**
 * The till's database: @kasse/storage (PGlite or a PostgreSQL server through
 * drizzle) opened with the till's schema — its tables, its migrations and the
 * migration history table it has always used, so existing data directories
 * and databases open as before.
 */
import { fileURLToPath } from 'node:url'
import {
  type Database,
  type DatabaseSchema,
  type OpenDatabaseOptions,
  openDatabase as openStorage,
  type Db as StorageDb,
} from '@kasse/storage'
import { tables } from './schema.ts'

export type { OpenDatabaseOptions, RawSql } from '@kasse/storage'

/** The till's tables, SQL migrations and migration history. */
export const POS_SCHEMA: DatabaseSchema<typeof tables> = {
  label: 'the till',
  tables,
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  historyTable: 'kasse_migration',
}

/** A drizzle database or a transaction on it: what stores and services query through. */
export type Db = StorageDb<typeof tables>

export type PosDatabase = Database<typeof tables>

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
export function openDatabase(options: OpenDatabaseOptions = {}): Promise<PosDatabase> {
  const embeddedOnDisk = !options.databaseUrl && !options.inMemory
  return openStorage(
    POS_SCHEMA,
    embeddedOnDisk ? { ...options, dataDir: options.dataDir ?? DEFAULT_DATA_DIR } : options,
  )
}
