import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NOTES, note } from '../test/fixture/schema.ts'
import { clusterTemplateDir } from './cluster-template.ts'
import { type DatabaseSchema, openDatabase } from './database.ts'

const parent = mkdtempSync(join(tmpdir(), 'kasse-storage-template-'))
afterAll(() => rmSync(parent, { recursive: true, force: true }))

const historyOf = async (dataDir: string, schema: DatabaseSchema<typeof NOTES.tables>) => {
  const database = await openDatabase(schema, { dataDir })
  try {
    return await database.withRawTransaction((raw) =>
      raw.query<{ name: string }>(`SELECT name FROM ${schema.historyTable} ORDER BY name`),
    )
  } finally {
    await database.close()
  }
}

describe('a new embedded data directory', () => {
  it('starts as a copy of the machine’s cluster template, which no application’s data reaches', async () => {
    const first = await openDatabase(NOTES, { dataDir: join(parent, 'first') })
    await first.db.insert(note).values({ id: 'n1', title: 'Handleliste', words: 3 })
    await first.close()
    expect(existsSync(join(clusterTemplateDir()!, 'PG_VERSION'))).toBe(true)

    const second = await openDatabase(NOTES, { dataDir: join(parent, 'second') })
    expect(await second.db.select().from(note)).toEqual([])
    await second.close()

    // The first directory is opened as it is, never copied over.
    const reopened = await openDatabase(NOTES, { dataDir: join(parent, 'first') })
    expect(await reopened.db.select().from(note)).toEqual([{ id: 'n1', title: 'Handleliste', words: 3 }])
    await reopened.close()
  })

  it('starts migrated from a template of its migrations, made again when a migration is added', async () => {
    const migrationsDir = join(parent, 'migrations')
    cpSync(NOTES.migrationsDir, migrationsDir, { recursive: true })
    const schema = { ...NOTES, migrationsDir, historyTable: 'notes_template_test_migration' }
    const templates = () =>
      readdirSync(dirname(clusterTemplateDir()!)).filter((name) => name.includes(schema.historyTable))

    expect((await historyOf(join(parent, 'a'), schema)).map((r) => r.name)).toEqual([
      '0001_initial.sql',
      '0002_tag.sql',
    ])
    const [before] = templates()
    expect(templates()).toHaveLength(1)

    writeFileSync(
      join(migrationsDir, '0003_words_default.sql'),
      'ALTER TABLE note ALTER COLUMN words SET DEFAULT 0;\n',
    )
    expect((await historyOf(join(parent, 'b'), schema)).map((r) => r.name)).toEqual([
      '0001_initial.sql',
      '0002_tag.sql',
      '0003_words_default.sql',
    ])
    // The template of the earlier migrations is gone, replaced by one with all three.
    expect(templates()).toHaveLength(1)
    expect(templates()[0]).not.toBe(before)
    // A directory made before the new migration gets it applied the usual way.
    expect(await historyOf(join(parent, 'a'), schema)).toHaveLength(3)
    for (const name of templates()) rmSync(join(dirname(clusterTemplateDir()!), name), { recursive: true })
  })
})
