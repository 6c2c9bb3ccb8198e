/**
 * The payment flow across the wire: a sandbox and a till each listening on
 * 127.0.0.1, the till registered for webhooks at start, its background worker
 * running on the real clock, the customer acting through the sandbox's
 * control API. Waits are bounded polls for a condition, never fixed sleeps.
 */
import { describe, expect, it } from 'vitest'
import { KARI_MSISDN, MSN } from '../../test/sandbox.ts'
import { BATTERIES, MILK, NEWSPAPER } from '../../test/till.ts'
import {
  eventually,
  followEvents,
  type HttpTill,
  type Json,
  sandboxControl,
  signInOverHttp,
  useSandboxAndTills,
} from '../../test/wire.ts'

const wire = useSandboxAndTills()
const { startTill, stopTill } = wire

const control = sandboxControl(() => wire.sandbox.url)

/** A sale with three products, paid for by Kari who shows her personal QR; the request sent. */
async function requestPayment(cashier: HttpTill): Promise<{ saleId: string; attempt: Json }> {
  const saleId = (await (await cashier.request('POST', '/api/sales')).json()).id
  for (const barcode of [MILK, BATTERIES, NEWSPAPER]) {
    expect((await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })).status).toBe(200)
  }
  const qr = await control('GET', `/_sandbox/users/${KARI_MSISDN}/qr`)
  const customer = await cashier.request('PUT', `/api/sales/${saleId}/customer`, { personalQr: qr.content })
  expect(customer.status).toBe(200)
  const started = await cashier.request('POST', `/api/sales/${saleId}/payment`)
  expect(started.status).toBe(202)
  const { attempt } = await started.json()
  expect(attempt.state).toBe('waiting_for_customer')
  return { saleId, attempt }
}

async function attemptState(cashier: HttpTill, saleId: string, state: string): Promise<Json | undefined> {
  const { attempt } = await (await cashier.request('GET', `/api/sales/${saleId}/payment`)).json()
  return attempt.state === state ? attempt : undefined
}

const capturedEvents = async (reference: string) =>
  (await control('GET', `/_sandbox/payments/${MSN}/${reference}`)).events.filter(
    (e: { name: string }) => e.name === 'CAPTURED',
  )

// Each test starts real servers and a fresh embedded database (or a PostgreSQL database), which takes seconds.
describe('across the wire', { timeout: 60_000 }, () => {
  it('a push request approved on the phone is captured once and registered, and the screen follows live', async () => {
    const till = await startTill()
    expect(till.webhookUrl).toBe(`${till.url}/webhooks/vipps`)
    const cashier = await signInOverHttp(till.url)
    const live = await followEvents(till.url, cashier)
    try {
      const { saleId, attempt } = await requestPayment(cashier)
      const onPhone = await control('GET', `/_sandbox/users/${KARI_MSISDN}/payments`)
      expect(onPhone.payments.map((p: { reference: string }) => p.reference)).toContain(attempt.reference)

      await control('POST', `/_sandbox/users/${KARI_MSISDN}/payments/${MSN}/${attempt.reference}/approve`)
      const captured = await eventually(() => attemptState(cashier, saleId, 'captured'), 'the capture')
      expect(captured.capturedAmount).toBe(2590 + 7990 + 4500)
      const sale = await (await cashier.request('GET', `/api/sales/${saleId}`)).json()
      expect(sale.state).toBe('paid')
      expect(await capturedEvents(attempt.reference)).toHaveLength(1)

      // The webhook reached the till and was verified (2xx), not just the poll.
      const listed = await control('GET', `/_sandbox/webhooks/deliveries?reference=${attempt.reference}`)
      const details = await Promise.all(
        listed.deliveries.map((d: Json) => control('GET', `/_sandbox/webhooks/deliveries/${d.id}`)),
      )
      const authorized = details.find((d: Json) => d.eventType === 'epayments.payment.authorized.v1')
      expect(authorized.attempts.map((a: Json) => a.statusCode)).toEqual([200])
      const answered = details.flatMap((d: Json) => d.attempts.map((a: Json) => a.statusCode))
      expect(answered.filter((status: number | null) => status !== 200)).toEqual([])

      await eventually(
        async () =>
          live.events.some(
            (e) => e.event === 'sale' && e.data.sale.id === saleId && e.data.sale.state === 'paid',
          )
            ? true
            : undefined,
        'the paid sale on the screen',
      )
      const states = live.events.filter((e) => e.event === 'payment').map((e) => e.data.attempt.state)
      expect(states).toContain('waiting_for_customer')
      expect(states.at(-1)).toBe('captured')
      expect(states.indexOf('waiting_for_customer')).toBeLessThan(states.indexOf('captured'))
    } finally {
      await live.close()
    }
  })

  it('a request the customer rejects ends declined', async () => {
    const till = await startTill()
    const cashier = await signInOverHttp(till.url)
    const { saleId, attempt } = await requestPayment(cashier)
    await control('POST', `/_sandbox/users/${KARI_MSISDN}/payments/${MSN}/${attempt.reference}/reject`)
    await eventually(() => attemptState(cashier, saleId, 'declined'), 'the decline')
    expect((await (await cashier.request('GET', `/api/sales/${saleId}`)).json()).state).toBe('open')
    expect(await capturedEvents(attempt.reference)).toEqual([])
  })

  it('a request nobody answers expires on the sandbox’s clock', async () => {
    const till = await startTill()
    const cashier = await signInOverHttp(till.url)
    const { saleId, attempt } = await requestPayment(cashier)
    await control('POST', '/_sandbox/clock/advance', { minutes: 11 })
    await eventually(() => attemptState(cashier, saleId, 'expired'), 'the expiry')
    expect((await control('GET', `/_sandbox/payments/${MSN}/${attempt.reference}`)).state).toBe('EXPIRED')
  })

  it('a till stopped between the request and the approval completes the payment once after it starts again', async () => {
    const first = await startTill()
    const cashier = await signInOverHttp(first.url)
    const { saleId, attempt } = await requestPayment(cashier)
    await stopTill(first)

    // The customer approves while the till is down.
    await control('POST', `/_sandbox/users/${KARI_MSISDN}/payments/${MSN}/${attempt.reference}/approve`)

    const second = await startTill()
    expect(second.url).not.toBe(first.url)
    const again = await signInOverHttp(second.url)
    await eventually(() => attemptState(again, saleId, 'captured'), 'the sweeper’s capture')
    const paid = await (await again.request('GET', '/api/sales?state=paid')).json()
    expect(paid.sales.map((s: { id: string }) => s.id)).toEqual([saleId])
    expect(await capturedEvents(attempt.reference)).toHaveLength(1)

    // However long it runs on, nothing more is captured.
    await eventually(
      async () => ((await second.ctx.payments.sweep()) === 0 ? true : undefined),
      'a quiet sweep',
    )
    expect(await capturedEvents(attempt.reference)).toHaveLength(1)
  })
})
