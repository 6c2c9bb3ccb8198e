import { describe, expect, it } from 'vitest'
import type { BenchResults, LoadCell } from '../suites/types.ts'
import {
  checkTarget,
  formatValue,
  markdownTable,
  ratio,
  renderMarkdown,
  requestsPerCpuSecond,
  targetsTable,
} from './report.ts'

const cell = (target: string, concurrency: number, rps: number): LoadCell => ({
  suite: 'sandbox-throughput',
  target,
  scenario: 'create',
  concurrency,
  durationMs: 5000,
  requests: rps * 5,
  errors: 0,
  rps,
  latency: { count: rps * 5, mean: 2, p50: 1.5, p95: 3, p99: 4.25, max: 9 },
  operations: {},
  clientCpuPercent: 60,
  serverCpuPercent: 99,
  serverCpuUsPerRequest: 200,
  serverRssMb: 80,
  errorSamples: [],
})

describe('ratio', () => {
  it('divides the measurement by its baseline', () => {
    expect(ratio(12_000, 2_000)).toBe(6)
  })

  it('is undefined when a side is missing or the baseline got nothing through', () => {
    expect(ratio(undefined, 2)).toBeUndefined()
    expect(ratio(2, undefined)).toBeUndefined()
    expect(ratio(2, 0)).toBeUndefined()
    expect(ratio(Number.NaN, 2)).toBeUndefined()
  })
})

describe('requestsPerCpuSecond', () => {
  it('turns CPU time per request into requests per CPU-second', () => {
    expect(requestsPerCpuSecond(250)).toBe(4000)
    expect(ratio(requestsPerCpuSecond(200), requestsPerCpuSecond(1000))).toBeCloseTo(5)
  })

  it('is undefined without a CPU reading', () => {
    expect(requestsPerCpuSecond(undefined)).toBeUndefined()
    expect(requestsPerCpuSecond(0)).toBeUndefined()
  })
})

describe('checkTarget', () => {
  const base = { id: 'x', description: 'sandbox ÷ Prism', unit: '×' as const }

  it('meets an at-least target at or above it and misses below', () => {
    expect(checkTarget({ ...base, measured: 5, comparison: '>=', target: 5 }).met).toBe(true)
    expect(checkTarget({ ...base, measured: 4.99, comparison: '>=', target: 5 }).met).toBe(false)
  })

  it('meets an at-most target at or below it and misses above', () => {
    expect(checkTarget({ ...base, unit: 's', measured: 5, comparison: '<=', target: 5 }).met).toBe(true)
    expect(checkTarget({ ...base, unit: 's', measured: 5.01, comparison: '<=', target: 5 }).met).toBe(false)
  })

  it('leaves the verdict open when nothing was measured', () => {
    expect(checkTarget({ ...base, measured: undefined, comparison: '>=', target: 5 }).met).toBeUndefined()
  })
})

describe('targetsTable', () => {
  it('shows each target with its measurement, the wanted bound and the verdict', () => {
    const table = targetsTable([
      checkTarget({
        id: 'a',
        description: 'lifecycle ÷ Prism',
        measured: 6.2,
        comparison: '>=',
        target: 5,
        unit: '×',
      }),
      checkTarget({
        id: 'b',
        description: 'create ÷ bare',
        measured: 0.2,
        comparison: '>=',
        target: 0.25,
        unit: '%',
      }),
      checkTarget({
        id: 'c',
        description: 'kasse up ready',
        measured: 1.234,
        comparison: '<=',
        target: 5,
        unit: 's',
      }),
      checkTarget({
        id: 'd',
        description: 'checkout p99',
        measured: undefined,
        comparison: '<=',
        target: 50,
        unit: 'ms',
      }),
    ])
    expect(table.rows).toEqual([
      ['lifecycle ÷ Prism', '6.20×', '≥ 5.00×', 'met'],
      ['create ÷ bare', '20 %', '≥ 25 %', 'MISSED'],
      ['kasse up ready', '1.23 s', '≤ 5.00 s', 'met'],
      ['checkout p99', '—', '≤ 50.0 ms', 'not measured'],
    ])
  })
})

describe('formatValue', () => {
  it('keeps small percentages readable', () => {
    expect(formatValue(0.05, '%')).toBe('5.0 %')
    expect(formatValue(0.456, '%')).toBe('46 %')
  })
})

describe('markdownTable', () => {
  it('right-aligns numeric columns and escapes pipes in cells', () => {
    const text = markdownTable({ title: 't', headers: ['what', 'req/s'], rows: [['a | b', '1,234']] })
    expect(text.split('\n')).toEqual(['| what | req/s |', '|---|---:|', '| a \\| b | 1,234 |'])
  })
})

describe('renderMarkdown', () => {
  it('has the machine, each suite table and the targets', () => {
    const results: BenchResults = {
      machine: {
        cpuModel: 'AMD EPYC',
        cores: 2,
        totalMemoryMb: 24_000,
        os: 'linux 6.1',
        node: 'v20.20.2',
        date: '2026-01-01T00:00:00.000Z',
        loadAverage: 0.5,
        git: { commit: '0123456789abcdef', dirty: false },
      },
      options: {
        suites: [],
        cellMs: 5000,
        warmupMs: 1000,
        concurrency: [1],
        startupRuns: 3,
        outDir: 'bench/results',
        profile: false,
      },
      durationMs: 90_000,
      suites: [
        {
          id: 'sandbox-throughput',
          title: 'Sandbox throughput',
          cells: [cell('sandbox', 1, 1000)],
          tables: [{ title: 'cells', headers: ['server', 'req/s'], rows: [['sandbox', '1,000']] }],
          targets: [
            checkTarget({
              id: 'a',
              description: 'lifecycle ÷ Prism',
              measured: 6,
              comparison: '>=',
              target: 5,
              unit: '×',
            }),
          ],
          notes: ['rate limits off'],
        },
      ],
    }
    const text = renderMarkdown(results)
    expect(text).toContain('AMD EPYC, 2 cores')
    expect(text).toContain('commit 0123456789')
    expect(text).toContain('## Sandbox throughput')
    expect(text).toContain('| sandbox | 1,000 |')
    expect(text).toContain('- rate limits off')
    expect(text).toContain('| lifecycle ÷ Prism | 6.00× | ≥ 5.00× | met |')
  })
})
