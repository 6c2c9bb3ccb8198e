import { loadMigrations, migrate } from '@kasse/storage'
import { openTestDatabase, schemaColumns } from '@kasse/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../test/clock.ts'
import { seedCatalogue } from '../catalogue/seed.ts'
import { SHOP_SCHEMA, type ShopDatabase } from './database.ts'

let database: ShopDatabase
beforeAll(async () => {
  database = await openTestDatabase(SHOP_SCHEMA)
})
afterAll(async () => {
  await database.close()
})

describe('the shop’s schema', () => {
  it('is what the drizzle definitions say, column for column', async () => {
    const { inDatabase, inDrizzle } = await schemaColumns(database)
    expect(inDatabase.length).toBeGreaterThan(50)
    expect(inDrizzle).toEqual(inDatabase)
  })

  it('keeps its own migration history, so it can share a database with the till', async () => {
    const applied = await database.withRawTransaction((raw) =>
      raw.query<{ name: string }>('SELECT name FROM shop_migration ORDER BY name'),
    )
    expect(applied.map((r) => r.name)).toEqual(loadMigrations(SHOP_SCHEMA.migrationsDir).map((m) => m.name))
    expect(
      await migrate(database, loadMigrations(SHOP_SCHEMA.migrationsDir), { historyTable: 'shop_migration' }),
    ).toEqual([])
  })

  it('seeds the twelve demo products once, leaving them alone on the next start', async () => {
    const clock = new ManualClock()
    expect(await seedCatalogue(database.db, clock)).toBe(12)
    expect(await seedCatalogue(database.db, clock)).toBe(0)
  })
})
