/** The bench's command line: `npm run bench -- [options]` or `kasse bench [options]`. */
import type { BenchOptions } from '../suites/types.ts'

export const BENCH_USAGE = `usage: kasse bench [options]   (or npm run bench -- [options])

  --suites sandbox,checkout,startup   which suites to run (default: all)
  --clients 1,10,50                   concurrent clients (checkout: tills) per cell
  --cell-ms 5000                      measured time per cell
  --warmup-ms 1500                    warm-up before each cell
  --startup-runs 3                    how many times kasse up is started and timed
  --out bench/results                 where bench.json, bench.md and the SVG charts go
  --database-url postgres://…         checkout: also run every cell with the till on this PostgreSQL
                                      server (in a database of its own, created and dropped by the run)
  --quick                             short cells and one start-up (a smoke run; do not commit its results)
  --profile                           profile the sandbox (node --cpu-prof) under lifecycle load instead;
                                      with --suites checkout, the till under the checkout load
`

export class BenchUsageError extends Error {}

export const DEFAULT_OPTIONS: BenchOptions = {
  suites: [],
  cellMs: 5000,
  warmupMs: 1500,
  concurrency: [1, 10, 50],
  startupRuns: 3,
  outDir: 'bench/results',
  profile: false,
}

// Bounds that keep a run within minutes and its load on this machine modest.
const MAX_CELL_MS = 60_000
const MAX_CLIENTS = 500
const MAX_STARTUP_RUNS = 20

function positiveInteger(name: string, raw: string, max: number): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BenchUsageError(`--${name} must be a whole number from 1 to ${max}, got '${raw}'`)
  }
  return value
}

/**
 * Parses the bench's options; unknown ones are errors, not ignored.
 *
 * @example
 * parseBenchArgs(['--clients', '1,10', '--cell-ms=2000']) // { …, concurrency: [1, 10], cellMs: 2000 }
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { ...DEFAULT_OPTIONS, concurrency: [...DEFAULT_OPTIONS.concurrency] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) throw new BenchUsageError(`unexpected argument '${arg}'`)
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined]
    if (name === 'quick' || name === 'profile') {
      if (inline !== undefined) throw new BenchUsageError(`--${name} takes no value`)
      if (name === 'profile') options.profile = true
      else Object.assign(options, { cellMs: 1500, warmupMs: 500, startupRuns: 1 })
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new BenchUsageError(`--${name} needs a value`)
    switch (name) {
      case 'suites':
        options.suites = value.split(',').filter(Boolean)
        break
      case 'clients':
        options.concurrency = value.split(',').map((n) => positiveInteger(name, n, MAX_CLIENTS))
        break
      case 'cell-ms':
        options.cellMs = positiveInteger(name, value, MAX_CELL_MS)
        break
      case 'warmup-ms':
        options.warmupMs = positiveInteger(name, value, MAX_CELL_MS)
        break
      case 'startup-runs':
        options.startupRuns = positiveInteger(name, value, MAX_STARTUP_RUNS)
        break
      case 'out':
        options.outDir = value
        break
      case 'database-url':
        if (!/^postgres(ql)?:\/\//.test(value)) {
          throw new BenchUsageError(`--database-url must be a postgres:// URL, got '${value}'`)
        }
        options.databaseUrl = value
        break
      default:
        throw new BenchUsageError(`unknown option --${name}`)
    }
  }
  return options
}
