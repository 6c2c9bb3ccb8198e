/**
 * The live hub: a transaction's news reaches this process's screens once it
 * has committed, never when it rolls back, each thing once and as the
 * transaction last wrote it; on PGlite and on PostgreSQL alike.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDatabase } from '../../test/database.ts'
import type { PosDatabase } from '../db/database.ts'
import { LiveEvents, type LiveNotice } from './hub.ts'

let database: PosDatabase
let live: LiveEvents

beforeAll(async () => {
  database = await openTestDatabase()
  live = new LiveEvents(database)
  await live.start()
})

afterAll(async () => {
  await live.close()
  await database.close()
})

/** Collects what a till's screens hear, with the rows handed over. */
function follow(tillId: string): { notice: LiveNotice; current: unknown }[] {
  const heard: { notice: LiveNotice; current: unknown }[] = []
  live.subscribe(tillId, (notice, current) => heard.push({ notice, current }))
  return heard
}

async function eventually(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !check(); tries++) await new Promise((r) => setTimeout(r, 10))
  expect(check()).toBe(true)
}

describe('news of a transaction', () => {
  it('arrives after the commit, each thing once as last written, with the rows this process wrote', async () => {
    const heard = follow('till-a')
    let seenInside = -1
    await live.transaction(database.db, async (tx, news) => {
      news.add({ tillId: 'till-a', topic: 'payment', id: 'pay-1' }, { state: 'authorized' })
      news.add({ tillId: 'till-a', topic: 'sale', id: 'sale-1' })
      news.add({ tillId: 'till-a', topic: 'payment', id: 'pay-1' }, { state: 'capturing' })
      await tx.execute(sql`SELECT 1`)
      seenInside = heard.length
    })
    expect(seenInside).toBe(0)
    await eventually(() => heard.length === 2)
    expect(heard).toEqual([
      { notice: { tillId: 'till-a', topic: 'sale', id: 'sale-1' }, current: undefined },
      { notice: { tillId: 'till-a', topic: 'payment', id: 'pay-1' }, current: { state: 'capturing' } },
    ])
  })

  it('that rolls back is never heard, and a notice after it is', async () => {
    const heard = follow('till-b')
    await expect(
      live.transaction(database.db, async (_tx, news) => {
        news.add({ tillId: 'till-b', topic: 'payment', id: 'pay-2' }, { state: 'captured' })
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')
    await live.transaction(database.db, async (tx, _news) => {
      await live.notify(tx, { tillId: 'till-b', topic: 'sale', id: 'sale-2' })
    })
    await eventually(() => heard.length === 1)
    expect(heard).toEqual([{ notice: { tillId: 'till-b', topic: 'sale', id: 'sale-2' }, current: undefined }])
  })
})
