/**
 * The checkout suite with `--database-url`: every cell again with the till on
 * a PostgreSQL server, in a database of the run's own that is dropped after.
 * Collected only where there is a server (KASSE_TEST_DATABASE_URL: CI's
 * second pass), like the till's scale-out test. Nothing here is timed.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS } from '../lib/options.ts'
import { Children } from '../lib/processes.ts'
import { checkoutSuite } from './checkout.ts'
import type { BenchContext } from './types.ts'

const children = new Children()
afterAll(() => children.stopAll())

const serverUrl = process.env.KASSE_TEST_DATABASE_URL

async function benchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'kasse_bench_%'",
    )
    return rows.map((row) => row.datname)
  } finally {
    await client.end()
  }
}

describe('the checkout suite on a PostgreSQL server', () => {
  it(
    'runs the cells on the embedded database and again on the server, measures the server, and drops its database',
    { timeout: 240_000 },
    async () => {
      if (!serverUrl) throw new Error('this test needs KASSE_TEST_DATABASE_URL (a PostgreSQL server)')
      const before = await benchDatabases()
      const ctx: BenchContext = {
        root: resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
        options: {
          ...DEFAULT_OPTIONS,
          concurrency: [1],
          cellMs: 60_000,
          warmupMs: 60_000,
          databaseUrl: serverUrl,
        },
        children,
        log: () => {},
      }
      // The floor runs on PGlite only; checkout.test.ts covers it.
      const result = await checkoutSuite({ maxCheckoutsPerCell: 2, floor: false }).run(ctx)

      const cells = (
        result.data as {
          cells: Array<{
            database: string
            errors: number
            checkouts: number
            processes: Record<string, { cpuMsPerCheckout?: number }>
          }>
        }
      ).cells
      expect(cells.map((cell) => cell.database)).toEqual(['embedded', 'postgresql'])
      for (const cell of cells) {
        expect(cell.errors).toBe(0)
        expect(cell.checkouts).toBeGreaterThanOrEqual(2)
      }
      // The server runs on this machine in CI, so its process tree's CPU is measured.
      expect(cells[1]!.processes.database?.cpuMsPerCheckout).toBeGreaterThan(0)
      const [checkouts] = result.tables
      expect(checkouts!.headers[0]).toBe('database')
      expect(checkouts!.headers).toContain('database server CPU ms/checkout')
      expect(checkouts!.rows.map((row) => row[0])).toEqual(['embedded (PGlite)', 'PostgreSQL server'])
      // Two targets per database, each named by it.
      expect(result.targets.map((target) => target.id)).toEqual([
        'checkout-p99-10',
        'checkout-p99-50',
        'checkout-p99-10-postgresql',
        'checkout-p99-50-postgresql',
      ])
      expect(await benchDatabases()).toEqual(before)
      expect(children.pids()).toEqual([])
    },
  )
})
