/**
 * What the till asks its database per checkout: every statement PGlite runs
 * (and every transaction, timed whole) while a bench till does a number of
 * checkouts, counted and timed per statement. Not part of `npm run bench`:
 * the sandbox and the till run here in one process, so the times are for
 * reading the shares, not for quoting; the counts are exact.
 *
 *   node --import tsx bench/tools/till-queries.ts [checkouts]     (default 20)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { PGlite } from '@electric-sql/pglite'
import { openDatabase, startPos } from '@kasse/pos'
import { loadConfig, startSandbox } from '@kasse/sandbox'
import { benchTills, benchUsers, runCheckoutLoad, TillSession } from '../lib/checkout-load.ts'
import { Http1Pool } from '../lib/http1.ts'
import { prepareBenchTills } from '../lib/till-data.ts'

const checkouts = Number(process.argv[2] ?? 20)
const statements = new Map<string, { count: number; ms: number }>()
let counting = false

/** Wraps one of PGlite's entry points so each call is counted under its SQL (or as a transaction). */
function count(method: 'query' | 'exec' | 'transaction'): void {
  const prototype = PGlite.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
  const original = prototype[method]!
  prototype[method] = async function counted(this: unknown, ...args: unknown[]) {
    const started = performance.now()
    try {
      return await original.apply(this, args)
    } finally {
      if (counting) {
        const key =
          method === 'transaction' ? '(a transaction, whole)' : String(args[0]).replace(/\s+/g, ' ').trim()
        const entry = statements.get(key) ?? { count: 0, ms: 0 }
        entry.count++
        entry.ms += performance.now() - started
        statements.set(key, entry)
      }
    }
  }
}
for (const method of ['query', 'exec', 'transaction'] as const) count(method)

const tills = benchTills(1)
const config = loadConfig()
config.users.push(...benchUsers(tills))
const merchant = config.merchants[0]!
const sandbox = await startSandbox({ config, port: 0, logger: { level: 'warn' } })
const dataDir = mkdtempSync(join(tmpdir(), 'kasse-till-queries-'))
const setup = await openDatabase({ dataDir })
await prepareBenchTills(setup, tills.length)
await setup.close()
const pos = await startPos({
  port: 0,
  dataDir,
  vipps: {
    baseUrl: sandbox.url,
    clientId: merchant.clientId,
    clientSecret: merchant.clientSecret,
    subscriptionKey: merchant.subscriptionKey,
  },
  logger: { level: 'warn' },
})
const session = await TillSession.open(pos.url, tills[0]!)
const approvals = new Http1Pool(sandbox.url)
try {
  const load = {
    sessions: [session],
    sandbox: approvals,
    concurrency: 1,
    durationMs: 120_000,
    registeredTimeoutMs: 30_000,
    processes: {},
  }
  await runCheckoutLoad({ ...load, maxCheckouts: 3 })
  counting = true
  const cpuBefore = process.cpuUsage()
  const result = await runCheckoutLoad({ ...load, maxCheckouts: checkouts })
  const cpu = process.cpuUsage(cpuBefore)
  counting = false
  if (result.errors > 0) throw new Error(`checkouts failed: ${result.errorSamples.join('; ')}`)
  const rows = [...statements].sort((a, b) => b[1].ms - a[1].ms)
  const total = rows.reduce((sum, [, s]) => sum + s.count, 0)
  const databaseMs = rows.reduce((sum, [, s]) => sum + s.ms, 0)
  console.log(`${checkouts} checkouts, ${(total / checkouts).toFixed(1)} calls into PGlite per checkout`)
  console.log(
    `per checkout: ${(databaseMs / checkouts).toFixed(1)} ms waiting on PGlite, ` +
      `${((cpu.user + cpu.system) / 1000 / checkouts).toFixed(1)} ms CPU (the till, the sandbox and the client in this one process)\n`,
  )
  console.log('| per checkout | mean ms | statement |\n|---:|---:|---|')
  for (const [sql, s] of rows.slice(0, 25)) {
    console.log(
      `| ${(s.count / checkouts).toFixed(2)} | ${(s.ms / s.count).toFixed(2)} | \`${sql.slice(0, 110)}\` |`,
    )
  }
} finally {
  session.close()
  approvals.close()
  await pos.close()
  await sandbox.close()
  rmSync(dataDir, { recursive: true, force: true })
}
