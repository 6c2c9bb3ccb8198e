/**
 * The chaos test: many cashiers check out at once against a sandbox that
 * fails the way the platform and the network do (5xx before and after a
 * commit, connections dropped after a commit, 429 bursts, latency; webhooks
 * dropped, duplicated, delayed, reordered and wrongly signed), while the
 * till, a real process, is SIGKILLed and restarted at seeded points: the
 * moment the sandbox receives the n-th create, capture or look-up, so the
 * platform does the work and the till never hears the answer.
 *
 * Afterwards, against the sandbox's own records: every payment the platform
 * captured is exactly one sale the till registered as paid, for its amount;
 * no sale is paid without a capture; nothing is captured twice; nothing is
 * stuck (no request still waiting, no money left reserved, no attempt still
 * live at the till). The figures are printed.
 *
 * The till keeps its data where the suite runs it: an embedded PGlite data
 * directory (which survives SIGKILL: see the README's reliability notes), or a
 * database on KASSE_TEST_DATABASE_URL's PostgreSQL server in CI's second pass.
 * CHAOS_SEED picks another run; the seed is printed with the figures.
 */
import { defaultConfig, type RunningSandbox, startSandbox } from '@kasse/sandbox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshTillStorage } from '../database.ts'
import { eventually, type Json, settingsFor } from '../wire.ts'
import {
  answerOnPhones,
  Cashier,
  control,
  dice,
  type PlatformRequest,
  platformPayment,
  platformPayments,
  recordPlatformRequests,
  TillSupervisor,
} from './harness.ts'

const SEED = Number(process.env.CHAOS_SEED ?? 20_261_121)
/** Tills checking out at once, and the checkouts each does one after another. */
const TILLS = 10
const CHECKOUTS_PER_TILL = 4
const MAX_ATTEMPTS_PER_CHECKOUT = 3

const CUSTOMERS = [
  { msisdn: '4712345678', typed: '123 45 678' },
  { msisdn: '4791234567', typed: '+47 912 34 567' },
]
const BARCODES = ['7039610197728', '7040110061051', '7039610127701', '7038010094941', '7311041081082']

const CREATE = 'POST /epayment/v1/payments'
const CAPTURE = 'POST /epayment/v1/payments/:reference/capture'
const CANCEL = 'POST /epayment/v1/payments/:reference/cancel'
const GET = 'GET /epayment/v1/payments/:reference'

/** The platform misbehaving: each rule rolls its own seeded dice. */
const FAULT_RULES = [
  { kind: '5xx-before-commit', endpoint: CREATE, probability: 0.1, status: 503 },
  { kind: '5xx-after-commit', endpoint: CREATE, probability: 0.1, status: 502 },
  { kind: 'drop-after-commit', endpoint: CREATE, probability: 0.1 },
  { kind: '5xx-before-commit', endpoint: CAPTURE, probability: 0.1, status: 500 },
  { kind: '5xx-after-commit', endpoint: CAPTURE, probability: 0.15, status: 504 },
  { kind: 'drop-after-commit', endpoint: CAPTURE, probability: 0.15 },
  { kind: 'drop-after-commit', endpoint: CANCEL, probability: 0.3 },
  { kind: '429-burst', endpoint: GET, probability: 0.03, requests: 3, retryAfterSeconds: 1 },
  { kind: 'latency', endpoint: '/epayment/*', probability: 0.1, latencyMs: 250 },
  { kind: 'drop', probability: 0.2 },
  { kind: 'duplicate', probability: 0.2 },
  { kind: 'delay', probability: 0.15, delayMs: 2_000 },
  { kind: 'reorder', probability: 0.1, holdMs: 2_000 },
  { kind: 'bad-signature', probability: 0.05 },
]

/** Short cycles so a run takes seconds: a dead process's claims run out after the lease. */
const PAYMENT_TIMINGS = {
  leaseMs: 4_000,
  firstPollMs: 1_000,
  pollIntervalMs: 500,
  maxBackoffMs: 2_000,
  recreateWindowMs: 15_000,
}
/** Requests nobody answers expire on the sandbox's clock after this. */
const PAYMENT_LIFETIME_MS = 6_000

type KillKind = 'create' | 'capture' | 'get'
interface KillPoint {
  kind: KillKind
  /** The n-th request of that kind the sandbox receives. */
  n: number
  fired: boolean
}

/** Four kills at seeded points: on a create, two captures and a look-up, each at the n-th such request. */
function killPoints(seed: number): KillPoint[] {
  const between = (name: string, low: number, high: number) =>
    low + Math.floor(dice(seed, name) * (high - low + 1))
  return [
    { kind: 'create', n: between('kill-create', 4, 20), fired: false },
    { kind: 'capture', n: between('kill-capture-1', 2, 6), fired: false },
    { kind: 'capture', n: between('kill-capture-2', 9, 14), fired: false },
    { kind: 'get', n: between('kill-get', 10, 35), fired: false },
  ]
}

type Outcome = 'paid' | 'voided'

interface CheckoutRecord {
  posId: string
  saleId: string
  outcome: Outcome
  /** The final state of each attempt the cashier saw. */
  attempts: string[]
  cancelled: boolean
}

const FINAL = ['captured', 'declined', 'expired', 'cancelled', 'failed']

let sandbox: RunningSandbox
let storage: Awaited<ReturnType<typeof freshTillStorage>>
let till: TillSupervisor
let phones: ReturnType<typeof answerOnPhones> | undefined

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, config: { ...defaultConfig(), faults: { seed: SEED, rules: [] } } })
  storage = await freshTillStorage()
})

afterAll(async () => {
  await phones?.stop()
  await till?.stop()
  await sandbox?.close()
  await storage?.drop()
})

/** One customer's checkout at one till, to the end: paid, or given up and voided. */
async function checkout(cashier: Cashier, index: number): Promise<CheckoutRecord> {
  const name = `${cashier.posId}:${index}`
  const opened = await cashier.request('POST', '/api/sales')
  expect(opened.status, JSON.stringify(opened.body)).toBe(200)
  const saleId = opened.body.id as string
  const lines = 1 + Math.floor(dice(SEED, `lines:${name}`) * 3)
  for (let i = 0; i < lines; i++) {
    const barcode = BARCODES[Math.floor(dice(SEED, `barcode:${name}:${i}`) * BARCODES.length)]
    const added = await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })
    expect(added.status, JSON.stringify(added.body)).toBe(200)
  }
  const customer = CUSTOMERS[Math.floor(dice(SEED, `customer:${name}`) * CUSTOMERS.length)]!
  const byQr = dice(SEED, `qr:${name}`) < 0.5
  const identified = byQr
    ? await cashier.request('PUT', `/api/sales/${saleId}/customer`, {
        personalQr: (await control(sandbox, 'GET', `/_sandbox/users/${customer.msisdn}/qr`)).content,
      })
    : await cashier.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: customer.typed })
  expect(identified.status, JSON.stringify(identified.body)).toBe(200)

  const attempts: string[] = []
  let cancelled = false
  for (let attemptNumber = 1; attemptNumber <= MAX_ATTEMPTS_PER_CHECKOUT; attemptNumber++) {
    const started = await cashier.request('POST', `/api/sales/${saleId}/payment`)
    expect(started.status, `${JSON.stringify(started.body)} after ${attempts.join(', ') || 'nothing'}`).toBe(
      202,
    )
    const reference = started.body.attempt.reference as string
    const cancelIt = dice(SEED, `cancel:${reference}`) < 0.1
    const final = await eventually(
      async () => {
        const { status, body } = await cashier.request('GET', `/api/sales/${saleId}/payment`)
        expect(status, JSON.stringify(body)).toBe(200)
        const state = body.attempt.state as string
        if (cancelIt && !cancelled && state === 'waiting_for_customer') {
          cancelled = true
          const answer = await cashier.request('POST', `/api/sales/${saleId}/payment/cancel`)
          expect([200, 409], JSON.stringify(answer.body)).toContain(answer.status)
        }
        return FINAL.includes(state) ? state : undefined
      },
      `the end of payment ${reference}`,
      90_000,
    )
    attempts.push(final)
    if (final === 'captured') return { posId: cashier.posId, saleId, outcome: 'paid', attempts, cancelled }
  }
  const voided = await cashier.request('POST', `/api/sales/${saleId}/void`)
  expect(voided.status, JSON.stringify(voided.body)).toBe(200)
  return { posId: cashier.posId, saleId, outcome: 'voided', attempts, cancelled }
}

/** The till's journal of every sale with a customer (all the checkouts had one). */
async function journal(cashier: Cashier): Promise<Json[]> {
  const sales = new Map<string, Json>()
  for (const { typed } of CUSTOMERS) {
    const answer = await cashier.request('GET', `/api/sales?phone=${encodeURIComponent(typed)}`)
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    for (const sale of answer.body.sales) sales.set(sale.id, sale)
  }
  return [...sales.values()]
}

const isLiveAttempt = (sale: Json) => sale.payment !== null && !FINAL.includes(sale.payment.state)

describe('chaos: concurrent checkouts, a faulty platform, a till killed and restarted', () => {
  it(
    'captures each paid sale exactly once, registers nothing without a capture, and leaves nothing stuck',
    {
      timeout: 420_000,
    },
    async () => {
      await control(sandbox, 'PUT', '/_sandbox/faults', { seed: SEED, rules: FAULT_RULES })
      await control(sandbox, 'PATCH', '/_sandbox/settings', { paymentLifetimeMs: PAYMENT_LIFETIME_MS })

      till = new TillSupervisor({
        port: 0,
        databaseUrl: storage.databaseUrl,
        dataDir: storage.dataDir,
        vipps: settingsFor(sandbox),
        paymentTimings: PAYMENT_TIMINGS,
        tills: TILLS,
      })
      const began = Date.now()
      await till.start()

      const points = killPoints(SEED)
      const counts: Record<string, number> = {}
      const kills: Promise<void>[] = []
      const requests = recordPlatformRequests(sandbox, (request: PlatformRequest) => {
        counts[request.kind] = (counts[request.kind] ?? 0) + 1
        const point = points.find((p) => !p.fired && p.kind === request.kind && p.n <= counts[request.kind]!)
        if (!point || !till.isUp) return
        point.fired = true
        kills.push(till.kill())
      })

      phones = answerOnPhones(sandbox, (reference) => {
        const roll = dice(SEED, `phone:${reference}`)
        return roll < 0.7 ? 'approve' : roll < 0.85 ? 'reject' : 'ignore'
      })

      const cashiers = Array.from({ length: TILLS }, (_, i) => new Cashier(till, `till-${i + 1}`))
      await Promise.all(cashiers.map((c) => c.signIn()))
      const records = (
        await Promise.all(
          cashiers.map(async (cashier) => {
            const done: CheckoutRecord[] = []
            for (let i = 0; i < CHECKOUTS_PER_TILL; i++) done.push(await checkout(cashier, i))
            return done
          }),
        )
      ).flat()
      await Promise.all(kills)

      // Nothing stuck: the platform has no request waiting and no money reserved, the till no live attempt.
      const reader = cashiers[0]!
      await eventually(
        async () => {
          const payments = await platformPayments(sandbox)
          const open = payments.filter(
            (p) =>
              p.state === 'CREATED' ||
              (p.state === 'AUTHORIZED' &&
                p.aggregate.capturedAmount.value + p.aggregate.cancelledAmount.value <
                  p.aggregate.authorizedAmount.value),
          )
          const live = (await journal(reader)).filter(
            (s) => isLiveAttempt(s) || s.state === 'awaiting_payment',
          )
          return open.length === 0 && live.length === 0 ? true : undefined
        },
        'the sweeper to settle every payment',
        60_000,
      )
      await phones.stop()

      const sales = await journal(reader)
      const payments = await platformPayments(sandbox)
      const detailed = await Promise.all(payments.map((p) => platformPayment(sandbox, p.reference)))
      const captured = detailed.filter((p) => p.aggregate.capturedAmount.value > 0)
      const paidSales = sales.filter((s) => s.state === 'paid')

      // The figures.
      const faults = await control(sandbox, 'GET', '/_sandbox/faults/log?limit=1')
      const attemptEnds: Record<string, number> = {}
      for (const record of records)
        for (const end of record.attempts) attemptEnds[end] = (attemptEnds[end] ?? 0) + 1
      const figures = {
        seed: SEED,
        storage: storage.dataDir ? 'PGlite data directory' : 'PostgreSQL',
        checkouts: records.length,
        outcomes: {
          paid: records.filter((r) => r.outcome === 'paid').length,
          voided: records.filter((r) => r.outcome === 'voided').length,
        },
        attemptEnds,
        cashierCancels: records.filter((r) => r.cancelled).length,
        phoneAnswers: phones.answered,
        kills: till.kills,
        tillStartsMs: till.startTimes,
        seconds: Math.round((Date.now() - began) / 1000),
        killPoints: points.map((p) => `${p.kind} #${p.n}${p.fired ? '' : ' (not reached)'}`),
        requestsTheTillLost: cashiers.reduce((n, c) => n + c.unanswered, 0),
        platformRequests: counts,
        faultsInjected: { total: faults.total, byKind: faults.byKind },
        platformPayments: payments.length,
        captured: captured.length,
        paidSales: paidSales.length,
      }
      console.log(`chaos figures ${JSON.stringify(figures, null, 2)}`)

      // Every kill happened, and the faults did fire.
      expect(till.kills).toBe(points.length)
      expect(faults.total).toBeGreaterThan(0)

      // No payment captured twice, or more than it was for.
      for (const payment of detailed) {
        const captures = payment.events.filter((e: Json) => e.name === 'CAPTURED')
        expect(captures.length, payment.reference).toBeLessThanOrEqual(1)
        expect(payment.aggregate.capturedAmount.value, payment.reference).toBeLessThanOrEqual(
          payment.amount.value,
        )
      }
      // Every capture is exactly one paid sale, for the whole amount, and the other way round.
      const saleByReference = new Map(paidSales.map((s) => [s.payment.reference, s]))
      expect(saleByReference.size).toBe(paidSales.length)
      for (const payment of captured) {
        const sale = saleByReference.get(payment.reference)
        expect(sale, `captured ${payment.reference} has no paid sale`).toBeDefined()
        expect(payment.aggregate.capturedAmount.value).toBe(payment.amount.value)
        expect(sale.grossAmount).toBe(payment.amount.value)
        expect(sale.payment.capturedAmount).toBe(payment.amount.value)
      }
      const capturedReferences = new Set(captured.map((p) => p.reference))
      for (const sale of paidSales) {
        expect(capturedReferences.has(sale.payment.reference), `paid sale ${sale.id} without a capture`).toBe(
          true,
        )
      }
      // What the cashiers saw is what the till kept.
      const stateOf = new Map(sales.map((s) => [s.id, s.state]))
      for (const record of records) {
        expect(stateOf.get(record.saleId), record.saleId).toBe(record.outcome)
      }
      expect(records).toHaveLength(TILLS * CHECKOUTS_PER_TILL)
      expect(paidSales).toHaveLength(records.filter((r) => r.outcome === 'paid').length)
      // Requests were sent for every checkout; none is left waiting on a phone.
      expect(requests.filter((r) => r.kind === 'create').length).toBeGreaterThanOrEqual(records.length)
    },
  )
})
