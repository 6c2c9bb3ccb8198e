/**
 * `npm run bench` / `kasse bench`: runs the suites, writes bench/results/
 * (bench.json with the machine, bench.md, throughput.svg) and prints the
 * table. Measurements are never pass/fail tests: a missed target is reported,
 * and the command fails only when a suite could not run.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { type CpuProfile, profileMarkdown, summarizeProfile } from './lib/cpu-profile.ts'
import { apiHeaders, ePaymentScenario, fetchAccessToken } from './lib/epayment-load.ts'
import { Http1Pool } from './lib/http1.ts'
import { runLoad } from './lib/load.ts'
import { machineInfo } from './lib/machine.ts'
import { BENCH_USAGE, BenchUsageError, parseBenchArgs } from './lib/options.ts'
import { Children } from './lib/processes.ts'
import { formatMs, renderMarkdown } from './lib/report.ts'
import { startBenchServer } from './lib/servers.ts'
import { throughputChart } from './lib/svg-chart.ts'
import { checkoutSuite } from './suites/checkout.ts'
import { SUITES } from './suites/index.ts'
import type { BenchContext, BenchResults, SuiteResult } from './suites/types.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const log = (line: string) => console.error(line)

/** Writes through a temporary file, so a reader never sees half a result. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp`
  writeFileSync(temp, text)
  renameSync(temp, path)
}

/**
 * A failure in one line for the report: the bench's own message, and the first
 * error line of the child's output it carries (the cause), if any.
 */
export function failureSummary(message: string): string {
  const [first = '', ...rest] = message.split('\n')
  const cause = rest.find((line) => /error/i.test(line))?.trim()
  return (cause ? `${first} ${cause}` : first).slice(0, 400)
}

/** The throughput chart of every load cell of every suite. */
export function chartOf(results: BenchResults): string {
  const { machine } = results
  const bars = results.suites.flatMap((suite) =>
    suite.cells.map((cell) => ({
      group: `${cell.target} · ${cell.scenario}`,
      label: `${cell.concurrency} ${cell.concurrency === 1 ? 'client' : 'clients'}`,
      series: cell.target,
      value: cell.rps,
    })),
  )
  return throughputChart(bars, {
    title: 'kasse bench: requests per second per cell',
    subtitle: `${machine.cpuModel}, ${machine.cores} cores · Node ${machine.node} · ${machine.date.slice(0, 10)} · ${results.options.cellMs} ms per cell`,
    unit: 'req/s',
  })
}

/** The suites' own charts (checkout latency, …), as files to write beside throughput.svg. */
export function suiteCharts(results: BenchResults): Array<{ file: string; svg: string }> {
  const { machine } = results
  return results.suites.flatMap((suite) =>
    (suite.charts ?? []).map((chart) => ({
      file: chart.file,
      svg: throughputChart(chart.bars, {
        title: chart.title,
        subtitle: `${machine.cpuModel}, ${machine.cores} cores · Node ${machine.node} · ${machine.date.slice(0, 10)} · load average ${machine.loadAverage.toFixed(1)} at the start`,
        unit: chart.unit,
      }),
    })),
  )
}

/** Runs the bench; resolves to the process exit code. */
export async function runBench(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BENCH_USAGE)
    return 0
  }
  let options: ReturnType<typeof parseBenchArgs>
  try {
    options = parseBenchArgs(argv)
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error
    console.error(`kasse bench: ${error.message}\n\n${BENCH_USAGE}`)
    return 2
  }
  const unknown = options.suites.filter((id) => !SUITES.some((suite) => suite.id === id))
  if (unknown.length > 0) {
    console.error(
      `kasse bench: no suite ${unknown.join(', ')}; there are ${SUITES.map((s) => s.id).join(', ')}`,
    )
    return 2
  }
  const children = new Children()
  const ctx: BenchContext = { root: ROOT, options, children, log }
  try {
    if (!options.profile) return await runSuites(ctx)
    return options.suites.includes('checkout') ? await profileTill(ctx) : await profile(ctx)
  } finally {
    await children.stopAll()
  }
}

async function runSuites(ctx: BenchContext): Promise<number> {
  const { options } = ctx
  const started = performance.now()
  const machine = machineInfo(ctx.root)
  const selected = SUITES.filter((suite) => options.suites.length === 0 || options.suites.includes(suite.id))
  const results: SuiteResult[] = []
  let failed = false
  for (const suite of selected) {
    log(`\n== ${suite.title}`)
    try {
      results.push(await suite.run(ctx))
    } catch (error) {
      failed = true
      log(`suite ${suite.id} failed: ${(error as Error).stack ?? error}`)
      results.push({
        id: suite.id,
        title: suite.title,
        cells: [],
        tables: [],
        targets: [],
        notes: [`failed: ${failureSummary((error as Error).message)}`],
      })
    }
  }
  const bench: BenchResults = { machine, options, durationMs: performance.now() - started, suites: results }
  const outDir = isAbsolute(options.outDir) ? options.outDir : join(ctx.root, options.outDir)
  mkdirSync(outDir, { recursive: true })
  const markdown = renderMarkdown(bench)
  writeAtomically(join(outDir, 'bench.json'), `${JSON.stringify(bench, null, 2)}\n`)
  writeAtomically(join(outDir, 'bench.md'), markdown)
  writeAtomically(join(outDir, 'throughput.svg'), chartOf(bench))
  const charts = suiteCharts(bench)
  for (const chart of charts) writeAtomically(join(outDir, chart.file), chart.svg)
  console.log(`\n${markdown}`)
  const files = ['bench.json', 'bench.md', 'throughput.svg', ...charts.map((chart) => chart.file)]
  log(`results in ${relative(process.cwd(), outDir) || '.'}/: ${files.join(', ')}`)
  return failed ? 1 : 0
}

/** A fresh directory for one profiling run's `.cpuprofile` files. */
function profileDir(ctx: BenchContext): string {
  const dir = join(ctx.root, 'bench', '.profiles', new Date().toISOString().replace(/[:.]/g, '-'))
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Summarises the busiest profile in `dir` (Node writes one per thread) and prints it. */
function reportProfile(dir: string, what: string): number {
  const profiles = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => ({
      file,
      summary: summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile),
    }))
    .sort((a, b) => b.summary.busyMs - a.summary.busyMs)
  const main = profiles[0]
  if (!main) throw new Error(`${what} wrote no profile to ${dir}`)
  const markdown = profileMarkdown(main.summary)
  writeFileSync(join(dir, 'summary.md'), markdown)
  console.log(`\n${markdown}`)
  log(`profile: ${relative(process.cwd(), join(dir, main.file))} (open in Chrome DevTools → Performance)`)
  return 0
}

/**
 * `--profile --suites checkout`: the till (`kasse pos`) under the checkout load
 * at the largest number of tills, with `node --cpu-prof`; its profile is
 * written when the suite stops it.
 */
async function profileTill(ctx: BenchContext): Promise<number> {
  const dir = profileDir(ctx)
  const concurrency = Math.max(...ctx.options.concurrency)
  log(`profiling the till: checkouts at ${concurrency} tills for ${ctx.options.cellMs} ms`)
  const suite = checkoutSuite({ maxCheckoutsPerCell: 1_000_000, tillProfileDir: dir })
  await suite.run({ ...ctx, options: { ...ctx.options, concurrency: [concurrency] } })
  return reportProfile(dir, 'the till')
}

/**
 * The sandbox under lifecycle load with `node --cpu-prof`, then its top
 * self-time functions. Kept apart from the measured cells: the profiler slows
 * the server it watches.
 */
async function profile(ctx: BenchContext): Promise<number> {
  // A directory per run: Node writes one profile per thread (tsx's loader runs in its own),
  // and the sandbox's is the one with the most samples.
  const dir = profileDir(ctx)
  const concurrency = Math.max(...ctx.options.concurrency)
  log(`profiling the sandbox: lifecycle at ${concurrency} clients for ${ctx.options.cellMs} ms`)
  const server = await startBenchServer(ctx, 'sandbox', ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  const target = new Http1Pool(server.url)
  try {
    const headers = apiHeaders(await fetchAccessToken(server.url))
    const common = { target, headers, concurrency, maxRequests: 2_000_000, serverPid: server.pid }
    await runLoad({
      ...common,
      scenario: ePaymentScenario('lifecycle', `p${Date.now().toString(36)}w`),
      durationMs: ctx.options.warmupMs,
    })
    const result = await runLoad({
      ...common,
      scenario: ePaymentScenario('lifecycle', `p${Date.now().toString(36)}m`),
      durationMs: ctx.options.cellMs,
    })
    log(
      `under the profiler: ${Math.round(result.rps)} req/s, p50 ${formatMs(result.latency?.p50)} ms, p99 ${formatMs(result.latency?.p99)} ms, ${result.errors} errors`,
    )
  } finally {
    target.close()
    await server.stop()
  }
  return reportProfile(dir, 'the sandbox')
}
