export {
  type Database,
  type DatabaseSchema,
  type Db,
  type OpenDatabaseOptions,
  openAlongside,
  openDatabase,
  type RawSql,
  type Tables,
} from './database.ts'
export { isUniqueViolation, sqlState } from './errors.ts'
export {
  DEFAULT_HISTORY_TABLE,
  loadMigrations,
  MIGRATION_LOCK_KEY,
  type MigrateOptions,
  type Migration,
  migrate,
} from './migrate.ts'
export { queryRows } from './plain-sql.ts'
