/**
 * What a bench suite is and what it reports. Suites are a plain list
 * (suites/index.ts): the till's end-to-end checkout suite joins it as one more
 * entry, and the report, the table and the chart take its cells and targets
 * without knowing which suite made them.
 */

import type { LoadResult } from '../lib/load.ts'
import type { Children } from '../lib/processes.ts'
import type { ChartBar } from '../lib/svg-chart.ts'

export interface BenchOptions {
  /** Suite ids to run; empty runs every suite. */
  suites: string[]
  /** Measured time per load cell. */
  cellMs: number
  /** Unmeasured load before each cell, so the JIT and the connection pool are warm. */
  warmupMs: number
  /** Concurrent clients per cell. */
  concurrency: number[]
  /** How many times `kasse up` is started and timed. */
  startupRuns: number
  /** Where the JSON, markdown and SVG go. */
  outDir: string
  /** Profile the sandbox under lifecycle load instead of running the suites. */
  profile: boolean
  /**
   * A PostgreSQL server to run the checkout cells on as well (the till's
   * database for a store with many tills), beside the embedded database.
   */
  databaseUrl?: string
}

/** One cell of load: one server, one scenario, one number of concurrent clients. */
export interface LoadCell extends LoadResult {
  suite: string
  /** What was measured: `sandbox`, `prism`, `bare-http`, later `pos`. */
  target: string
  /** What each client repeats: `lifecycle`, `create`, `create+get`, … */
  scenario: string
  concurrency: number
}

export type Unit = '×' | '%' | 'ms' | 's'

/** A target from the issue and what was measured against it. */
export interface TargetCheck {
  id: string
  description: string
  measured: number | undefined
  comparison: '>=' | '<='
  target: number
  unit: Unit
  /** Undefined when there was nothing to measure (a suite failed or was skipped). */
  met: boolean | undefined
}

export interface Table {
  title: string
  headers: string[]
  rows: string[][]
}

export interface SuiteResult {
  id: string
  title: string
  /** Load cells, drawn as bars in the chart. */
  cells: LoadCell[]
  tables: Table[]
  targets: TargetCheck[]
  notes: string[]
  /** Charts of the suite's own, beside throughput.svg (which draws the load cells). */
  charts?: SuiteChart[]
  /** Anything else the suite measured, kept in the JSON. */
  data?: Record<string, unknown>
}

export interface SuiteChart {
  /** The file in the results folder, e.g. `checkout.svg`. */
  file: string
  title: string
  /** Printed after each value, e.g. `ms`. */
  unit: string
  bars: ChartBar[]
}

export interface MachineInfo {
  cpuModel: string
  cores: number
  totalMemoryMb: number
  os: string
  node: string
  date: string
  /** The 1-minute load average when the run began: others' work on a shared machine shows here. */
  loadAverage: number
  git: { commit: string; dirty: boolean } | undefined
}

export interface BenchResults {
  machine: MachineInfo
  options: BenchOptions
  durationMs: number
  suites: SuiteResult[]
}

export interface BenchContext {
  /** The repository's root. */
  root: string
  options: BenchOptions
  /** Every process the bench starts goes through here, so exactly those are stopped. */
  children: Children
  log(line: string): void
}

export interface BenchSuite {
  id: string
  title: string
  run(ctx: BenchContext): Promise<SuiteResult>
}
