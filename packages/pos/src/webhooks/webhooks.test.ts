/**
 * The webhook receiver: deliveries signed as the platform signs them, for the
 * registration the till keeps. Verified ones move the payment; forged,
 * tampered and stale ones are refused; replays, duplicates and news out of
 * order change nothing wrongly.
 */
import type { EPaymentWebhookEvent, PaymentEventName } from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { call, KARI_MSISDN, MSN, signedDelivery } from '../../test/sandbox.ts'
import {
  afterMs,
  paymentOf,
  readySale,
  saleOf,
  startPayment,
  usePaymentTestBed,
  WEBHOOK,
} from '../../test/till.ts'
import { paymentAttempt, paymentWebhookEvent, webhookRegistration } from '../db/schema.ts'
import type { PaymentAttemptView } from '../payments/views.ts'
import { REGISTRATIONS_STALENESS_MS } from './service.ts'

const { pos, sandbox } = usePaymentTestBed()

let psp = 1000
function event(
  attempt: PaymentAttemptView,
  name: PaymentEventName,
  overrides: Partial<EPaymentWebhookEvent> = {},
) {
  return {
    msn: MSN,
    reference: attempt.reference,
    pspReference: String(++psp),
    name,
    amount: { currency: 'NOK' as const, value: attempt.amount },
    timestamp: new Date(pos().clock.now()).toISOString(),
    success: true,
    ...overrides,
  } satisfies EPaymentWebhookEvent
}

function deliver(
  body: EPaymentWebhookEvent,
  options: { secret?: string; at?: Date; tamper?: (body: string) => string } = {},
) {
  const signed = signedDelivery(
    body,
    WEBHOOK.url,
    options.secret ?? WEBHOOK.secret,
    options.at ?? new Date(pos().clock.now()),
  )
  return pos().app.inject({
    method: 'POST',
    url: '/webhooks/vipps',
    headers: signed.headers,
    payload: options.tamper ? options.tamper(signed.body) : signed.body,
  })
}

async function waitingPayment() {
  const kari = await pos().signIn()
  const saleId = await readySale(kari)
  const attempt = await startPayment(kari, saleId)
  expect(attempt.state).toBe('waiting_for_customer')
  return { kari, saleId, attempt }
}

describe('a verified webhook', () => {
  it('with the approval moves the attempt at once, and the capture follows without waiting for a poll', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')

    const response = await deliver(event(attempt, 'AUTHORIZED'))
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ received: true, duplicate: false })
    expect((await paymentOf(kari, saleId)).state).toBe('authorized')

    // Due now, not after the 5 s poll: the worker (here, one sweep) captures.
    expect(await pos().ctx.payments.sweep()).toBe(1)
    expect((await paymentOf(kari, saleId)).state).toBe('captured')
    expect((await saleOf(kari, saleId)).state).toBe('paid')
  })

  it('that is replayed or delivered twice is acknowledged and changes nothing', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'reject')
    const aborted = event(attempt, 'ABORTED')
    expect((await deliver(aborted)).json()).toEqual({ received: true, duplicate: false })
    expect((await paymentOf(kari, saleId)).state).toBe('declined')
    const again = await deliver(aborted)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ received: true, duplicate: true })
    const stored = await pos()
      .database.db.select()
      .from(paymentWebhookEvent)
      .where(eq(paymentWebhookEvent.reference, attempt.reference))
    expect(stored).toHaveLength(1)
  })

  it('arriving late or out of order never undoes what the till knows', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    await deliver(event(attempt, 'AUTHORIZED'))
    await pos().ctx.payments.sweep()
    expect((await paymentOf(kari, saleId)).state).toBe('captured')

    for (const name of ['CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED', 'CAPTURED'] as const) {
      const response = await deliver(event(attempt, name))
      expect(response.statusCode, name).toBe(200)
    }
    await pos().ctx.payments.sweep()
    expect(await paymentOf(kari, saleId)).toMatchObject({ state: 'captured', capturedAmount: attempt.amount })
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    const captures = (await sandbox.payment(attempt.reference)).events.filter((e) => e.name === 'CAPTURED')
    expect(captures).toHaveLength(1)
  })

  it('about an approval the till has already seen declined is ignored (the platform’s order wins)', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'reject')
    await deliver(event(attempt, 'ABORTED'))
    await deliver(event(attempt, 'AUTHORIZED'))
    expect((await paymentOf(kari, saleId)).state).toBe('declined')
  })

  it('about a payment the till does not know, or another merchant’s, is acknowledged and ignored', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    const stranger = await deliver(event(attempt, 'AUTHORIZED', { reference: 'someone-else-0001' }))
    expect(stranger.json()).toEqual({ received: true, duplicate: false })
    const otherMerchant = await deliver(event(attempt, 'AUTHORIZED', { msn: '654321' }))
    expect(otherMerchant.statusCode).toBe(200)
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
  })
})

describe('an approval for an attempt the till has closed', () => {
  it('releases the customer’s reserved money, once, instead of leaving it held', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    sandbox.faults.push({ matches: call('POST', /^\/epayment\/v1\/payments$/), kind: 'drop', times: 1 })
    const attempt = await startPayment(kari, saleId)
    expect(attempt.state).toBe('unknown')
    // Past the window for sending it again, the platform still does not know it: failed.
    await afterMs(pos(), 121_000)
    expect((await paymentOf(kari, saleId)).state).toBe('failed')

    // Then the lost request lands after all, and the customer approves it.
    const [row] = await pos()
      .database.db.select()
      .from(paymentAttempt)
      .where(eq(paymentAttempt.id, attempt.id))
    const client = pos().ctx.platform.clientFor(MSN)
    await client.epayment.create(row!.createRequest, { idempotencyKey: row!.idempotencyKey })
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    expect((await deliver(event(attempt, 'AUTHORIZED'))).statusCode).toBe(200)
    expect((await paymentOf(kari, saleId)).state).toBe('failed')

    expect(await pos().ctx.payments.releases.sweep()).toBe(1)
    const released = await client.epayment.get(attempt.reference)
    expect(released.aggregate.cancelledAmount.value).toBe(attempt.amount)
    expect(released.aggregate.capturedAmount.value).toBe(0)
    expect(await pos().ctx.payments.releases.sweep()).toBe(0)
    expect((await saleOf(kari, saleId)).state).toBe('open')
  })
})

describe('a webhook that does not verify', () => {
  it.each([
    ['signed with another secret', { secret: 'not-the-secret' }],
    [
      'whose body was changed after signing',
      { tamper: (body: string) => body.replace('AUTHORIZED', 'ABORTED') },
    ],
    ['signed more than five minutes ago', { at: new Date(Date.parse('2026-03-02T08:50:00Z')) }],
  ])('is refused with 401 when %s, and changes nothing', async (_case, options) => {
    const { kari, saleId, attempt } = await waitingPayment()
    const response = await deliver(event(attempt, 'AUTHORIZED'), options)
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('WEBHOOK_REJECTED')
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
  })

  it('is refused when it carries no signature at all', async () => {
    const { attempt } = await waitingPayment()
    const response = await pos().app.inject({
      method: 'POST',
      url: '/webhooks/vipps',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(event(attempt, 'AUTHORIZED')),
    })
    expect(response.statusCode).toBe(401)
  })

  it('that verifies but is not an ePayment event is a 400 naming the body', async () => {
    await waitingPayment()
    const signed = signedDelivery(
      { hello: 'world' } as unknown as EPaymentWebhookEvent,
      WEBHOOK.url,
      WEBHOOK.secret,
      new Date(pos().clock.now()),
    )
    const response = await pos().app.inject({
      method: 'POST',
      url: '/webhooks/vipps',
      headers: signed.headers,
      payload: signed.body,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('VALIDATION_FAILED')
  })
})

describe('a webhook secret renewed by another till process', () => {
  /** Another till process behind the same URL renews the registration: a new secret in the database. */
  async function renewedElsewhere(): Promise<string> {
    const renewed = 'a-secret-another-process-stored'
    await pos()
      .database.db.update(webhookRegistration)
      .set({ secret: renewed })
      .where(eq(webhookRegistration.id, WEBHOOK.id))
    return renewed
  }

  it('verifies the first delivery signed with it, and then the replaced one no longer does', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    // The till now knows the registration, as it does after its first delivery.
    expect((await deliver(event(attempt, 'CREATED'))).statusCode).toBe(200)
    const renewed = await renewedElsewhere()

    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    expect((await deliver(event(attempt, 'AUTHORIZED'), { secret: renewed })).statusCode).toBe(200)
    expect((await paymentOf(kari, saleId)).state).toBe('authorized')
    expect((await deliver(event(attempt, 'AUTHORIZED'), { secret: WEBHOOK.secret })).statusCode).toBe(401)
  })

  it('leaves the replaced secret verifying for a bounded time at most', async () => {
    const { kari, saleId, attempt } = await waitingPayment()
    expect((await deliver(event(attempt, 'CREATED'))).statusCode).toBe(200)
    await renewedElsewhere()
    pos().clock.advance(REGISTRATIONS_STALENESS_MS)
    expect((await deliver(event(attempt, 'AUTHORIZED'), { secret: WEBHOOK.secret })).statusCode).toBe(401)
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
  })
})

describe('the webhook registration', () => {
  it('is made once per MSN and URL, kept with its secret, and renewed when the platform has forgotten it', async () => {
    const webhooks = pos().ctx.webhooks
    const url = 'http://127.0.0.1:9/webhooks/vipps'
    const first = await webhooks.ensureRegistered(MSN, url)
    const again = await webhooks.ensureRegistered(MSN, url)
    expect(again.id).toBe(first.id)
    expect(again.secret).toBe(first.secret)
    const listed = (await sandbox.app.inject({ method: 'GET', url: '/_sandbox/webhooks' })).json()
    const ours = (listed.webhooks as Array<{ url: string; secret: string }>).filter((w) => w.url === url)
    expect(ours).toEqual([expect.objectContaining({ url, secret: first.secret })])

    await sandbox.reset() // a restarted sandbox forgets every registration
    const renewed = await webhooks.ensureRegistered(MSN, url)
    expect(renewed.id).not.toBe(first.id)
    expect(renewed.secret).not.toBe(first.secret)
  })
})
