/**
 * The statement cache stands in for PGlite under drizzle: what it returns and
 * throws must be what PGlite's own `query()` returns and throws, on one
 * client, for every kind of column the till and the shop use.
 */
import { PGlite, protocol, type QueryOptions, types } from '@electric-sql/pglite'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/pglite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { note } from '../test/fixture/schema.ts'
import { isUniqueViolation, sqlState } from './errors.ts'
import { MAX_STATEMENTS, PreparedPglite } from './prepared-pglite.ts'

let client: PGlite
let cached: PreparedPglite
beforeAll(async () => {
  client = await PGlite.create()
  cached = new PreparedPglite(client)
  await client.exec(`
    CREATE TABLE thing (
      id text PRIMARY KEY,
      count integer,
      big bigint,
      price numeric(12, 2),
      live boolean,
      at timestamptz,
      day date,
      details jsonb,
      labels text[],
      sizes integer[],
      title text UNIQUE
    );
    CREATE TABLE note (id text PRIMARY KEY, title text NOT NULL UNIQUE, words integer NOT NULL);
  `)
})
afterAll(async () => {
  await client.close()
})
beforeEach(async () => {
  await client.exec('TRUNCATE thing, note')
})

/** drizzle's PGlite driver passes these: dates and numerics arrays left as text. */
const DRIZZLE_PARSERS: QueryOptions['parsers'] = {
  [types.TIMESTAMP]: (value) => value,
  [types.TIMESTAMPTZ]: (value) => value,
  [types.INTERVAL]: (value) => value,
  [types.DATE]: (value) => value,
  1231: (value) => value,
  1115: (value) => value,
  1185: (value) => value,
  1187: (value) => value,
  1182: (value) => value,
}

const INSERT_THING = `INSERT INTO thing (id, count, big, price, live, at, day, details, labels, sizes, title)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`
const full = [
  'a',
  42,
  9_007_199_254_740_993n,
  '12.50',
  true,
  new Date('2026-11-21T10:11:12.345Z'),
  '2026-11-21',
  { phone: 'x', lines: [{ sku: 'A', qty: 2 }], big: 1n },
  ['one', 'two "quoted"', 'three, with comma'],
  [1, 2, 3],
  'first',
]
const empty = ['b', null, undefined, null, null, null, null, null, null, null, null]

describe('results', () => {
  it('are PGlite’s, for every column type, in object and array rows, with and without drizzle’s parsers', async () => {
    const inserted = await cached.query(INSERT_THING, full)
    expect(await cached.query(INSERT_THING, empty)).toMatchObject({
      command: 'INSERT',
      affectedRows: 1,
      rowCount: 1,
    })
    const stockInsert = await client.query('SELECT * FROM thing WHERE id = $1', ['a'])
    expect(inserted.rows).toEqual(stockInsert.rows)
    expect(inserted.fields).toEqual(stockInsert.fields)

    const select = 'SELECT * FROM thing WHERE id = ANY($1) ORDER BY id'
    const optionsList: (QueryOptions | undefined)[] = [
      undefined,
      { rowMode: 'array' },
      { rowMode: 'object', parsers: DRIZZLE_PARSERS },
      { rowMode: 'array', parsers: DRIZZLE_PARSERS },
    ]
    for (const options of optionsList) {
      const stock = await client.query(select, [['a', 'b']], options)
      // The first run prepares the statement, the second runs it from the cache.
      for (let run = 0; run < 2; run++)
        expect(await cached.query(select, [['a', 'b']], options)).toEqual(stock)
    }
    const [row] = (await cached.query<Record<string, unknown>>(select, [['a']])).rows
    expect(row).toEqual({
      id: 'a',
      count: 42,
      big: 9_007_199_254_740_993n,
      price: '12.50',
      live: true,
      at: new Date('2026-11-21T10:11:12.345Z'),
      day: new Date('2026-11-21T00:00:00.000Z'),
      details: { phone: 'x', lines: [{ sku: 'A', qty: 2 }], big: '1' },
      labels: ['one', 'two "quoted"', 'three, with comma'],
      sizes: [1, 2, 3],
      title: 'first',
    })
  })

  it('count and tag the rows an update, a delete and a statement without rows touch, as PGlite does', async () => {
    await cached.query(INSERT_THING, full)
    await cached.query(INSERT_THING, empty)
    for (const [text, params] of [
      ['UPDATE thing SET count = coalesce(count, 0) + 1 WHERE id = ANY($1)', [['a', 'b']]],
      ['UPDATE thing SET count = 7 WHERE id = $1 RETURNING id, count', ['a']],
      ['DELETE FROM thing WHERE id = $1', ['nobody']],
      ['SELECT count(*)::int AS n FROM thing WHERE live IS NOT DISTINCT FROM $1', [null]],
    ] as const) {
      const stock = await client.query(text, [...params])
      const ours = await cached.query(text, [...params])
      expect({ ...ours, rows: [] }).toEqual({ ...stock, rows: [] })
      expect(ours.rows).toEqual(stock.rows)
    }
    expect(await cached.query('SELECT 1 AS one')).toEqual(await client.query('SELECT 1 AS one'))
    expect(await cached.query('')).toEqual(await client.query(''))
  })

  it('are what drizzle returns over PGlite itself: rows mapped to the table’s columns', async () => {
    const stockDb = drizzle(client)
    const cachedDb = drizzle(cached as unknown as PGlite)
    await cachedDb.insert(note).values([
      { id: 'n1', title: 'one', words: 3 },
      { id: 'n2', title: 'two', words: 5 },
    ])
    const read = (db: typeof stockDb) => db.select().from(note).where(eq(note.id, 'n2'))
    expect(await read(cachedDb)).toEqual(await read(stockDb))
    expect(await read(cachedDb)).toEqual([{ id: 'n2', title: 'two', words: 5 }])
    const total = (db: typeof stockDb) =>
      db.execute(sql`SELECT sum(${note.words})::int AS total FROM ${note}`)
    expect(await total(cachedDb)).toEqual(await total(stockDb))
  })

  it('are right past the bound on kept statements: the least recently used are closed and parsed again', async () => {
    const texts = Array.from({ length: MAX_STATEMENTS + 20 }, (_, i) => `SELECT $1::int + ${i} AS n`)
    for (const [i, text] of texts.entries())
      expect((await cached.query(text, [1])).rows).toEqual([{ n: 1 + i }])
    expect(cached.cachedStatements).toBeLessThanOrEqual(MAX_STATEMENTS)
    expect((await cached.query(texts[0]!, [2])).rows).toEqual([{ n: 2 }])
    const prepared = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_prepared_statements',
    )
    expect(prepared.rows[0]!.n).toBeLessThanOrEqual(MAX_STATEMENTS + 1)
  })
})

describe('errors', () => {
  it('are PGlite’s DatabaseError with its code and constraint, and the session goes on', async () => {
    await cached.query(INSERT_THING, full)
    const duplicate = ['c', ...full.slice(1)]
    const stockError = await client.query(INSERT_THING, duplicate).catch((error: unknown) => error)
    for (let run = 0; run < 2; run++) {
      const error = await cached.query(INSERT_THING, duplicate).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(protocol.messages.DatabaseError)
      expect(error).toMatchObject({
        code: '23505',
        constraint: 'thing_title_key',
        message: (stockError as Error).message,
        query: INSERT_THING,
        params: duplicate,
      })
      expect(isUniqueViolation(error, 'thing_title_key')).toBe(true)
    }
    expect((await cached.query('SELECT id FROM thing')).rows).toEqual([{ id: 'a' }])
  })

  it('of syntax and of parameters surface as PGlite’s, and leave nothing broken behind', async () => {
    const syntax = await cached.query('SELEC id FROM thing WHERE id = $1', ['a']).catch((e: unknown) => e)
    expect(sqlState(syntax)).toBe('42601')
    const input = await cached
      .query('SELECT id FROM thing WHERE count = $1', ['many'])
      .catch((e: unknown) => e)
    expect(sqlState(input)).toBe('22P02')
    const stockInput = await client
      .query('SELECT id FROM thing WHERE count = $1', ['many'])
      .catch((e: unknown) => e)
    expect((input as Error).message).toBe((stockInput as Error).message)
    expect((await cached.query('SELECT id FROM thing WHERE count = $1', [1])).rows).toEqual([])
  })

  it('inside a transaction abort it: the transaction rolls back whole and the client is usable after', async () => {
    await cached.query(INSERT_THING, full)
    const failed = cached
      .transaction(async (tx) => {
        await tx.query('INSERT INTO note (id, title, words) VALUES ($1, $2, $3)', ['n1', 'kept?', 1])
        await tx.query(INSERT_THING, ['c', ...full.slice(1)])
      })
      .catch((e: unknown) => e)
    expect(sqlState(await failed)).toBe('23505')
    expect((await cached.query('SELECT id FROM note')).rows).toEqual([])
    expect((await cached.query('SELECT id FROM thing')).rows).toEqual([{ id: 'a' }])
  })
})

describe('transactions', () => {
  it('nest as drizzle’s savepoints: an inner one that throws is undone, the outer one commits', async () => {
    const db = drizzle(cached as unknown as PGlite)
    await db.transaction(async (tx) => {
      await tx.insert(note).values({ id: 'n1', title: 'outer', words: 1 })
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(note).values({ id: 'n2', title: 'inner', words: 2 })
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      await tx.transaction(async (inner) => {
        await inner.insert(note).values({ id: 'n3', title: 'inner kept', words: 3 })
      })
      await tx.insert(note).values({ id: 'n4', title: 'after', words: 4 })
    })
    expect((await db.select({ id: note.id }).from(note).orderBy(note.id)).map((n) => n.id)).toEqual([
      'n1',
      'n3',
      'n4',
    ])
  })

  it('go on after a refusal inside a savepoint is rolled back to, as the till’s conflict handling does', async () => {
    const db = drizzle(cached as unknown as PGlite)
    await db.insert(note).values({ id: 'n1', title: 'taken', words: 1 })
    await db.transaction(async (tx) => {
      const refused = await tx
        .transaction((inner) => inner.insert(note).values({ id: 'n2', title: 'taken', words: 2 }))
        .catch((e: unknown) => e)
      expect(isUniqueViolation(refused)).toBe(true)
      await tx.insert(note).values({ id: 'n3', title: 'free', words: 3 })
    })
    expect((await db.select({ id: note.id }).from(note).orderBy(note.id)).map((n) => n.id)).toEqual([
      'n1',
      'n3',
    ])
  })

  it('run one at a time with the statements outside them, as PGlite’s do', async () => {
    await cached.query('INSERT INTO note (id, title, words) VALUES ($1, $2, $3)', ['n', 'counter', 0])
    const bump = 'UPDATE note SET words = words + 1 WHERE id = $1'
    const work = Array.from({ length: 20 }, (_, i) =>
      i % 4 === 0
        ? cached.transaction(async (tx) => {
            const before = await tx.query<{ words: number }>('SELECT words FROM note WHERE id = $1', ['n'])
            await tx.query(bump, ['n'])
            const after = await tx.query<{ words: number }>('SELECT words FROM note WHERE id = $1', ['n'])
            expect(after.rows[0]!.words).toBe(before.rows[0]!.words + 1)
          })
        : cached.query(bump, ['n']),
    )
    await Promise.all(work)
    expect((await cached.query('SELECT words FROM note WHERE id = $1', ['n'])).rows).toEqual([{ words: 20 }])
  })

  it('deliver a pg_notify once, after COMMIT, and never after ROLLBACK', async () => {
    const payloads: string[] = []
    const unlisten = await client.listen('pgfast', (payload) => payloads.push(payload))
    try {
      await cached.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', ['pgfast', 'committed'])
        const kept = cached.cachedStatements
        await tx.query("NOTIFY pgfast, 'as a statement'")
        expect(cached.cachedStatements).toBe(kept)
        await new Promise((resolve) => setTimeout(resolve, 0))
        expect(payloads).toEqual([])
      })
      await expect(
        cached.transaction(async (tx) => {
          await tx.query('SELECT pg_notify($1, $2)', ['pgfast', 'rolled back'])
          throw new Error('undo')
        }),
      ).rejects.toThrow('undo')
      await cached.query('SELECT pg_notify($1, $2)', ['pgfast', 'on its own'])
      await new Promise((resolve) => setTimeout(resolve, 0))
      expect(payloads).toEqual(['committed', 'as a statement', 'on its own'])
    } finally {
      await unlisten()
    }
  })
})

describe('schema changes', () => {
  it('are seen by the next statement: ALTER TABLE through the client, in a transaction, or behind its back', async () => {
    await client.exec('CREATE TABLE shape (id text PRIMARY KEY)')
    await cached.query('INSERT INTO shape (id) VALUES ($1)', ['s'])
    const read = () => cached.query('SELECT * FROM shape WHERE id = $1', ['s'])
    expect((await read()).rows).toEqual([{ id: 's' }])

    await cached.query("ALTER TABLE shape ADD COLUMN colour text NOT NULL DEFAULT 'red'")
    expect((await read()).rows).toEqual([{ id: 's', colour: 'red' }])

    await cached.transaction(async (tx) => {
      await tx.exec('ALTER TABLE shape ADD COLUMN size integer NOT NULL DEFAULT 3')
      expect((await tx.query('SELECT * FROM shape WHERE id = $1', ['s'])).rows).toEqual([
        { id: 's', colour: 'red', size: 3 },
      ])
    })
    expect((await read()).rows).toEqual([{ id: 's', colour: 'red', size: 3 }])

    // Undone by ROLLBACK: the statement prepared inside the transaction saw a column that is gone.
    await expect(
      cached.transaction(async (tx) => {
        await tx.exec('ALTER TABLE shape ADD COLUMN gone boolean')
        expect((await tx.query('SELECT * FROM shape WHERE id = $1', ['s'])).rows[0]).toHaveProperty('gone')
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect((await read()).rows).toEqual([{ id: 's', colour: 'red', size: 3 }])

    // DDL the cache never saw (PGlite used directly): PostgreSQL refuses the stale plan and it is parsed again.
    await client.exec('ALTER TABLE shape DROP COLUMN size')
    expect((await read()).rows).toEqual([{ id: 's', colour: 'red' }])
    await client.exec('ALTER TABLE shape ALTER COLUMN colour TYPE varchar(10)')
    expect(await read()).toEqual(await client.query('SELECT * FROM shape WHERE id = $1', ['s']))
  })
})
