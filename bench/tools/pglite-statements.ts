/**
 * CPU per statement on the embedded database: PGlite's own `query()` (what
 * drizzle's PGlite driver calls) against the statement cache in
 * packages/storage/src/prepared-pglite.ts, for the statements a till runs
 * most: a wide row read by its key, an insert, an update, and a transaction
 * that reads and updates. Both run through drizzle on one in-memory PGlite, in
 * alternating rounds, so a busy machine slows both alike. Not part of
 * `npm run bench`.
 *
 *   node --import tsx bench/tools/pglite-statements.ts [rounds] [calls]   (default 4 rounds of 2000 calls)
 */
import { PGlite } from '@electric-sql/pglite'
import { eq, sql } from 'drizzle-orm'
import { bigint, boolean, integer, jsonb, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { drizzle, type PgliteDatabase } from 'drizzle-orm/pglite'
import { PreparedPglite } from '../../packages/storage/src/prepared-pglite.ts'

const rounds = Number(process.argv[2] ?? 4)
const calls = Number(process.argv[3] ?? 2000)

/** As wide as the till's payment_attempt (27 columns), with its kinds of column. */
const attempt = pgTable('attempt', {
  id: text('id').primaryKey(),
  saleId: text('sale_id').notNull(),
  state: text('state').notNull(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  reference: text('reference').notNull(),
  pspReference: text('psp_reference'),
  version: bigint('version', { mode: 'number' }).notNull(),
  captured: integer('captured').notNull(),
  refunded: integer('refunded').notNull(),
  tip: numeric('tip'),
  live: boolean('live').notNull(),
  details: jsonb('details'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`note${i}`, text(`note${i}`)])),
})

const client = await PGlite.create()
await client.exec(`CREATE TABLE attempt (
  id text PRIMARY KEY, sale_id text NOT NULL, state text NOT NULL, amount integer NOT NULL,
  currency text NOT NULL, reference text NOT NULL, psp_reference text, version bigint NOT NULL,
  captured integer NOT NULL, refunded integer NOT NULL, tip numeric, live boolean NOT NULL, details jsonb,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, next_check_at timestamptz,
  lease_until timestamptz, ${Array.from({ length: 10 }, (_, i) => `note${i} text`).join(', ')})`)

const stock: Db = drizzle(client)
const cached: Db = drizzle(new PreparedPglite(client) as unknown as PGlite)
type Db = PgliteDatabase

const row = (id: string) => ({
  id,
  saleId: `sale-${id}`,
  state: 'CREATED',
  amount: 12_900,
  currency: 'NOK',
  reference: `ref-${id}`,
  pspReference: null,
  version: 1,
  captured: 0,
  refunded: 0,
  tip: '12.50',
  live: true,
  details: { phone: 'masked', lines: [1, 2, 3] },
  createdAt: new Date(),
  updatedAt: new Date(),
  nextCheckAt: new Date(),
  leaseUntil: null,
  note0: 'a note',
})
await stock.insert(attempt).values(Array.from({ length: 1000 }, (_, i) => row(`a${i}`)))

let inserted = 0
const statements: Record<string, (db: Db) => Promise<unknown>> = {
  'select a 27-column row by key': (db) => db.select().from(attempt).where(eq(attempt.id, 'a500')),
  insert: (db) => db.insert(attempt).values(row(`n${inserted++}`)),
  'update by key': (db) =>
    db
      .update(attempt)
      .set({ nextCheckAt: new Date(), version: sql`${attempt.version} + 1` })
      .where(eq(attempt.id, 'a501')),
  'transaction: select + update + pg_notify': (db) =>
    db.transaction(async (tx) => {
      await tx.select().from(attempt).where(eq(attempt.id, 'a502'))
      await tx.update(attempt).set({ state: 'AUTHORIZED' }).where(eq(attempt.id, 'a502'))
      await tx.execute(sql`SELECT pg_notify('bench', 'x')`)
    }),
  'select 1': (db) => db.execute(sql`select 1`),
}

/** CPU µs per call of `statement` on `db`. */
async function cpuPerCall(db: Db, statement: (db: Db) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 100; i++) await statement(db)
  const before = process.cpuUsage()
  for (let i = 0; i < calls; i++) await statement(db)
  const spent = process.cpuUsage(before)
  return (spent.user + spent.system) / calls
}

const results = new Map<string, { stock: number[]; cached: number[] }>()
for (let round = 0; round < rounds; round++) {
  for (const [name, statement] of Object.entries(statements)) {
    const entry = results.get(name) ?? { stock: [], cached: [] }
    entry.stock.push(await cpuPerCall(stock, statement))
    entry.cached.push(await cpuPerCall(cached, statement))
    results.set(name, entry)
  }
}
await client.close()

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(
  `CPU µs per call, median of ${rounds} alternating rounds of ${calls} calls (each round's values in brackets)\n`,
)
console.log('| statement | PGlite query() | statement cache | ratio |\n|---|---:|---:|---:|')
for (const [name, { stock: a, cached: b }] of results) {
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ')
  console.log(
    `| ${name} | ${median(a).toFixed(0)} [${list(a)}] | ${median(b).toFixed(0)} [${list(b)}] | ${(median(a) / median(b)).toFixed(1)}× |`,
  )
}
