import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openTestDatabase, truncateAll } from '../../test/database.ts'
import { whichDue } from '../db/claims.ts'
import type { PosDatabase } from '../db/database.ts'
import {
  claimOutboxMessages,
  claimStatement,
  completeOutboxMessage,
  enqueueOutboxMessage,
  type OutboxMessage,
  outboxDueCheck,
  retryOutboxMessage,
} from './store.ts'

let database: PosDatabase
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => {
  await database.close()
})
beforeEach(async () => {
  await truncateAll(database)
})

const T0 = new Date('2026-03-02T09:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const LEASE = 30_000

async function enqueue(
  count: number,
  extra: { topic?: string; orderingKey?: string; availableAt?: Date } = {},
) {
  const written: OutboxMessage[] = []
  for (let i = 0; i < count; i++) {
    written.push(
      await enqueueOutboxMessage(
        database.db,
        { topic: extra.topic ?? 'payment.create', payload: { n: written.length }, ...extra },
        T0,
      ),
    )
  }
  return written
}

const claim = (claimer: string, now: Date, limit = 10, topics?: string[]) =>
  claimOutboxMessages(database.db, { claimer, limit, leaseMs: LEASE, now, topics })

describe('claiming the outbox', () => {
  it('is worth a claim, by the worker’s one look, exactly while a message of the topic is due and not leased', async () => {
    const due = async (now: Date, topic = 'payment.create') =>
      (await whichDue(database.db, [outboxDueCheck(database.db, { now, topics: [topic] })]))[0]
    expect(await due(T0)).toBe(false)
    await enqueue(1, { availableAt: at(60) })
    expect(await due(at(59))).toBe(false)
    expect(await due(at(60))).toBe(true)
    expect(await due(at(60), 'payment.release-authorization')).toBe(false)
    const [message] = await claim('till-a', at(60))
    expect(await due(at(61))).toBe(false)
    expect(await due(at(90))).toBe(true)
    await completeOutboxMessage(database.db, { id: message!.id, claimer: 'till-a' }, at(61))
    expect(await due(at(90))).toBe(false)
  })

  it('hands out due messages oldest first, with the payload as written, and not those due later', async () => {
    await enqueue(3)
    await enqueue(1, { availableAt: at(60) })
    const claimed = await claim('till-a', T0)
    expect(claimed.map((m) => m.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }])
    expect(claimed.every((m) => m.claimedBy === 'till-a' && m.attempts === 1)).toBe(true)
    expect(claimed[0]!.claimedUntil).toEqual(at(30))
    for (const m of claimed) await completeOutboxMessage(database.db, { id: m.id, claimer: 'till-a' }, at(1))
    expect(await claim('till-b', at(59))).toEqual([])
    const later = await claim('till-b', at(60))
    expect(later.map((m) => m.availableAt)).toEqual([at(60)])
  })

  it('does not hand out a claimed message again while its lease holds, and does once it has run out', async () => {
    const [message] = await enqueue(1)
    await claim('till-a', T0)
    expect(await claim('till-b', at(29))).toEqual([])
    const retaken = await claim('till-b', at(30))
    expect(retaken.map((m) => [m.id, m.claimedBy, m.attempts])).toEqual([[message!.id, 'till-b', 2]])
    // The first claimer's late completion is refused: the message is the second claimer's now.
    expect(await completeOutboxMessage(database.db, { id: message!.id, claimer: 'till-a' }, at(31))).toBe(
      false,
    )
    expect(await completeOutboxMessage(database.db, { id: message!.id, claimer: 'till-b' }, at(31))).toBe(
      true,
    )
    expect(await claim('till-c', at(120))).toEqual([])
  })

  it('gives a failed message back for a retry at the time asked, with its error', async () => {
    const [message] = await enqueue(1)
    await claim('till-a', T0)
    await retryOutboxMessage(database.db, {
      id: message!.id,
      claimer: 'till-a',
      error: 'platform unavailable',
      retryAt: at(10),
    })
    expect(await claim('till-a', at(9))).toEqual([])
    const [again] = await claim('till-a', at(10))
    expect(again).toMatchObject({ id: message!.id, attempts: 2, lastError: 'platform unavailable' })
  })

  it('hands out messages with the same ordering key one at a time, in order', async () => {
    const [first, second] = await enqueue(2, { orderingKey: 'kasse-payment-1' })
    const [other] = await enqueue(1, { orderingKey: 'kasse-payment-2' })
    const claimed = await claim('till-a', T0)
    expect(claimed.map((m) => m.id)).toEqual([first!.id, other!.id])
    expect(await claim('till-b', at(1))).toEqual([])
    // Even after the first's lease runs out, the second waits: the first is retaken instead.
    expect((await claim('till-b', at(31))).map((m) => m.id)).toEqual([first!.id, other!.id])
    await completeOutboxMessage(database.db, { id: first!.id, claimer: 'till-b' }, at(32))
    expect((await claim('till-b', at(33))).map((m) => m.id)).toEqual([second!.id])
  })

  it('claims only the topics asked for', async () => {
    await enqueue(1, { topic: 'payment.create' })
    await enqueue(1, { topic: 'till.notify' })
    expect((await claim('till-a', T0, 10, ['till.notify'])).map((m) => m.topic)).toEqual(['till.notify'])
  })

  it('never gives two claimers running at once the same message', async () => {
    const written = await enqueue(60)
    const claimedBy = new Map<number, string[]>()
    const claimer = async (name: string) => {
      for (;;) {
        const batch = await claim(name, T0, 7)
        if (batch.length === 0) return
        for (const m of batch) claimedBy.set(m.id, [...(claimedBy.get(m.id) ?? []), name])
      }
    }
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(claimer))
    expect([...claimedBy.keys()].sort((x, y) => x - y)).toEqual(written.map((m) => m.id))
    expect([...claimedBy.values()].filter((names) => names.length !== 1)).toEqual([])
  })

  it('skips rows another claimer’s transaction holds instead of waiting for them (FOR UPDATE SKIP LOCKED)', async () => {
    const written = await enqueue(6)
    const options = { claimer: 'till-a', limit: 3, leaseMs: LEASE, now: T0 }
    expect(claimStatement(database.db, options).toSQL().sql).toMatch(/for update skip locked/i)
    if (database.kind === 'pglite') {
      // PGlite has one connection, so one transaction at a time: nothing to skip.
      // On a PostgreSQL server (KASSE_TEST_DATABASE_URL) the rest runs for real.
      return
    }
    await database.db.transaction(async (tx) => {
      const held = await claimOutboxMessages(tx, options)
      expect(held.map((m) => m.id)).toEqual(written.slice(0, 3).map((m) => m.id))
      // Still inside the first claimer's transaction: its rows are locked and not yet marked.
      const other = await claimOutboxMessages(database.db, { ...options, claimer: 'till-b' })
      expect(other.map((m) => m.id)).toEqual(written.slice(3, 6).map((m) => m.id))
    })
  })
})
