/**
 * Databases for the till's tests, from @kasse/storage/testing with the till's
 * schema: an in-memory PGlite from a migrated template by default, or a fresh
 * database on KASSE_TEST_DATABASE_URL's server (CI sets it).
 */
import { freshStorage, openTestDatabase as openStorageTestDatabase } from '@kasse/storage/testing'
import { POS_SCHEMA, type PosDatabase } from '../src/db/database.ts'

export { TEST_DATABASE_URL, truncateAll } from '@kasse/storage/testing'

/** A migrated till database for one test file. */
export function openTestDatabase(): Promise<PosDatabase> {
  return openStorageTestDatabase(POS_SCHEMA)
}

/**
 * Where a till started with `startPos` in a test keeps its data: a fresh
 * database on KASSE_TEST_DATABASE_URL's server, or else a fresh embedded data
 * directory. `drop` removes it. Several till apps may open it one after the
 * other (a restart).
 */
export function freshTillStorage(): ReturnType<typeof freshStorage> {
  return freshStorage('kasse-pos-wire-', 'pos-data')
}
