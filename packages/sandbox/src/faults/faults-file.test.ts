/** `--faults` and `--fault-seed`: the file read and checked, its errors naming file and field. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FaultsFileError, faultsFromCommandLine } from './faults-file.ts'

const dir = mkdtempSync(join(tmpdir(), 'kasse-faults-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: string): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe('faultsFromCommandLine', () => {
  it('reads a seed and rules, or a bare array of rules, and lets --fault-seed override the seed', () => {
    const rules = [{ kind: '5xx-after-commit', endpoint: 'POST /epayment/v1/payments/:reference/capture' }]
    const full = file('full.json', JSON.stringify({ seed: 7, rules }))
    expect(faultsFromCommandLine({ file: full })).toEqual({ seed: 7, rules })
    expect(faultsFromCommandLine({ file: full, seed: '42' })).toEqual({ seed: 42, rules })
    expect(faultsFromCommandLine({ file: file('bare.json', JSON.stringify(rules)) })).toEqual({ rules })
    expect(faultsFromCommandLine({ seed: '0' })).toEqual({ seed: 0 })
  })

  it.each([
    ['{"rules": [{"kind": "latency"}]}', 'rules[0].latencyMs: is required for a latency rule'],
    ['{"rules": [{"kind": "boom"}]}', 'rules[0].kind: must be one of'],
    ['{"seed": "x"}', 'seed: must be an integer'],
    ['{"seed": 1, "rulez": []}', 'rulez: is not a field'],
    ['{ not json', 'bad.json: '],
  ])('refuses %s saying %s', (content, message) => {
    const path = file('bad.json', content)
    expect(() => faultsFromCommandLine({ file: path })).toThrow(FaultsFileError)
    expect(() => faultsFromCommandLine({ file: path })).toThrow(message)
  })

  it('refuses a missing file and a seed that is not a 32-bit integer', () => {
    expect(() => faultsFromCommandLine({ file: join(dir, 'missing.json') })).toThrow(/missing\.json: ENOENT/)
    expect(() => faultsFromCommandLine({ seed: '-1' })).toThrow('--fault-seed must be an integer')
    expect(() => faultsFromCommandLine({ seed: '4294967296' })).toThrow(
      '--fault-seed: seed: must be an integer',
    )
  })
})
