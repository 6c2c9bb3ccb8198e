import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NOTES, note } from '../test/fixture/schema.ts'
import { clusterTemplateDir } from './cluster-template.ts'
import { openDatabase } from './database.ts'

const parent = mkdtempSync(join(tmpdir(), 'kasse-storage-template-'))
afterAll(() => rmSync(parent, { recursive: true, force: true }))

describe('a new embedded data directory', () => {
  it('starts as a copy of the machine’s empty cluster, which no application’s data reaches', async () => {
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
})
