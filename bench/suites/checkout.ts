/**
 * Suite 2: the end-to-end checkout at the till, as a cashier and a customer
 * live it. The sandbox (with its webhook delivery) and the till run as `kasse
 * up` runs them, each in its own process (`kasse sandbox`, `kasse pos`), so
 * each one's CPU and memory are its own; the till on its embedded database in
 * the bench's temporary folder, prepared with one till and cashier per
 * concurrent checkout (servers/till-setup.ts). The load: lib/checkout-load.ts.
 * With `--database-url`, every cell runs again with the till on that
 * PostgreSQL server, what a store with many tills runs. Last, the same cells
 * against the checkout floor (servers/floor-till.ts): the least any till can
 * do for this checkout on this machine, beside which the till's numbers read
 * as the sandbox's do beside the bare node:http server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type BenchTill,
  benchTills,
  benchUsers,
  type CheckoutResult,
  runCheckoutLoad,
  TillSession,
} from '../lib/checkout-load.ts'
import { Http1Pool } from '../lib/http1.ts'
import { type Child, freePort, parentOf, rssMb, waitForHttp } from '../lib/processes.ts'
import { checkTarget, formatMs } from '../lib/report.ts'
import type { BenchContext, BenchSuite, SuiteResult, TargetCheck } from './types.ts'

export interface CheckoutLimits {
  /** Stops a cell (and its warm-up) past this many checkouts: the bench test runs a handful. */
  maxCheckoutsPerCell: number
  /** Run the till with `node --cpu-prof`, writing its profile here when it stops (`--profile`). */
  tillProfileDir?: string
  /** Run the cells against the checkout floor too (default true). */
  floor?: boolean
}

/** One load cell: the checkouts at a number of tills, and the load average when it began. */
export interface CheckoutCell extends CheckoutResult {
  tills: number
  loadAverage: number
  database: DatabaseKind
}

/**
 * What answers as the till: `kasse pos` on its embedded PGlite or on a
 * PostgreSQL server, or the checkout floor (on PGlite).
 */
export type DatabaseKind = 'embedded' | 'postgresql' | 'floor'

const DATABASE_LABEL: Record<DatabaseKind, string> = {
  embedded: 'embedded (PGlite)',
  postgresql: 'PostgreSQL server',
  floor: 'floor: node:http + PGlite, 7 statements',
}

/** The till (and its database) for one pass of the cells. */
interface TillDatabase {
  kind: DatabaseKind
  /** `--data-dir` or `--database-url`, for till-setup.ts and `kasse pos`. */
  args: string[]
  /** The server's postmaster when it runs on this machine, so its CPU is measured too. */
  serverPid?: number
  drop(): Promise<void>
}

interface ProcessMemory {
  database: DatabaseKind
  process: string
  pid: number
  idleMb: number | undefined
  peakUnderLoadMb: number | undefined
  afterLoadMb: number | undefined
}

// Far past any latency worth measuring, so that a slow checkout on a loaded machine is
// measured rather than cut off; one slower than this counts as failed.
const REGISTERED_TIMEOUT_MS = 120_000
const START_TIMEOUT_MS = 60_000

/** The environment `kasse up` runs with: warnings only, the embedded database, no platform keys from outside. */
function kasseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' }
  for (const name of Object.keys(env)) {
    if (name === 'DATABASE_URL' || name.startsWith('KASSE_VIPPS_') || name === 'KASSE_POS_PUBLIC_URL')
      delete env[name]
  }
  return env
}

/** Resolves when the child exits 0; rejects with its output otherwise. */
async function succeeded(child: Child, what: string): Promise<void> {
  const { code, signal } = await child.exited
  if (code !== 0) throw new Error(`${what} failed (${code ?? signal}):\n${child.output()}`)
}

/** Waits for a service's health URL, or for its process to die first. */
async function healthy(child: Child, url: string, what: string): Promise<void> {
  await Promise.race([
    waitForHttp(url, { timeoutMs: START_TIMEOUT_MS, ok: (status) => status === 200 }),
    child.exited.then(({ code, signal }) => {
      throw new Error(`${what} exited (${code ?? signal}) before it was healthy:\n${child.output()}`)
    }),
  ])
}

/** `kasse sandbox` and `kasse pos`, started as `kasse up` starts them, with the bench's tills, cashiers and customers. */
async function startServices(
  ctx: BenchContext,
  workDir: string,
  tills: BenchTill[],
  database: TillDatabase,
  started: Child[],
  tillProfileDir: string | undefined,
) {
  const bin = join(ctx.root, 'packages', 'cli', 'bin', 'kasse.mjs')
  const env = kasseEnv()
  const configPath = join(workDir, 'sandbox.json')
  // The default config plus a test user per bench till, so each till has its own customer.
  writeFileSync(configPath, JSON.stringify({ users: benchUsers(tills) }))
  const sandboxUrl = `http://127.0.0.1:${await freePort()}`
  const sandbox = ctx.children.spawn(
    process.execPath,
    [bin, 'sandbox', '--port', new URL(sandboxUrl).port, '--config', configPath],
    { cwd: workDir, env },
  )
  started.push(sandbox)
  if (database.kind === 'floor') {
    await healthy(sandbox, `${sandboxUrl}/_sandbox/health`, 'kasse sandbox')
    const floorUrl = `http://127.0.0.1:${await freePort()}`
    const floor = ctx.children.spawn(
      process.execPath,
      [
        ...(tillProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${tillProfileDir}`] : []),
        '--import',
        'tsx',
        join(ctx.root, 'bench', 'servers', 'floor-till.ts'),
        '--port',
        new URL(floorUrl).port,
        '--sandbox-url',
        sandboxUrl,
        ...database.args,
      ],
      { cwd: ctx.root, env },
    )
    started.push(floor)
    await healthy(floor, `${floorUrl}/health`, 'the checkout floor')
    return { sandbox, sandboxUrl, till: floor, tillUrl: floorUrl }
  }
  const setup = ctx.children.spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ctx.root, 'bench', 'servers', 'till-setup.ts'),
      ...database.args,
      String(tills.length),
    ],
    { cwd: ctx.root, env },
  )
  await Promise.all([
    healthy(sandbox, `${sandboxUrl}/_sandbox/health`, 'kasse sandbox'),
    succeeded(setup, 'preparing the till’s database'),
  ])
  const tillUrl = `http://127.0.0.1:${await freePort()}`
  const till = ctx.children.spawn(
    process.execPath,
    [
      ...(tillProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${tillProfileDir}`] : []),
      bin,
      'pos',
      '--port',
      new URL(tillUrl).port,
      '--sandbox-url',
      sandboxUrl,
      ...database.args,
    ],
    { cwd: workDir, env },
  )
  started.push(till)
  await healthy(till, `${tillUrl}/health`, 'kasse pos')
  return { sandbox, sandboxUrl, till, tillUrl }
}

export function checkoutSuite(limits: CheckoutLimits = { maxCheckoutsPerCell: 1_000_000 }): BenchSuite {
  return {
    id: 'checkout',
    title: 'Checkout at the till: sale to "Payment registered"',
    async run(ctx: BenchContext): Promise<SuiteResult> {
      const cells: CheckoutCell[] = []
      const memory: ProcessMemory[] = []
      const workDir = mkdtempSync(join(tmpdir(), 'kasse-bench-checkout-'))
      try {
        const embedded: TillDatabase = {
          kind: 'embedded',
          args: ['--data-dir', join(workDir, 'pos-data')],
          drop: async () => {},
        }
        await runCells(ctx, limits, workDir, embedded, cells, memory)
        if (ctx.options.databaseUrl) {
          const server = await freshPostgresDatabase(ctx.options.databaseUrl)
          try {
            await runCells(ctx, limits, workDir, server, cells, memory)
          } finally {
            await server.drop()
          }
        }
        if (limits.floor !== false) {
          const floor: TillDatabase = {
            kind: 'floor',
            args: ['--data-dir', join(workDir, 'floor-data')],
            drop: async () => {},
          }
          await runCells(ctx, { ...limits, tillProfileDir: undefined }, workDir, floor, cells, memory)
        }
      } finally {
        rmSync(workDir, { recursive: true, force: true })
      }
      return checkoutResult(this.id, this.title, ctx, cells, memory)
    },
  }
}

/** The sandbox and a till on `database`, then every cell, adding to `cells` and `memory`. */
async function runCells(
  ctx: BenchContext,
  limits: CheckoutLimits,
  workDir: string,
  database: TillDatabase,
  cells: CheckoutCell[],
  memory: ProcessMemory[],
): Promise<void> {
  const concurrency = [...ctx.options.concurrency].sort((a, b) => a - b)
  const tills = benchTills(Math.max(...concurrency))
  const started: Child[] = []
  const sessions: TillSession[] = []
  let sandboxPool: Http1Pool | undefined
  const ours: ProcessMemory[] = []
  try {
    ctx.log(
      `  starting kasse sandbox and ${database.kind === 'floor' ? 'the checkout floor' : `kasse pos (${DATABASE_LABEL[database.kind]})`} with ${tills.length} bench tills`,
    )
    const services = await startServices(ctx, workDir, tills, database, started, limits.tillProfileDir)
    const processes = { till: services.till.pid, sandbox: services.sandbox.pid }
    const servers = database.serverPid === undefined ? undefined : { database: database.serverPid }
    // Signing in hashes each PIN with scrypt; one at a time keeps the till answering.
    for (const till of tills) {
      sessions.push(await TillSession.open(services.tillUrl, till, REGISTERED_TIMEOUT_MS))
    }
    await sleep(2000)
    for (const [name, pid] of Object.entries(processes)) {
      ours.push({
        database: database.kind,
        process: name,
        pid,
        idleMb: rssMb(pid),
        peakUnderLoadMb: undefined,
        afterLoadMb: undefined,
      })
    }
    sandboxPool = new Http1Pool(services.sandboxUrl, REGISTERED_TIMEOUT_MS)
    for (const n of concurrency) {
      const common = {
        sessions,
        sandbox: sandboxPool,
        concurrency: n,
        maxCheckouts: limits.maxCheckoutsPerCell,
        registeredTimeoutMs: REGISTERED_TIMEOUT_MS,
        processes,
        ...(servers ? { servers } : {}),
      }
      await runCheckoutLoad({ ...common, durationMs: ctx.options.warmupMs })
      const loadAverage = loadavg()[0] ?? 0
      const result = await runCheckoutLoad({ ...common, durationMs: ctx.options.cellMs })
      cells.push({ tills: n, loadAverage, database: database.kind, ...result })
      for (const entry of ours) {
        const peak = result.processes[entry.process]?.peakRssMb
        if (peak !== undefined && peak > (entry.peakUnderLoadMb ?? 0)) entry.peakUnderLoadMb = peak
      }
      ctx.log(
        `  ${n} ${n === 1 ? 'till' : 'tills'}: ${result.checkoutsPerSecond.toFixed(1)} checkouts/s, p50 ${formatMs(result.checkout?.p50)} ms, p99 ${formatMs(result.checkout?.p99)} ms, ${result.errors} errors`,
      )
    }
    for (const entry of ours) entry.afterLoadMb = rssMb(entry.pid)
  } finally {
    memory.push(...ours)
    for (const session of sessions) session.close()
    sandboxPool?.close()
    for (const child of started) await ctx.children.stop(child, 10_000)
  }
}

/**
 * A database of the bench's own on the PostgreSQL server at `serverUrl`,
 * created empty (the till migrates it) and dropped when the pass ends, so a
 * run never touches anything else on that server.
 */
async function freshPostgresDatabase(serverUrl: string): Promise<TillDatabase> {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  const name = `kasse_bench_${process.pid}_${Date.now()}`
  let serverPid: number | undefined
  try {
    await admin.query(`CREATE DATABASE ${name}`)
    const backend = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    // A backend's parent is the postmaster, when the server runs on this machine.
    const backendPid = backend.rows[0]?.pid
    serverPid = backendPid === undefined ? undefined : parentOf(backendPid)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    kind: 'postgresql',
    args: ['--database-url', url.toString()],
    ...(serverPid !== undefined ? { serverPid } : {}),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}

export const checkoutAtTheTill = checkoutSuite()

const CHART_LABEL: Record<DatabaseKind, string> = {
  embedded: 'PGlite',
  postgresql: 'PostgreSQL',
  floor: 'floor',
}

const ms = (value: number | undefined) => formatMs(value)
const mib = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value)} MiB`)
const percent = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value)} %`)

function checkoutResult(
  id: string,
  title: string,
  ctx: BenchContext,
  cells: CheckoutCell[],
  memory: ProcessMemory[],
): SuiteResult {
  const kinds = [...new Set(cells.map((cell) => cell.database))]
  const several = kinds.length > 1
  const p99At = (database: DatabaseKind, tills: number) =>
    cells.find((cell) => cell.database === database && cell.tills === tills)?.checkout?.p99
  const tillKinds = kinds.filter((kind) => kind !== 'floor')
  const targets: TargetCheck[] = (
    tillKinds.length > 0 ? tillKinds : (['embedded'] as DatabaseKind[])
  ).flatMap((database) =>
    [
      [10, 50],
      [50, 200],
    ].map(([tills, wanted]) =>
      checkTarget({
        id: database === 'embedded' ? `checkout-p99-${tills}` : `checkout-p99-${tills}-${database}`,
        description: `checkout p99, sale to "Payment registered", at ${tills} tills${several ? `, ${DATABASE_LABEL[database]}` : ''}`,
        measured: p99At(database, tills!),
        comparison: '<=',
        target: wanted!,
        unit: 'ms',
      }),
    ),
  )
  const withDatabase = (row: string[], database: DatabaseKind) =>
    several ? [DATABASE_LABEL[database], ...row] : row
  const databaseHeader = several ? ['database'] : []
  const serverCpu = cells.some((cell) => cell.processes.database !== undefined)
  const stepNames = [...new Set(cells.flatMap((cell) => Object.keys(cell.steps)))]
  return {
    id,
    title,
    cells: [],
    tables: [
      {
        title: 'Checkouts: sale opened to the "Payment registered" event, and the wait after the approval',
        headers: [
          ...databaseHeader,
          'tills',
          'checkouts/s',
          'checkouts',
          'errors',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'approval → registered p50 ms',
          'approval → registered p99 ms',
          'till CPU',
          'till CPU ms/checkout',
          'sandbox CPU',
          'sandbox CPU ms/checkout',
          ...(serverCpu ? ['database server CPU ms/checkout'] : []),
          'client CPU',
          'load average',
        ],
        rows: cells.map((cell) =>
          withDatabase(
            [
              String(cell.tills),
              cell.checkoutsPerSecond.toFixed(1),
              String(cell.checkouts),
              String(cell.errors),
              ms(cell.checkout?.p50),
              ms(cell.checkout?.p95),
              ms(cell.checkout?.p99),
              ms(cell.approvalToRegistered?.p50),
              ms(cell.approvalToRegistered?.p99),
              percent(cell.processes.till?.cpuPercent),
              ms(cell.processes.till?.cpuMsPerCheckout),
              percent(cell.processes.sandbox?.cpuPercent),
              ms(cell.processes.sandbox?.cpuMsPerCheckout),
              ...(serverCpu ? [ms(cell.processes.database?.cpuMsPerCheckout)] : []),
              percent(cell.clientCpuPercent),
              cell.loadAverage.toFixed(2),
            ],
            cell.database,
          ),
        ),
      },
      {
        title: 'Each step of a checkout, p50 / p99 ms',
        headers: [...databaseHeader, 'tills', ...stepNames],
        rows: cells.map((cell) =>
          withDatabase(
            [
              String(cell.tills),
              ...stepNames.map((name) => `${ms(cell.steps[name]?.p50)} / ${ms(cell.steps[name]?.p99)}`),
            ],
            cell.database,
          ),
        ),
      },
      {
        title: 'Resident memory of each process, idle and under the checkout load',
        headers: [...databaseHeader, 'process', 'pid', 'idle', 'peak under load', 'after load'],
        rows: memory.map((m) =>
          withDatabase(
            [
              m.process === 'sandbox'
                ? 'sandbox (kasse sandbox)'
                : m.database === 'floor'
                  ? 'the checkout floor'
                  : 'till (kasse pos)',
              String(m.pid),
              mib(m.idleMb),
              mib(m.peakUnderLoadMb),
              mib(m.afterLoadMb),
            ],
            m.database,
          ),
        ),
      },
    ],
    targets,
    notes: [
      `A checkout: POST /api/sales, two products by barcode, the customer's number, Pay (202), then the customer's approval on the sandbox's control API, until the till's event stream (GET /api/events) says the attempt is \`captured\` ("Payment registered"): the webhook delivered, the payment captured and the sale registered paid. Each bench till has its own signed-in cashier, open event stream and customer; ${ctx.options.warmupMs} ms warm-up, then ${ctx.options.cellMs} ms measured per cell.`,
      "`kasse sandbox` and `kasse pos` as `kasse up` runs them (log level warn, the embedded database, the sandbox's default config plus the bench customers, rate limits on), each in its own process; `kasse up` also runs the shop, whose webhook receives the same merchant's events, so under `kasse up` the sandbox delivers each event twice.",
      "CPU: each process's CPU time during the cell, from /proc, divided by the checkouts registered. Memory: VmRSS, idle 2 s after the tills signed in, peak sampled every 100 ms under the load.",
      ...(kinds.includes('postgresql')
        ? [
            `The cells ran again with the till on the PostgreSQL server given by --database-url (in a database of the run's own), as a store with many tills runs it.${serverCpu ? " The database server's CPU is that of its whole process tree (the postmaster and its backends), the till's database work moved out of the till's process." : ''}`,
          ]
        : []),
      ...(kinds.includes('floor')
        ? [
            "The floor (bench/servers/floor-till.ts) answers the same requests as the till, with the least any till must do for this checkout: node:http with no framework, PGlite on disk through the till's statement cache, seven single statements per checkout (the sale; each line with its product and the new total; the customer; the sale frozen with the attempt stored before the create; the claim for capture; the attempt and the sale paid), the create and the capture over keep-alive connections, and the AUTHORIZED webhook only, verified. No validation, logging, receipt, recovery or back office: what the till does and the floor does not is the till's cost of being real software. The floor's p99 is near the best this machine and this sandbox allow; its targets are not judged.",
          ]
        : []),
    ],
    charts: [
      {
        file: 'checkout.svg',
        title: 'kasse bench: checkout latency at the till, sale to "Payment registered"',
        unit: 'ms',
        bars: cells.flatMap((cell) =>
          (['p50', 'p95', 'p99'] as const).map((p) => ({
            group: `${cell.tills} ${cell.tills === 1 ? 'till' : 'tills'}${several ? `, ${CHART_LABEL[cell.database]}` : ''}`,
            label: p,
            series: p,
            value: cell.checkout?.[p] ?? Number.NaN,
          })),
        ),
      },
    ],
    data: { cells, memory },
  }
}
