/**
 * Two till processes on one PostgreSQL database and one sandbox, behind one
 * public URL (as a chain's load balancer would put them): the platform's
 * webhooks reach process B only, cashiers work through process A.
 *
 * - Live status across processes: a cashier's screen following A sees every
 *   change B makes (the webhook's approval, B's capture) the moment it is made,
 *   and one following B sees A's (the request sent), through LISTEN/NOTIFY.
 * - Background work once: each payment is created once and captured once
 *   across both processes, and its platform calls never overlap — each is sent
 *   after the previous one was answered — though both processes poll and
 *   capture (each process is told apart by its own access token); an outbox
 *   message (releasing an approval for an attempt the till had given up on)
 *   is carried out by one process, once.
 *
 * Needs a PostgreSQL server, so it runs in CI's PostgreSQL pass
 * (KASSE_TEST_DATABASE_URL); vitest.config.ts leaves `*.postgres.test.ts` out
 * of the embedded pass, where two processes cannot share a PGlite directory.
 */
import { type RunningSandbox, startSandbox } from '@kasse/sandbox'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshTillStorage, TEST_DATABASE_URL } from '../database.ts'
import { eventually, followEvents, type HttpTill, type Json, settingsFor, signInOverHttp } from '../wire.ts'
import { control, MSN, type PlatformRequest, recordPlatformRequests } from './harness.ts'
import { spawnTill, type TillProcess } from './processes.ts'

const TILLS = 3
const PAYMENTS_PER_TILL = 2
const POLL_INTERVAL_MS = 400
const BARCODES = ['7039610197728', '7040110061051', '7039610127701']

let sandbox: RunningSandbox
let storage: Awaited<ReturnType<typeof freshTillStorage>>
const processes: TillProcess[] = []

beforeAll(async () => {
  if (!TEST_DATABASE_URL) throw new Error('this test needs KASSE_TEST_DATABASE_URL (a PostgreSQL server)')
  sandbox = await startSandbox({ port: 0 })
  storage = await freshTillStorage()
})

afterAll(async () => {
  for (const till of processes) await till.stop()
  await sandbox?.close()
  await storage?.drop()
})

function startTill(publicUrl?: string): Promise<TillProcess> {
  return spawnTill({
    port: 0,
    databaseUrl: storage.databaseUrl,
    dataDir: undefined,
    vipps: settingsFor(sandbox),
    ...(publicUrl ? { publicUrl } : {}),
    paymentTimings: { leaseMs: 5_000, firstPollMs: 1_000, pollIntervalMs: POLL_INTERVAL_MS },
    tills: TILLS,
  }).then((till) => {
    processes.push(till)
    return till
  })
}

/** The bearer tokens a process used: those of the requests that arrived while only it had started. */
function tokensOf(requests: PlatformRequest[]): Set<string> {
  return new Set(requests.map((r) => r.authorization).filter((a): a is string => a !== undefined))
}

/** Opens a sale at the cashier's till, scans, identifies Kari by her number and asks her to pay. */
async function requestPayment(cashier: HttpTill): Promise<{ saleId: string; reference: string }> {
  const saleId = (await (await cashier.request('POST', '/api/sales')).json()).id
  for (const barcode of BARCODES) {
    expect((await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })).status).toBe(200)
  }
  const customer = await cashier.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
  expect(customer.status).toBe(200)
  const started = await cashier.request('POST', `/api/sales/${saleId}/payment`)
  expect(started.status).toBe(202)
  return { saleId, reference: (await started.json()).attempt.reference }
}

describe('two till processes on one PostgreSQL', () => {
  it(
    'show each other’s payment changes live, and do each payment’s platform work once between them',
    {
      timeout: 180_000,
    },
    async () => {
      const requests = recordPlatformRequests(sandbox)
      const b = await startTill()
      const tokensOfB = tokensOf(requests)
      const seenBeforeA = requests.length
      const a = await startTill(b.url)
      const tokensOfA = tokensOf(requests.slice(seenBeforeA))
      expect(tokensOfB.size).toBeGreaterThan(0)
      expect(tokensOfA.size).toBeGreaterThan(0)
      expect([...tokensOfA].some((t) => tokensOfB.has(t))).toBe(false)
      const processOf = (request: PlatformRequest) =>
        tokensOfA.has(request.authorization ?? '')
          ? 'A'
          : tokensOfB.has(request.authorization ?? '')
            ? 'B'
            : '?'

      // One registration for the shared URL: the platform sends each event once, to B.
      const registered = (await control(sandbox, 'GET', '/_sandbox/webhooks')).webhooks as Json[]
      expect(registered.map((w) => w.url)).toEqual([b.webhookUrl])
      expect(a.webhookUrl).toBe(b.webhookUrl)

      const cashiers = await Promise.all(
        Array.from({ length: TILLS }, (_, i) => signInOverHttp(a.url, undefined, `till-${i + 1}`)),
      )
      const screensOnA = await Promise.all(cashiers.map((c) => followEvents(a.url, c)))
      const screensOnB = await Promise.all(cashiers.map((c) => followEvents(b.url, c)))
      const payments: Array<{ till: number; saleId: string; reference: string }> = []
      try {
        await Promise.all(
          cashiers.map(async (cashier, till) => {
            for (let i = 0; i < PAYMENTS_PER_TILL; i++) {
              const payment = await requestPayment(cashier)
              payments.push({ till, ...payment })
              // The customer takes a moment: the till polls meanwhile, from either process.
              await eventually(
                async () =>
                  requests.filter((r) => r.kind === 'get' && r.reference === payment.reference).length >= 3
                    ? true
                    : undefined,
                `polls of ${payment.reference}`,
              )
              await control(
                sandbox,
                'POST',
                `/_sandbox/users/4712345678/payments/${MSN}/${payment.reference}/approve`,
              )
              await eventually(async () => {
                const { attempt } = await (
                  await cashier.request('GET', `/api/sales/${payment.saleId}/payment`)
                ).json()
                return attempt.state === 'captured' ? true : undefined
              }, `the capture of ${payment.reference}`)
            }
          }),
        )

        // Every screen saw every one of its till's payments registered, on both processes.
        for (const { till, reference } of payments) {
          for (const [name, screens] of [
            ['A', screensOnA],
            ['B', screensOnB],
          ] as const) {
            await eventually(
              async () =>
                screens[till]!.events.some(
                  (e) =>
                    e.event === 'payment' &&
                    e.data.attempt.reference === reference &&
                    e.data.attempt.state === 'captured',
                )
                  ? true
                  : undefined,
              `${reference} captured on a screen following ${name}`,
            )
          }
          // B's screen saw the request A sent before the customer answered.
          expect(
            screensOnB[till]!.events.some(
              (e) =>
                e.event === 'payment' &&
                e.data.attempt.reference === reference &&
                e.data.attempt.state === 'waiting_for_customer',
            ),
            `${reference} waiting on B's screen`,
          ).toBe(true)
        }
      } finally {
        for (const screen of [...screensOnA, ...screensOnB]) await screen.close()
      }

      // The webhooks went to B and B took them.
      const deliveries = (await control(sandbox, 'GET', '/_sandbox/webhooks/deliveries')).deliveries as Json[]
      const ours = deliveries.filter((d) => payments.some((p) => p.reference === d.reference))
      expect(ours.length).toBeGreaterThan(0)
      for (const delivery of ours) {
        const detail = await control(sandbox, 'GET', `/_sandbox/webhooks/deliveries/${delivery.id}`)
        expect(detail.url).toBe(b.webhookUrl)
        expect(detail.attempts.map((x: Json) => x.statusCode)).toContain(200)
      }

      // Each payment's platform work once: one create (its reference is in the body, so it is
      // counted among all creates), one capture, and its calls one after another.
      const creates = requests.filter((r) => r.kind === 'create')
      expect(creates).toHaveLength(payments.length)
      const calls: Record<string, { A: number; B: number }> = { create: { A: 0, B: 0 } }
      for (const create of creates) calls.create![processOf(create) as 'A' | 'B']++
      for (const { reference } of payments) {
        const mine = requests.filter((r) => r.reference === reference)
        expect(
          mine.filter((r) => r.kind === 'capture'),
          reference,
        ).toHaveLength(1)
        expect(
          mine.filter((r) => r.kind === 'cancel'),
          reference,
        ).toHaveLength(0)
        for (let i = 1; i < mine.length; i++) {
          expect(
            mine[i]!.receivedAt,
            `${reference}: ${mine[i]!.kind} sent before the ${mine[i - 1]!.kind} was answered`,
          ).toBeGreaterThanOrEqual(mine[i - 1]!.answeredAt!)
        }
        const platform = await control(sandbox, 'GET', `/_sandbox/payments/${MSN}/${reference}`)
        expect(platform.events.filter((e: Json) => e.name === 'CREATED')).toHaveLength(1)
        expect(platform.events.filter((e: Json) => e.name === 'CAPTURED')).toHaveLength(1)
        for (const request of mine) {
          const who = processOf(request)
          calls[request.kind] ??= { A: 0, B: 0 }
          if (who === 'A' || who === 'B') calls[request.kind]![who]++
        }
      }
      console.log(`platform calls by kind and process ${JSON.stringify(calls)}`)
      // Both workers run over the same attempts; which one does a payment's look-ups and
      // capture is a matter of timing. The webhooks land on B and wake B's worker at once,
      // so B usually does it all, before A's first poll is due (5 s). What must hold is the
      // above: each payment's work once, one call after another, whoever did it.
      const backgroundOf = (who: 'A' | 'B') => (calls.get?.[who] ?? 0) + (calls.capture?.[who] ?? 0)
      expect(backgroundOf('A') + backgroundOf('B')).toBeGreaterThanOrEqual(2 * payments.length)
      // All creates came from A, where the cashiers pressed Pay.
      expect(calls.create).toEqual({ A: payments.length, B: 0 })

      // The outbox: an approval for an attempt the till had given up on (as it does when a
      // create's outcome stays unknown past the resend window) is released by one process.
      const cashier = cashiers[0]!
      const late = await requestPayment(cashier)
      await giveUpOn(late.reference)
      await control(sandbox, 'POST', `/_sandbox/users/4712345678/payments/${MSN}/${late.reference}/approve`)
      const released = await eventually(async () => {
        const payment = await control(sandbox, 'GET', `/_sandbox/payments/${MSN}/${late.reference}`)
        return payment.aggregate.cancelledAmount.value === payment.amount.value ? payment : undefined
      }, 'the release of the late approval')
      expect(released.aggregate.capturedAmount.value).toBe(0)
      const lateCalls = requests.filter((r) => r.reference === late.reference)
      expect(lateCalls.filter((r) => r.kind === 'cancel')).toHaveLength(1)
      expect(lateCalls.filter((r) => r.kind === 'capture')).toHaveLength(0)
      const { attempt } = await (await cashier.request('GET', `/api/sales/${late.saleId}/payment`)).json()
      expect(attempt.state).toBe('failed')
      console.log(
        `the release's cancel came from process ${processOf(lateCalls.find((r) => r.kind === 'cancel')!)}`,
      )
    },
  )
})

/**
 * Writes what the till writes when it gives up on an attempt whose create it
 * could not confirm (failed, retryable; the sale open again), while the
 * platform does have the payment: the situation a late create leaves behind.
 */
async function giveUpOn(reference: string): Promise<void> {
  const client = new pg.Client({ connectionString: storage.databaseUrl })
  await client.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ sale_id: string }>(
      `UPDATE payment_attempt SET state = 'failed', error_code = 'PLATFORM_UNAVAILABLE',
         error_message = 'Vipps MobilePay could not be reached', error_retryable = true,
         final_at = now(), next_check_at = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = now()
       WHERE reference = $1 RETURNING sale_id`,
      [reference],
    )
    await client.query(`UPDATE sale SET state = 'open', updated_at = now() WHERE id = $1`, [rows[0]!.sale_id])
    await client.query('COMMIT')
  } finally {
    await client.end()
  }
}
