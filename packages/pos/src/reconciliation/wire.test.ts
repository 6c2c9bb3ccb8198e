/**
 * Money in the bank, across the wire: a sandbox and a till each listening on
 * 127.0.0.1, webhooks delivered (or dropped by the sandbox's faults), the
 * till's worker on the real clock. A day of sales is settled by moving the
 * sandbox's clock past the store's midnight; the till's reconciliation then
 * reads the Report API and the in-flight check reads ePayment. Waits are
 * bounded polls for a condition, never fixed sleeps.
 */
import { newIdempotencyKey, VippsClient } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { KARI_MSISDN, MSN } from '../../test/sandbox.ts'
import { BATTERIES, MILK, NEWSPAPER } from '../../test/till.ts'
import {
  eventually,
  type HttpTill,
  type Json,
  sandboxControl,
  settingsFor,
  signInOverHttp,
  useSandboxAndTills,
} from '../../test/wire.ts'
import { localDate } from '../journal/local-time.ts'
import type { PaymentTimings } from '../payments/service.ts'

const wire = useSandboxAndTills()
const startTill = (paymentTimings: Partial<PaymentTimings>) => wire.startTill({ paymentTimings })

const control = sandboxControl(() => wire.sandbox.url)

/** The merchant's own client, as another system on the same MSN (or someone bypassing the till) uses it. */
function merchantClient(): VippsClient {
  const settings = settingsFor(wire.sandbox)
  return new VippsClient({
    host: settings.baseUrl as `https://${string}`,
    credentials: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      subscriptionKey: settings.subscriptionKey,
      msn: MSN,
    },
  })
}

/** A sale of `barcodes` for Kari (typed number), its payment request sent. */
async function requestPayment(
  cashier: HttpTill,
  ...barcodes: string[]
): Promise<{ saleId: string; attempt: Json }> {
  const saleId = (await (await cashier.request('POST', '/api/sales')).json()).id
  for (const barcode of barcodes) {
    expect((await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })).status).toBe(200)
  }
  expect(
    (await cashier.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })).status,
  ).toBe(200)
  const started = await cashier.request('POST', `/api/sales/${saleId}/payment`)
  expect(started.status).toBe(202)
  return { saleId, attempt: (await started.json()).attempt }
}

const approve = (reference: string) =>
  control('POST', `/_sandbox/users/${KARI_MSISDN}/payments/${MSN}/${reference}/approve`)

async function captured(cashier: HttpTill, saleId: string): Promise<Json> {
  return eventually(async () => {
    const { attempt } = await (await cashier.request('GET', `/api/sales/${saleId}/payment`)).json()
    return attempt.state === 'captured' ? attempt : undefined
  }, `the capture of ${saleId}`)
}

/** Drops every webhook the sandbox would send about `reference` from now on. */
const dropWebhooksOf = (reference: string) =>
  control('POST', '/_sandbox/faults', { kind: 'drop', msn: MSN, reference })

const capturedEvents = async (reference: string) =>
  (await control('GET', `/_sandbox/payments/${MSN}/${reference}`)).events.filter(
    (e: { name: string }) => e.name === 'CAPTURED',
  )

async function json(till: HttpTill, method: string, path: string, status = 200): Promise<Json> {
  const response = await till.request(method, path)
  const body = await response.json()
  expect(response.status, JSON.stringify(body)).toBe(status)
  return body
}

/** Moves the sandbox past the store's midnight, so the platform closes the day and writes its report. */
const settle = () => control('POST', '/_sandbox/clock/advance', { days: 1 })

const MANAGER = { staffNumber: '2', pin: '9999' }

describe('money in the bank, across the wire', { timeout: 90_000 }, () => {
  it('a day with sales, a partial refund, a cancelled request and a sale whose webhook never arrived reconciles to the øre', async () => {
    // Polls soon after a request, so the sale whose webhooks are dropped is found by polling.
    const pos = await startTill({ firstPollMs: 300, pollIntervalMs: 300 })
    await control('PUT', `/_sandbox/merchants/${MSN}/fees`, { percentBasisPoints: 175, fixedMinorUnits: 100 })
    const today = localDate(new Date(), 'Europe/Oslo')
    const kari = await signInOverHttp(pos.url)
    const martin = await signInOverHttp(pos.url, MANAGER, 'till-2')

    const first = await requestPayment(kari, MILK, BATTERIES, NEWSPAPER)
    await approve(first.attempt.reference)
    await captured(kari, first.saleId)

    const second = await requestPayment(martin, BATTERIES, BATTERIES)
    await approve(second.attempt.reference)
    await captured(martin, second.saleId)
    const lines = (await json(martin, 'GET', `/api/sales/${second.saleId}`)).lines
    const refund = await martin.request('POST', `/api/sales/${second.saleId}/refunds`, {
      lines: [{ lineId: lines[0].id, quantity: 1 }],
    })
    expect((await refund.json()).refund).toMatchObject({ state: 'refunded', amount: 7990 })

    const cancelled = await requestPayment(kari, NEWSPAPER)
    expect((await kari.request('POST', `/api/sales/${cancelled.saleId}/payment/cancel`)).status).toBe(200)
    await eventually(async () => {
      const { attempt } = await json(kari, 'GET', `/api/sales/${cancelled.saleId}/payment`)
      return attempt.state === 'cancelled' ? attempt : undefined
    }, 'the cancel')
    // The cancelled sale is open again; void it so the next sale starts fresh.
    expect((await kari.request('POST', `/api/sales/${cancelled.saleId}/void`)).status).toBe(200)

    const unheard = await requestPayment(kari, MILK, MILK)
    await dropWebhooksOf(unheard.attempt.reference)
    await approve(unheard.attempt.reference)
    await captured(kari, unheard.saleId)
    const dropped = await control('GET', '/_sandbox/faults/log')
    expect(JSON.stringify(dropped)).toContain(unheard.attempt.reference)

    // The web shop sells on the same MSN: its payment shares the ledger.
    const shop = merchantClient()
    const shopReference = `webshop-${Date.now()}`
    await shop.epayment.create(
      {
        reference: shopReference,
        amount: { currency: 'NOK', value: 19_900 },
        paymentMethod: { type: 'WALLET' },
        customer: { phoneNumber: KARI_MSISDN },
        userFlow: 'WEB_REDIRECT',
        returnUrl: 'https://shop.example/return',
      },
      { idempotencyKey: newIdempotencyKey() },
    )
    await shop.epayment.forceApprove(shopReference, { customer: { phoneNumber: KARI_MSISDN } })
    await shop.epayment.capture(
      shopReference,
      { currency: 'NOK', value: 19_900 },
      { idempotencyKey: newIdempotencyKey() },
    )

    // Before the platform closes the day: not settled yet.
    const early = await json(martin, 'GET', `/api/reconciliation/${today}`)
    expect(early.reconciliation).toMatchObject({ status: 'not-settled', totals: null, lines: [] })
    expect(early.reconciliation.recorded.captures.count).toBe(3)
    const earlyCsv = await martin.request('GET', `/api/reconciliation/${today}/report.csv`)
    expect(earlyCsv.status).toBe(409)

    // The in-flight check: the till and the platform agree on every attempt of the day.
    const inFlight = await json(martin, 'GET', `/api/in-flight/${today}`)
    expect(inFlight.payments).toHaveLength(4)
    expect(inFlight.payments.filter((p: Json) => p.difference)).toEqual([])
    expect(inFlight.payments.map((p: Json) => p.status).sort()).toEqual([
      'agrees',
      'agrees',
      'agrees',
      'agrees',
    ])

    await settle()
    const { reconciliation } = await json(martin, 'GET', `/api/reconciliation/${today}`)
    expect(reconciliation.status).toBe('settled')
    expect(reconciliation.differences).toBe(0)
    const byStatus = (status: string) => reconciliation.lines.filter((l: Json) => l.status === status)
    expect(
      byStatus('matched')
        .map((l: Json) => [l.kind, l.reference, l.settledAmount])
        .sort(),
    ).toEqual(
      [
        ['capture', first.attempt.reference, 2590 + 7990 + 4500],
        ['capture', second.attempt.reference, 2 * 7990],
        ['capture', unheard.attempt.reference, 2 * 2590],
        ['refund', second.attempt.reference, -7990],
      ].sort(),
    )
    expect(byStatus('other-channel').map((l: Json) => l.reference)).toEqual([shopReference])
    const tillCaptures = 2590 + 7990 + 4500 + 2 * 7990 + 2 * 2590
    const { totals } = reconciliation
    expect(totals.captures).toBe(tillCaptures + 19_900)
    expect(totals.refunds).toBe(7990)
    // 1.75 % + 1.00 kr on each of the four captures, rounded per capture.
    const fees = [2590 + 7990 + 4500, 2 * 7990, 2 * 2590, 19_900].reduce(
      (sum, value) => sum + Math.round((value * 175) / 10_000) + 100,
      0,
    )
    expect(totals.fees).toBe(fees)
    expect(totals.payout).toBe(totals.captures - totals.refunds - totals.fees)
    expect(totals.expectedPayout).toBe(totals.payout)
    expect(reconciliation.otherChannels).toMatchObject({ count: 1, captures: 19_900, net: 19_900 })
    // Each capture's own fee, from the fees report.
    expect(
      byStatus('matched')
        .filter((l: Json) => l.kind === 'capture')
        .every((l: Json) => l.fee > 100),
    ).toBe(true)

    const csv = await fetch(`${pos.url}/api/reconciliation/${today}/report.csv`, {
      headers: { cookie: martin.cookie },
    })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const rows = (await csv.text()).split('\r\n')
    expect(rows[0]).toBe('status,kind,reference,pspReference,currency,recorded,settled,fee')
    expect(rows.find((row) => row.includes(unheard.attempt.reference))).toMatch(
      /^matched,capture,.*,NOK,51\.80,51\.80,/,
    )
    expect(rows.some((row) => row.startsWith(`other-channel,capture,${shopReference},`))).toBe(true)
  })

  it('a payment captured on the platform but never registered at the till is named by reconciliation and the in-flight check, and resolving registers it once', async () => {
    // No early polls: the till hears of a payment by its webhooks here, so one whose webhooks are dropped stays unknown.
    const pos = await startTill({
      firstPollMs: 600_000,
      pollIntervalMs: 600_000,
      slowPollIntervalMs: 600_000,
    })
    const today = localDate(new Date(), 'Europe/Oslo')
    const kari = await signInOverHttp(pos.url)
    const martin = await signInOverHttp(pos.url, MANAGER, 'till-2')

    const normal = await requestPayment(kari, MILK)
    await approve(normal.attempt.reference)
    await captured(kari, normal.saleId)

    // Approved and captured straight through the API, bypassing the till, its webhooks lost.
    // All of them, CREATED too, and from before the request: any webhook makes the till look
    // at the payment at once, and a late CREATED would let it see the approval.
    await control('POST', '/_sandbox/faults', { kind: 'drop', msn: MSN })
    const bypassed = await requestPayment(kari, BATTERIES)
    await approve(bypassed.attempt.reference)
    await merchantClient().epayment.capture(
      bypassed.attempt.reference,
      { currency: 'NOK', value: 7990 },
      { idempotencyKey: newIdempotencyKey() },
    )
    expect((await json(kari, 'GET', `/api/sales/${bypassed.saleId}/payment`)).attempt.state).toBe(
      'waiting_for_customer',
    )

    const check = await json(martin, 'GET', `/api/in-flight/${today}`)
    expect(check.payments[0]).toMatchObject({
      reference: bypassed.attempt.reference,
      status: 'captured-not-registered',
      difference: true,
      action: 'follow',
      till: { state: 'waiting_for_customer', capturedAmount: 0 },
      platform: { state: 'AUTHORIZED', capturedAmount: 7990 },
    })
    expect(check.payments.filter((p: Json) => p.difference)).toHaveLength(1)

    await settle()
    const broken = (await json(martin, 'GET', `/api/reconciliation/${today}`)).reconciliation
    expect(broken.differences).toBe(1)
    expect(broken.lines[0]).toMatchObject({
      status: 'missing-in-records',
      kind: 'capture',
      reference: bypassed.attempt.reference,
      settledAmount: 7990,
      recordedAmount: null,
    })

    // A cashier may not resolve it; the manager does, from the in-flight check.
    const refused = await kari.request('POST', `/api/payment-attempts/${bypassed.attempt.id}/resolve`)
    expect(refused.status).toBe(403)
    const resolved = await json(martin, 'POST', `/api/payment-attempts/${bypassed.attempt.id}/resolve`)
    expect(resolved.payment).toMatchObject({
      status: 'agrees',
      difference: false,
      till: { state: 'captured' },
    })
    expect((await json(kari, 'GET', `/api/sales/${bypassed.saleId}`)).state).toBe('paid')
    const again = await martin.request('POST', `/api/payment-attempts/${bypassed.attempt.id}/resolve`)
    expect(again.status).toBe(409)
    expect((await again.json()).error.code).toBe('NOTHING_TO_RESOLVE')
    // Registered once, charged once.
    expect(await capturedEvents(bypassed.attempt.reference)).toHaveLength(1)
    const paid = await json(martin, 'GET', '/api/sales?state=paid')
    expect(paid.sales.filter((s: Json) => s.id === bypassed.saleId)).toHaveLength(1)

    const fixed = (await json(martin, 'GET', `/api/reconciliation/${today}`)).reconciliation
    expect(fixed.differences).toBe(0)
    expect(fixed.totals.payout).toBe(fixed.totals.captures - fixed.totals.refunds - fixed.totals.fees)
    expect(
      (await json(martin, 'GET', `/api/in-flight/${today}`)).payments.every((p: Json) => !p.difference),
    ).toBe(true)
  })

  it('is for managers, and a date that is not a day is refused naming the field', async () => {
    const pos = await startTill({})
    const kari = await signInOverHttp(pos.url)
    const martin = await signInOverHttp(pos.url, MANAGER, 'till-2')
    const today = localDate(new Date(), 'Europe/Oslo')
    for (const path of [
      `/api/reconciliation/${today}`,
      `/api/reconciliation/${today}/report.csv`,
      `/api/in-flight/${today}`,
    ]) {
      const response = await kari.request('GET', path)
      expect(response.status, path).toBe(403)
      expect((await response.json()).error.code).toBe('MANAGER_REQUIRED')
    }
    for (const path of [
      '/api/reconciliation/2026-02-30',
      '/api/in-flight/20260301',
      '/api/reconciliation/2999-01-01',
    ]) {
      const response = await martin.request('GET', path)
      expect(response.status, path).toBe(400)
      expect((await response.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' })
    }
    const unknown = await martin.request('POST', '/api/payment-attempts/pay_nothing/resolve')
    expect(unknown.status).toBe(404)
  })
})
