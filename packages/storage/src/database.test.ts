import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOTES, note, OTHER, otherThing, tag } from '../test/fixture/schema.ts'
import { type Database, openAlongside, openDatabase } from './database.ts'
import { isUniqueViolation, sqlState } from './errors.ts'
import { loadMigrations, migrate } from './migrate.ts'
import { openTestDatabase, schemaColumns, truncateAll } from './testing.ts'

let database: Database<typeof NOTES.tables>
beforeAll(async () => {
  database = await openTestDatabase(NOTES)
})
afterAll(async () => {
  await database.close()
})

const historyOf = (db: Database, table: string) =>
  db.withRawTransaction((raw) => raw.query<{ name: string }>(`SELECT name FROM ${table} ORDER BY name`))

describe('migrations', () => {
  it('have run when a test database opens, recorded in the schema’s own history table', async () => {
    expect((await historyOf(database, 'notes_migration')).map((r) => r.name)).toEqual([
      '0001_initial.sql',
      '0002_tag.sql',
    ])
  })

  it('apply each file once, however often the application starts', async () => {
    expect(
      await migrate(database, loadMigrations(NOTES.migrationsDir), { historyTable: 'notes_migration' }),
    ).toEqual([])
  })

  it('refuse a database whose applied migration was since edited', async () => {
    const edited = loadMigrations(NOTES.migrationsDir).map((m, i) => (i === 0 ? { ...m, checksum: 'x' } : m))
    await expect(migrate(database, edited, { historyTable: 'notes_migration' })).rejects.toThrow(
      /0001_initial.sql was changed after it was applied/,
    )
  })

  it('let two applications share one database: same file names, separate histories', async () => {
    await migrate(database, loadMigrations(OTHER.migrationsDir), { historyTable: OTHER.historyTable })
    expect((await historyOf(database, 'other_migration')).map((r) => r.name)).toEqual(['0001_initial.sql'])
    expect(await historyOf(database, 'notes_migration')).toHaveLength(2)
  })

  it('let several processes migrate at once: one applies, the others wait and find nothing to do', async () => {
    const fresh = await openTestDatabase(NOTES)
    try {
      await fresh.withRawTransaction((raw) =>
        raw.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO public'),
      )
      const all = loadMigrations(NOTES.migrationsDir)
      const options = { historyTable: 'notes_migration' }
      const runs = await Promise.all([migrate(fresh, all, options), migrate(fresh, all, options)])
      expect(runs.flat()).toEqual(['0001_initial.sql', '0002_tag.sql'])
    } finally {
      await fresh.close()
    }
  })

  it('take only a plain identifier as the history table', async () => {
    await expect(migrate(database, [], { historyTable: 'x; DROP TABLE note' })).rejects.toThrow(
      /lower-case SQL identifier/,
    )
  })
})

describe('refusals', () => {
  it('are recognised by SQLSTATE and constraint through drizzle’s wrapping', async () => {
    await truncateAll(database)
    await database.db.insert(note).values({ id: 'n1', title: 'Handleliste', words: 3 })
    const duplicate = await database.db
      .insert(note)
      .values({ id: 'n2', title: 'Handleliste', words: 1 })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(isUniqueViolation(duplicate)).toBe(true)
    expect(isUniqueViolation(duplicate, 'note_title_key')).toBe(true)
    expect(isUniqueViolation(duplicate, 'another_constraint')).toBe(false)
    const negative = await database.db
      .insert(note)
      .values({ id: 'n3', title: 'Tom', words: -1 })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(sqlState(negative)).toBe('23514')
    expect(isUniqueViolation(negative)).toBe(false)
    expect(sqlState(new Error('not a database error'))).toBeUndefined()
  })

  it('schemaColumns sees the migrated tables exactly as drizzle defines them', async () => {
    const { inDatabase, inDrizzle } = await schemaColumns(database)
    expect(inDatabase).toEqual([
      'note.id text NO',
      'note.title text NO',
      'note.words integer NO',
      'tag.name text NO',
      'tag.note_id text NO',
    ])
    expect(inDrizzle).toEqual(inDatabase)
  })

  it('truncateAll empties every table of the schema, foreign keys and all', async () => {
    await truncateAll(database)
    await database.db.insert(note).values({ id: 'n1', title: 'A', words: 1 })
    await database.db.insert(tag).values({ noteId: 'n1', name: 'mat' })
    await truncateAll(database)
    expect(await database.db.select().from(note)).toEqual([])
    expect(await database.db.select().from(tag)).toEqual([])
  })
})

describe('the embedded database', () => {
  it('is opened by one process at a time: a second open is refused until the first closes', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kasse-storage-lock-'))
    const dataDir = join(parent, 'data')
    try {
      const first = await openDatabase(NOTES, { dataDir })
      await expect(openDatabase(NOTES, { dataDir })).rejects.toThrow(
        `the notes app: the database in ${dataDir} is in use by process ${process.pid}`,
      )
      await first.close()
      // A lock left behind by a process that died is taken over.
      writeFileSync(`${dataDir}.lock`, '2147483646')
      const second = await openDatabase(NOTES, { dataDir })
      expect((await historyOf(second, 'notes_migration')).length).toBe(2)
      await second.close()
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('holds a second application alongside the first: one data directory, each its own tables and history', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kasse-storage-alongside-'))
    const dataDir = join(parent, 'data')
    try {
      const notes = await openDatabase(NOTES, { dataDir })
      const other = await openAlongside(notes, OTHER)
      expect((await historyOf(other, 'other_migration')).map((r) => r.name)).toEqual(['0001_initial.sql'])
      await other.db.insert(otherThing).values({ id: 'o1' })
      await notes.db.insert(note).values({ id: 'n1', title: 'Handleliste', words: 3 })
      await notes.db.transaction((tx) => tx.insert(note).values({ id: 'n2', title: 'Dagbok', words: 1 }))
      // Closing the second application's view leaves the database to its opener.
      await other.close()
      expect(await notes.db.select().from(note)).toHaveLength(2)
      await notes.close()

      // What was written in and out of transactions is on disk.
      const reopened = await openDatabase(NOTES, { dataDir })
      expect(
        (await reopened.db.select({ id: note.id }).from(note).orderBy(note.id)).map((n) => n.id),
      ).toEqual(['n1', 'n2'])
      const again = await openAlongside(reopened, OTHER)
      expect(await again.db.select().from(otherThing)).toEqual([{ id: 'o1' }])
      expect(await historyOf(again, 'other_migration')).toHaveLength(1)
      await reopened.close()
    } finally {
      rmSync(parent, { recursive: true, force: true })
    }
  })

  it('needs to be told where it lives', async () => {
    await expect(openDatabase(NOTES, {})).rejects.toThrow(
      'the notes app: give a databaseUrl, a dataDir or inMemory',
    )
  })
})
