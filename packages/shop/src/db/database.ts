/**
 * The shop's database: its schema for @kasse/storage, which opens it on PGlite
 * (a data directory by default) or a PostgreSQL server (DATABASE_URL). The
 * shop's tables and migration history are its own (`shop_…`), so it may share
 * a server database with the till.
 */
import { fileURLToPath } from 'node:url'
import type { Database, DatabaseSchema, Db } from '@kasse/storage'
import { tables } from './schema.ts'

export type ShopTables = typeof tables
export type ShopDb = Db<ShopTables>
export type ShopDatabase = Database<ShopTables>

export const SHOP_SCHEMA: DatabaseSchema<ShopTables> = {
  label: 'the shop',
  tables,
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  historyTable: 'shop_migration',
}

/** Where the embedded database lives when nothing else is said. */
export const DEFAULT_SHOP_DATA_DIR = '.kasse/shop-data'
