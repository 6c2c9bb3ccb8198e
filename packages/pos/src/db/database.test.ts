import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  loadMigrations as loadMigrationsIn,
  type Migration,
  migrate as migrateSchema,
  sqlState,
} from '@kasse/storage'
import { schemaColumns } from '@kasse/storage/testing'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDatabase, truncateAll } from '../../test/database.ts'
import { ManualClock } from '../clock.ts'
import { DEMO_CASHIERS, DEMO_STORE, DEMO_TILLS, seedDemo } from '../seed/demo.ts'
import { openDatabase, POS_SCHEMA, type PosDatabase } from './database.ts'
import { paymentAttempt, sale, tables } from './schema.ts'

const loadMigrations = () => loadMigrationsIn(POS_SCHEMA.migrationsDir)
const migrate = (on: PosDatabase, migrations: Migration[] = loadMigrations()) =>
  migrateSchema(on, migrations, { historyTable: POS_SCHEMA.historyTable })

let database: PosDatabase
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => {
  await database.close()
})

describe('the schema', () => {
  it('is what the drizzle definitions say, column for column', async () => {
    const { inDatabase, inDrizzle } = await schemaColumns(database)
    expect(inDatabase.length).toBeGreaterThan(0)
    expect(inDrizzle).toEqual(inDatabase)
    // …and no table in the database that drizzle does not know (the migration history aside).
    const inSchema = await database.withRawTransaction((raw) =>
      raw.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name <> 'kasse_migration'`,
      ),
    )
    const drizzleTables = Object.values(tables).map((table) => getTableConfig(table).name)
    expect(inSchema.map((r) => r.table_name).sort()).toEqual(drizzleTables.sort())
  })

  it('applies each migration once, however often the till starts', async () => {
    expect(await migrate(database)).toEqual([])
    const applied = await database.withRawTransaction((raw) =>
      raw.query<{ name: string }>('SELECT name FROM kasse_migration ORDER BY name'),
    )
    expect(applied.map((r) => r.name)).toEqual(loadMigrations().map((m) => m.name))
  })

  it('refuses to start on a database whose applied migration was since edited', async () => {
    const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m))
    await expect(migrate(database, edited)).rejects.toThrow(/was changed after it was applied/)
  })

  it('lets several processes migrate at once: one applies, the others wait and find nothing to do', async () => {
    const fresh = await openTestDatabase()
    try {
      // The test database arrives migrated; start over from an empty schema.
      await fresh.withRawTransaction((raw) =>
        raw.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO public'),
      )
      const runs = await Promise.all([migrate(fresh), migrate(fresh), migrate(fresh)])
      expect(runs.flat()).toEqual(loadMigrations().map((m) => m.name))
    } finally {
      await fresh.close()
    }
  })
})

describe('payment attempts', () => {
  const now = new Date('2026-03-02T09:00:00.000Z')
  const attempt = (overrides: Partial<typeof paymentAttempt.$inferInsert> = {}) => ({
    id: `pay_${Math.random().toString(36).slice(2)}`,
    saleId: 'sale_1',
    storeId: DEMO_STORE.id,
    msn: DEMO_STORE.msn,
    reference: `kasse-${Math.random().toString(36).slice(2, 12)}`,
    idempotencyKey: `key-${Math.random().toString(36).slice(2)}`,
    state: 'creating',
    currency: 'NOK' as const,
    amount: 5180,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  })
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => 'accepted',
      (error: unknown) => sqlState(error),
    )

  it('are kept to the ledger’s rules by the database itself, whichever process writes them', async () => {
    await truncateAll(database)
    await seedDemo(database.db, new ManualClock(now.getTime()))
    await database.db.insert(sale).values({
      id: 'sale_1',
      storeId: DEMO_STORE.id,
      tillId: DEMO_TILLS[0].id,
      openedBy: DEMO_CASHIERS[0].id,
      state: 'awaiting_payment',
      currency: 'NOK',
      receiptNumber: 1,
      openedAt: now,
      updatedAt: now,
    })
    const insert = (row: ReturnType<typeof attempt>) => database.db.insert(paymentAttempt).values(row)
    const first = attempt({ reference: 'kasse-till-1-0001', idempotencyKey: 'attempt-0001' })
    expect(await refusal(insert(first))).toBe('accepted')
    // unique_violation: a retry reuses its attempt, it never writes a second with the same key or reference
    expect(await refusal(insert(attempt({ idempotencyKey: 'attempt-0001' })))).toBe('23505')
    expect(await refusal(insert(attempt({ reference: 'kasse-till-1-0001' })))).toBe('23505')
    // check_violation: the platform's reference format; captured ≤ authorized ≤ amount; refunded ≤ captured
    expect(await refusal(insert(attempt({ reference: 'short' })))).toBe('23514')
    expect(await refusal(insert(attempt({ authorizedAmount: 5181 })))).toBe('23514')
    expect(await refusal(insert(attempt({ authorizedAmount: 5180, capturedAmount: 5181 })))).toBe('23514')
    expect(
      await refusal(insert(attempt({ authorizedAmount: 5180, capturedAmount: 100, refundedAmount: 101 }))),
    ).toBe('23514')
    expect(await refusal(insert(attempt({ saleId: 'sale_missing' })))).toBe('23503')
  })
})

describe('the embedded database', () => {
  it('is opened by one process at a time: a second open is refused until the first closes', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kasse-pos-lock-'))
    const dataDir = join(parent, 'pos-data')
    try {
      const first = await openDatabase({ dataDir })
      await expect(openDatabase({ dataDir })).rejects.toThrow(`is in use by process ${process.pid}`)
      await first.close()
      // A lock left behind by a process that died is taken over.
      writeFileSync(`${dataDir}.lock`, '2147483646')
      const second = await openDatabase({ dataDir })
      await second.close()
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })
})
