import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOTES, note } from '../test/fixture/schema.ts'
import type { Database } from './database.ts'
import { queryRows } from './plain-sql.ts'
import { openTestDatabase } from './testing.ts'

let database: Database<typeof NOTES.tables>
beforeAll(async () => {
  database = await openTestDatabase(NOTES)
})
afterAll(async () => {
  await database.close()
})

describe('queryRows', () => {
  it('runs a statement with parameters and answers rows keyed by column or alias', async () => {
    const inserted = await queryRows<{ id: string; wordCount: number }>(
      database.db,
      'INSERT INTO note (id, title, words) VALUES ($1, $2, $3) RETURNING id, words AS "wordCount"',
      ['plain-1', 'Plain one', 12],
    )
    expect(inserted).toEqual([{ id: 'plain-1', wordCount: 12 }])
    // What drizzle reads is what the plain statement wrote.
    expect(await database.db.select().from(note).where(eq(note.id, 'plain-1'))).toEqual([
      { id: 'plain-1', title: 'Plain one', words: 12 },
    ])
  })

  it('parses the types the applications use the same way on either backend', async () => {
    const [row] = await queryRows<Record<string, unknown>>(
      database.db,
      `SELECT $1::timestamptz AS at, $2::jsonb AS data, $3::boolean AS yes, $4::int AS n, $5::text AS t, NULL::text AS nothing`,
      [new Date('2026-11-21T12:34:56.789Z'), { lines: [1, 2] }, true, 42, 'tekst'],
    )
    expect(row).toEqual({
      at: new Date('2026-11-21T12:34:56.789Z'),
      data: { lines: [1, 2] },
      yes: true,
      n: 42,
      t: 'tekst',
      nothing: null,
    })
  })

  it('runs inside the transaction it is given: seen by it, undone with it', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await queryRows(tx, 'INSERT INTO note (id, title, words) VALUES ($1, $2, $3)', ['plain-2', 'Two', 2])
        const seen = await tx.select().from(note).where(eq(note.id, 'plain-2'))
        expect(seen).toHaveLength(1)
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await queryRows(database.db, 'SELECT id FROM note WHERE id = $1', ['plain-2'])).toEqual([])
  })

  it('reports a failing statement as the database error it is', async () => {
    await expect(
      queryRows(database.db, 'INSERT INTO note (id, title, words) VALUES ($1, $2, $3)', ['plain-1', 'x', 1]),
    ).rejects.toMatchObject({ code: '23505' })
  })

  it('refuses what is not a drizzle database', async () => {
    await expect(queryRows({} as never, 'SELECT 1')).rejects.toThrow(/not a drizzle database/)
  })
})
