import { describe, expect, it } from 'vitest'
import { BenchUsageError, DEFAULT_OPTIONS, parseBenchArgs } from './options.ts'

describe('parseBenchArgs', () => {
  it('runs everything at 1, 10 and 50 clients by default', () => {
    expect(parseBenchArgs([])).toEqual(DEFAULT_OPTIONS)
    expect(DEFAULT_OPTIONS.concurrency).toEqual([1, 10, 50])
  })

  it('takes values after the flag or after =', () => {
    const options = parseBenchArgs(['--clients', '1,10', '--cell-ms=2000', '--suites', 'startup'])
    expect(options).toMatchObject({ concurrency: [1, 10], cellMs: 2000, suites: ['startup'] })
  })

  it('makes --quick a short run with one start-up, and --profile a switch', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ cellMs: 1500, warmupMs: 500, startupRuns: 1 })
    expect(parseBenchArgs(['--profile']).profile).toBe(true)
  })

  it('refuses unknown options and unbounded load', () => {
    expect(() => parseBenchArgs(['--clinets', '5'])).toThrow(BenchUsageError)
    expect(() => parseBenchArgs(['--clients', '0'])).toThrow(/from 1 to 500/)
    expect(() => parseBenchArgs(['--cell-ms', '600000'])).toThrow(BenchUsageError)
    expect(() => parseBenchArgs(['--cell-ms'])).toThrow(/needs a value/)
  })

  it('takes a PostgreSQL server for the checkout cells, and nothing else as one', () => {
    expect(parseBenchArgs([]).databaseUrl).toBeUndefined()
    const url = 'postgres://postgres@127.0.0.1:5432/postgres'
    expect(parseBenchArgs(['--database-url', url]).databaseUrl).toBe(url)
    expect(() => parseBenchArgs(['--database-url', '.kasse/pos-data'])).toThrow(/postgres:\/\/ URL/)
  })
})
