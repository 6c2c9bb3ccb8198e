/**
 * Turns measurements into what a person reads: ratios against the baselines,
 * targets met or missed, and markdown tables. Pure functions, so the verdicts
 * are unit-tested while the measurements themselves never are.
 */
import type { BenchResults, LoadCell, Table, TargetCheck, Unit } from '../suites/types.ts'
import type { LatencySummary } from './stats.ts'

/**
 * How many requests one second of the server's CPU answers, from its CPU time
 * per request: throughput once the server has a core to itself.
 */
export function requestsPerCpuSecond(cpuUsPerRequest: number | undefined): number | undefined {
  return cpuUsPerRequest === undefined || !(cpuUsPerRequest > 0) ? undefined : 1_000_000 / cpuUsPerRequest
}

/** a ÷ b, or undefined when either is missing or b is not positive (a baseline that did not run). */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) {
    return undefined
  }
  return a / b
}

/**
 * Judges a measurement against its target; met is undefined when nothing was measured.
 *
 * @example
 * checkTarget({ id: 'x', description: 'sandbox ÷ Prism', measured: 6.2, comparison: '>=', target: 5, unit: '×' }).met // true
 */
export function checkTarget(check: Omit<TargetCheck, 'met'>): TargetCheck {
  const { measured, comparison, target } = check
  const met =
    measured === undefined || !Number.isFinite(measured)
      ? undefined
      : comparison === '>='
        ? measured >= target
        : measured <= target
  return { ...check, met }
}

/** A value in its unit: `6.2×`, `31 %`, `12.4 ms`, `1.23 s`; `—` for nothing. */
export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  switch (unit) {
    case '×':
      return `${value.toFixed(value >= 10 ? 1 : 2)}×`
    case '%':
      return `${(value * 100).toFixed(value >= 0.1 ? 0 : 1)} %`
    case 'ms':
      return `${formatMs(value)} ms`
    case 's':
      return `${value.toFixed(2)} s`
    default:
      return unreachable(unit)
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled unit ${String(value)}`)
}

/** Milliseconds with the precision that matters at their size. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1) return ms.toFixed(2)
  if (ms < 100) return ms.toFixed(1)
  return ms.toFixed(0)
}

/** Requests per second, grouped by thousands for reading. */
export function formatRps(rps: number): string {
  return Math.round(rps).toLocaleString('en-US')
}

/** The targets as a table: what, measured, target, verdict. */
export function targetsTable(checks: readonly TargetCheck[]): Table {
  return {
    title: 'Targets',
    headers: ['target', 'measured', 'wanted', 'verdict'],
    rows: checks.map((check) => [
      check.description,
      formatValue(check.measured, check.unit),
      `${check.comparison === '>=' ? '≥' : '≤'} ${formatValue(check.target, check.unit)}`,
      check.met === undefined ? 'not measured' : check.met ? 'met' : 'MISSED',
    ]),
  }
}

/** One row per load cell: throughput and latency, and who was busy. */
export function cellsTable(title: string, cells: readonly LoadCell[]): Table {
  const ms = (summary: LatencySummary | undefined, key: 'p50' | 'p99') => formatMs(summary?.[key])
  return {
    title,
    headers: [
      'server',
      'scenario',
      'clients',
      'req/s',
      'p50 ms',
      'p99 ms',
      'requests',
      'errors',
      'server CPU',
      'server CPU µs/req',
      'client CPU',
      'server RSS',
    ],
    rows: cells.map((cell) => [
      cell.target,
      cell.scenario,
      String(cell.concurrency),
      formatRps(cell.rps),
      ms(cell.latency, 'p50'),
      ms(cell.latency, 'p99'),
      String(cell.requests),
      String(cell.errors),
      cell.serverCpuPercent === undefined ? '—' : `${Math.round(cell.serverCpuPercent)} %`,
      cell.serverCpuUsPerRequest === undefined ? '—' : String(Math.round(cell.serverCpuUsPerRequest)),
      `${Math.round(cell.clientCpuPercent)} %`,
      cell.serverRssMb === undefined ? '—' : `${Math.round(cell.serverRssMb)} MiB`,
    ]),
  }
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/** A GitHub-flavoured markdown table, numbers right-aligned. */
export function markdownTable(table: Table): string {
  const numeric = table.headers.map(
    (_, column) =>
      table.rows.length > 0 &&
      table.rows.every((row) => /^[-—\d.,\s%×]*(ms|s|MiB)?$/.test(row[column] ?? '')),
  )
  const lines = [
    `| ${table.headers.map(escapeCell).join(' | ')} |`,
    `|${numeric.map((right) => (right ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ]
  return lines.join('\n')
}

/** The whole report: machine, each suite's tables and notes, then every target. */
export function renderMarkdown(results: BenchResults): string {
  const { machine } = results
  const git = machine.git
    ? `${machine.git.commit.slice(0, 10)}${machine.git.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown'
  const out = [
    '# kasse bench',
    '',
    `${machine.date} · ${machine.cpuModel}, ${machine.cores} cores, ${Math.round(machine.totalMemoryMb / 1024)} GiB · ${machine.os} · Node ${machine.node} · commit ${git} · load average ${machine.loadAverage.toFixed(2)} at the start`,
    '',
    `Each cell: ${results.options.warmupMs} ms warm-up, then ${results.options.cellMs} ms measured; the whole run took ${(results.durationMs / 1000).toFixed(0)} s.`,
  ]
  for (const suite of results.suites) {
    out.push('', `## ${suite.title}`)
    for (const table of suite.tables) out.push('', `### ${table.title}`, '', markdownTable(table))
    if (suite.notes.length > 0) out.push('', ...suite.notes.map((note) => `- ${note}`))
  }
  const targets = results.suites.flatMap((suite) => suite.targets)
  if (targets.length > 0) out.push('', '## Targets', '', markdownTable(targetsTable(targets)))
  return `${out.join('\n')}\n`
}
