/**
 * The checkout suite end to end with a handful of checkouts: `kasse sandbox`
 * and `kasse pos` started as processes, the bench tills prepared and signed
 * in, each checkout registered through the till's event stream, and the
 * report's tables, targets and chart filled in. Nothing here is timed: the
 * numbers are the bench's to report, not the test's to judge.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS } from '../lib/options.ts'
import { Children } from '../lib/processes.ts'
import { checkoutSuite } from './checkout.ts'
import type { BenchContext } from './types.ts'

const children = new Children()
afterAll(() => children.stopAll())

describe('the checkout suite', () => {
  it(
    'runs checkouts at one and at two tills until each is registered, at the till and at the floor, and reports them',
    {
      timeout: 180_000,
    },
    async () => {
      const ctx: BenchContext = {
        root: resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
        // A cell ends after two checkouts; the time limit is only a bound.
        options: { ...DEFAULT_OPTIONS, concurrency: [1, 2], cellMs: 60_000, warmupMs: 60_000 },
        children,
        log: () => {},
      }
      const result = await checkoutSuite({ maxCheckoutsPerCell: 2 }).run(ctx)

      const cells = (
        result.data as {
          cells: Array<{
            tills: number
            database: string
            checkouts: number
            errors: number
            errorSamples: string[]
          }>
        }
      ).cells
      expect(cells.map((cell) => [cell.database, cell.tills])).toEqual([
        ['embedded', 1],
        ['embedded', 2],
        ['floor', 1],
        ['floor', 2],
      ])
      for (const cell of cells) {
        expect(cell.errorSamples).toEqual([])
        expect(cell.errors).toBe(0)
        expect(cell.checkouts).toBeGreaterThanOrEqual(2)
      }
      const [checkouts, steps, memory] = result.tables
      const floor = 'floor: node:http + PGlite, 7 statements'
      expect(checkouts!.rows.map((row) => row.slice(0, 2))).toEqual([
        ['embedded (PGlite)', '1'],
        ['embedded (PGlite)', '2'],
        [floor, '1'],
        [floor, '2'],
      ])
      expect(steps!.headers).toEqual([
        'database',
        'tills',
        'open sale',
        'add line',
        'customer',
        'pay',
        'approve',
      ])
      // Every process measured, idle and under load.
      expect(memory!.rows.map((row) => row.slice(0, 2))).toEqual([
        ['embedded (PGlite)', 'till (kasse pos)'],
        ['embedded (PGlite)', 'sandbox (kasse sandbox)'],
        [floor, 'the checkout floor'],
        [floor, 'sandbox (kasse sandbox)'],
      ])
      for (const row of memory!.rows) expect(row.slice(3)).not.toContain('—')
      expect(result.charts?.[0]?.bars).toHaveLength(12)
      // The till's targets only, the floor's are not judged; neither target's concurrency ran.
      expect(result.targets.map((target) => [target.id, target.met])).toEqual([
        ['checkout-p99-10', undefined],
        ['checkout-p99-50', undefined],
      ])
      // Every process the suite started has been stopped.
      expect(children.pids()).toEqual([])
    },
  )
})
