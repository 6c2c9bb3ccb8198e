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
import { PreparedPglite } from '../../packages/storage/src/prepared-pglite.ts'
import { benchTills, benchUsers, runCheckoutLoad, TillSession } from '../lib/checkout-load.ts'
import { Http1Pool } from '../lib/http1.ts'
import { prepareBenchTills } from '../lib/till-data.ts'

const checkouts = Number(process.argv[2] ?? 20)
const statements = new Map<string, { count: number; ms: number }>()
let counting = false

type Method = (...args: unknown[]) => Promise<unknown>
const TRANSACTION = '(a transaction, whole)'
/** Statements run inside a transaction are listed apart, under this prefix, and not added to its time twice. */
const INSIDE = '(in a transaction) '

function record(key: string, started: number): void {
  if (!counting) return
  const entry = statements.get(key) ?? { count: 0, ms: 0 }
  entry.count++
  entry.ms += performance.now() - started
  statements.set(key, entry)
}

/** Counts each call of `original` under its SQL (prefixed by `prefix`), or as a transaction. */
function counted(original: Method, method: string, prefix: string): Method {
  return async function countedCall(this: unknown, ...args: unknown[]) {
    const started = performance.now()
    if (method === 'transaction' && typeof args[0] === 'function') {
      const callback = args[0] as (tx: Record<string, Method>) => Promise<unknown>
      args[0] = (tx: Record<string, Method>) => {
        for (const inner of ['query', 'exec'] as const)
          tx[inner] = counted(tx[inner]!.bind(tx), inner, INSIDE)
        return callback(tx)
      }
    }
    try {
      return await original.apply(this, args)
    } finally {
      record(
        method === 'transaction' ? TRANSACTION : prefix + String(args[0]).replace(/\s+/g, ' ').trim(),
        started,
      )
    }
  }
}
/**
 * The till's statements reach PGlite through the statement cache
 * (packages/storage/src/prepared-pglite.ts), whose `query` and `transaction`
 * stand in for PGlite's, so those are counted; with
 * KASSE_PGLITE_STATEMENT_CACHE=off they are PGlite's own.
 */
const wrapped = (prototype: unknown, methods: readonly string[]) => {
  const methodsOf = prototype as Record<string, Method>
  for (const method of methods) methodsOf[method] = counted(methodsOf[method]!, method, '')
}
if (process.env.KASSE_PGLITE_STATEMENT_CACHE === 'off') {
  wrapped(PGlite.prototype, ['query', 'exec', 'transaction'])
} else {
  wrapped(PreparedPglite.prototype, ['query', 'transaction'])
  wrapped(PGlite.prototype, ['exec'])
}

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
  const outside = rows.filter(([sql]) => !sql.startsWith(INSIDE))
  const total = outside.reduce((sum, [, s]) => sum + s.count, 0)
  const transactions = statements.get(TRANSACTION)?.count ?? 0
  const inside = rows.filter(([sql]) => sql.startsWith(INSIDE)).reduce((sum, [, s]) => sum + s.count, 0)
  const databaseMs = outside.reduce((sum, [, s]) => sum + s.ms, 0)
  const per = (n: number) => (n / checkouts).toFixed(1)
  console.log(
    `${checkouts} checkouts, ${per(total)} calls into PGlite per checkout: ` +
      `${per(total - transactions)} statements and ${per(transactions)} transactions of ${per(inside)} statements in all`,
  )
  console.log(
    `per checkout: ${(databaseMs / checkouts).toFixed(1)} ms waiting on PGlite, ` +
      `${((cpu.user + cpu.system) / 1000 / checkouts).toFixed(1)} ms CPU (the till, the sandbox and the client in this one process)\n`,
  )
  console.log('| per checkout | mean ms | statement |\n|---:|---:|---|')
  for (const [sql, s] of rows.slice(0, 40)) {
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
