import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureCliBuilt } from '../build.mjs'

/** A small project bundled the way the kasse command is: an entry, a module it imports. */
const root = mkdtempSync(join(tmpdir(), 'kasse-cli-build-'))
const project = { root, entry: join(root, 'main.ts'), distDir: join(root, 'dist') }
afterAll(() => rmSync(root, { recursive: true, force: true }))

const write = (file: string, source: string) => writeFileSync(join(root, file), source)
const build = (): Promise<string> => ensureCliBuilt({ project })
const run = async (bundle: string) => (await import(pathToFileURL(bundle).href)).main() as Promise<string>

describe('the bundled command', () => {
  it('is built on first use and reused while no source changed', async () => {
    write('greeting.ts', "export const greeting: string = 'hei'\n")
    write('main.ts', "import { greeting } from './greeting.ts'\nexport const main = (): string => greeting\n")
    const first = await build()
    expect(await run(first)).toBe('hei')
    const builtAt = statSync(first).mtimeMs

    expect(await build()).toBe(first)
    expect(statSync(first).mtimeMs).toBe(builtAt)
  })

  it('is rebuilt when a source changes, and the next start runs the new code', async () => {
    const before = await build()
    write('greeting.ts', "export const greeting: string = 'hallo'\n")
    const after = await build()
    expect(after).not.toBe(before)
    expect(await run(after)).toBe('hallo')
  })

  it('is rebuilt when a source it was built from is gone', async () => {
    write('main.ts', "import { farewell } from './farewell.ts'\nexport const main = (): string => farewell\n")
    write('farewell.ts', "export const farewell: string = 'ha det'\n")
    const withFarewell = await build()
    expect(await run(withFarewell)).toBe('ha det')
    rmSync(join(root, 'farewell.ts'))
    write('main.ts', "export const main = (): string => 'bare main'\n")
    expect(await run(await build())).toBe('bare main')
  })

  it('keeps each module’s own URL, so files found beside a source are found from the bundle', async () => {
    write('where.ts', 'export const where: string = import.meta.url\n')
    write('main.ts', "import { where } from './where.ts'\nexport const main = (): string => where\n")
    expect(await run(await build())).toBe(pathToFileURL(join(root, 'where.ts')).href)
  })
})
