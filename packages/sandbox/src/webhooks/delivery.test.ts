/**
 * Webhook delivery against a real HTTP receiver on 127.0.0.1: signatures,
 * per-payment ordering, retries on the sandbox clock, timeouts, the seven-day
 * window, and the control API's view of it all. Events are emitted on the bus
 * directly, as the ePayment module does.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type EPaymentWebhookEvent, verifyWebhook } from '@kasse/vipps'
import { afterEach, describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { loadConfig } from '../config.ts'
import { call, createPayment } from '../epayment/test-helpers.ts'

const MSN = '123456'
const DAY = 24 * 3600_000

interface Received {
  body: string
  headers: IncomingHttpHeaders
  event: EPaymentWebhookEvent
}

/** What the receiver answers a request with: a status, or no answer at all. */
type Answer = number | 'no-answer'

const receivers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of receivers.splice(0)) await close()
})

/** A webhook receiver on 127.0.0.1:0 that records every request and answers as `answer` says. */
async function startReceiver(answer: (received: Received) => Answer = () => 200) {
  const received: Received[] = []
  /** Requests the sender gave up on before they were answered. */
  const abandoned: Received[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const entry = { body, headers: request.headers, event: JSON.parse(body) as EPaymentWebhookEvent }
      received.push(entry)
      const status = answer(entry)
      if (status !== 'no-answer') response.writeHead(status).end()
      response.on('close', () => {
        if (!response.writableEnded) abandoned.push(entry)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  receivers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${port}/vipps/webhooks`, received, abandoned }
}

/** Polls `condition` until it holds, failing after a bound; never asserts how long it took. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting until ${what}`)
}

let sequence = 0
function paymentEvent(reference: string, name: EPaymentWebhookEvent['name']): EPaymentWebhookEvent {
  sequence++
  return {
    msn: MSN,
    reference,
    pspReference: `psp-${sequence}`,
    name,
    amount: { currency: 'NOK', value: 35000 },
    timestamp: new Date(Date.UTC(2025, 0, 1, 12, 0, sequence)).toISOString(),
    idempotencyKey: `key-${sequence}`,
    success: true,
  }
}

const ALL_PAYMENT_EVENTS = [
  'epayments.payment.created.v1',
  'epayments.payment.authorized.v1',
  'epayments.payment.captured.v1',
  'epayments.payment.cancelled.v1',
]

async function setUp(options: { timeoutMs?: number } = {}) {
  const sandbox = await testSandbox({
    config: loadConfig(undefined, { webhookTimeoutMs: options.timeoutMs ?? 2_000 }),
  })
  const registerAt = async (url: string, events = ALL_PAYMENT_EVENTS) => {
    const response = await sandbox.app.inject({
      method: 'POST',
      url: '/webhooks/v1/webhooks',
      headers: await sandbox.headers(),
      payload: { url, events },
    })
    expect(response.statusCode).toBe(201)
    return response.json() as { id: string; secret: string }
  }
  const deliveries = async (query = '') => {
    const response = await sandbox.app.inject({ method: 'GET', url: `/_sandbox/webhooks/deliveries${query}` })
    expect(response.statusCode).toBe(200)
    return response.json().deliveries as Array<Record<string, unknown> & { id: string; state: string }>
  }
  const delivery = async (id: string) => {
    const response = await sandbox.app.inject({ method: 'GET', url: `/_sandbox/webhooks/deliveries/${id}` })
    expect(response.statusCode).toBe(200)
    return response.json()
  }
  const emit = (event: EPaymentWebhookEvent) => sandbox.ctx.events.emit('epayment.event', event)
  const stateOf = async (reference: string, name: string) =>
    (await deliveries(`?reference=${reference}`)).find((d) => (d.event as { name: string }).name === name)
      ?.state
  return { ...sandbox, registerAt, deliveries, delivery, emit, stateOf }
}

const names = (received: Received[], reference?: string) =>
  received.filter((r) => reference === undefined || r.event.reference === reference).map((r) => r.event.name)

describe('webhook delivery', () => {
  it('delivers each event signed with the registration secret for its URL, in order per payment', async () => {
    const { registerAt, emit, ctx } = await setUp()
    const receiver = await startReceiver()
    const { secret } = await registerAt(receiver.url)
    const events = [
      paymentEvent('order-1001', 'CREATED'),
      paymentEvent('order-1001', 'AUTHORIZED'),
      paymentEvent('order-1001', 'CAPTURED'),
    ]
    for (const event of events) emit(event)
    await until(() => receiver.received.length === 3, 'three deliveries arrived')

    expect(names(receiver.received)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED'])
    for (const [i, request] of receiver.received.entries()) {
      expect(JSON.parse(request.body)).toEqual(events[i])
      expect(request.headers['content-type']).toBe('application/json')
      const check = verifyWebhook(request.body, request.headers, secret, receiver.url, {
        now: new Date(ctx.clock.now()),
      })
      expect(check).toEqual({ ok: true })
    }
    // Signed with another registration's secret it would not verify.
    const other = verifyWebhook(
      receiver.received[0]!.body,
      receiver.received[0]!.headers,
      'not-the-secret',
      receiver.url,
    )
    expect(other.ok).toBe(false)
  })

  it('delivers only the subscribed event types of the merchant the event belongs to', async () => {
    const { registerAt, emit, deliveries } = await setUp()
    const receiver = await startReceiver()
    await registerAt(receiver.url, ['epayments.payment.authorized.v1'])
    emit(paymentEvent('order-1002', 'CREATED'))
    emit({ ...paymentEvent('order-1002', 'AUTHORIZED'), msn: '999999' })
    emit(paymentEvent('order-1002', 'AUTHORIZED'))
    await until(() => receiver.received.length === 1, 'the authorized event arrived')
    expect(receiver.received[0]!.event).toMatchObject({ msn: MSN, name: 'AUTHORIZED' })
    expect(await deliveries()).toHaveLength(1)
  })

  it('fires after the event is emitted, not inside it: the delivery is queued when emit returns', async () => {
    const { registerAt, emit, deliveries } = await setUp()
    const receiver = await startReceiver()
    await registerAt(receiver.url)
    emit(paymentEvent('order-1003', 'CREATED'))
    const [queued] = await deliveries()
    expect(queued).toMatchObject({ state: 'queued', attemptCount: 0 })
    await until(() => receiver.received.length === 1, 'it arrived')
  })

  it('retries a failing receiver once the sandbox clock passes the backoff, holding later events of that payment while other payments flow', async () => {
    const { registerAt, emit, ctx, stateOf, deliveries } = await setUp()
    let failing = true
    // The receiver refuses order-2001 while `failing`; everything else it takes.
    const receiver = await startReceiver((r) => (failing && r.event.reference === 'order-2001' ? 503 : 200))
    await registerAt(receiver.url)

    emit(paymentEvent('order-2001', 'CREATED'))
    await until(
      async () => (await stateOf('order-2001', 'CREATED')) === 'retry_scheduled',
      'the first attempt failed',
    )
    emit(paymentEvent('order-2001', 'AUTHORIZED'))
    emit(paymentEvent('order-2002', 'CREATED'))
    emit(paymentEvent('order-2002', 'AUTHORIZED'))

    // The other payment goes through while order-2001 is stuck.
    await until(() => names(receiver.received, 'order-2002').length === 2, 'order-2002 was delivered')
    expect(names(receiver.received, 'order-2002')).toEqual(['CREATED', 'AUTHORIZED'])
    const [created, authorized] = await deliveries('?reference=order-2001')
    expect(authorized).toMatchObject({ state: 'held', heldBehind: created!.id, attemptCount: 0 })
    expect(names(receiver.received, 'order-2001')).not.toContain('AUTHORIZED')

    // Another failure, then the clock moves past the backoff and the receiver is back.
    const attemptsSoFar = receiver.received.filter((r) => r.event.reference === 'order-2001').length
    ctx.clock.advance(2_000)
    await until(
      () => receiver.received.filter((r) => r.event.reference === 'order-2001').length > attemptsSoFar,
      'the retry arrived',
    )
    await until(
      async () => (await stateOf('order-2001', 'CREATED')) === 'retry_scheduled',
      'the retry failed too',
    )
    failing = false
    ctx.clock.advance(2_000)
    await until(
      async () => (await stateOf('order-2001', 'AUTHORIZED')) === 'delivered',
      'order-2001 caught up',
    )

    // Every failed try of CREATED came before AUTHORIZED, which came once.
    const order2001 = names(receiver.received, 'order-2001')
    expect(order2001.at(-1)).toBe('AUTHORIZED')
    expect(order2001.filter((n) => n === 'AUTHORIZED')).toHaveLength(1)
    expect(new Set(order2001.slice(0, -1))).toEqual(new Set(['CREATED']))
    expect(order2001.length).toBeGreaterThanOrEqual(3)
  })

  it('counts a receiver that does not answer in time as a timeout and retries it', async () => {
    const { registerAt, emit, ctx, deliveries, delivery } = await setUp({ timeoutMs: 500 })
    let answered = false
    const receiver = await startReceiver(() => (answered ? 200 : 'no-answer'))
    await registerAt(receiver.url)
    emit(paymentEvent('order-3001', 'CREATED'))
    await until(async () => (await deliveries())[0]?.state === 'retry_scheduled', 'the attempt timed out')
    const id = (await deliveries())[0]!.id
    expect((await delivery(id)).attempts).toEqual([
      expect.objectContaining({ number: 1, statusCode: null, error: 'timeout' }),
    ])
    answered = true
    ctx.clock.advance(2_000)
    await until(async () => (await delivery(id)).state === 'delivered', 'the retry was delivered')
    expect((await delivery(id)).attempts.at(-1)).toMatchObject({ statusCode: 200, error: null })
  })

  it('drops a delivery still failing seven days after its first attempt, and the next one for that payment proceeds', async () => {
    const { registerAt, emit, ctx, delivery, stateOf, deliveries } = await setUp()
    // CREATED is always refused; the receiver takes everything else.
    const receiver = await startReceiver((r) => (r.event.name === 'CREATED' ? 500 : 204))
    await registerAt(receiver.url)
    emit(paymentEvent('order-4001', 'CREATED'))
    emit(paymentEvent('order-4001', 'AUTHORIZED'))
    await until(
      async () => (await stateOf('order-4001', 'CREATED')) === 'retry_scheduled',
      'the first attempt failed',
    )
    expect(await stateOf('order-4001', 'AUTHORIZED')).toBe('held')

    ctx.clock.advance(6 * DAY)
    await until(
      async () => (await stateOf('order-4001', 'CREATED')) === 'retry_scheduled',
      'a retry on day 6 failed',
    )
    ctx.clock.advance(DAY)
    await until(async () => (await stateOf('order-4001', 'CREATED')) === 'dropped', 'it was dropped')
    await until(
      async () => (await stateOf('order-4001', 'AUTHORIZED')) === 'delivered',
      'the next one went through',
    )

    const [created] = await deliveries('?state=dropped')
    const detail = await delivery(created!.id)
    expect(detail).toMatchObject({ dropReason: 'retry-window-expired', nextAttemptAt: null })
    expect(detail.attempts.every((a: { statusCode: number }) => a.statusCode === 500)).toBe(true)
    expect(names(receiver.received).at(-1)).toBe('AUTHORIZED')
  })
})

describe('webhook deliveries in the control API', () => {
  it('lists every registration across merchants with its secret', async () => {
    const { registerAt, app } = await setUp()
    const { id, secret } = await registerAt('http://127.0.0.1:9/hooks', ['epayments.payment.created.v1'])
    const response = await app.inject({ method: 'GET', url: '/_sandbox/webhooks' })
    expect(response.json().webhooks).toEqual([
      expect.objectContaining({ id, secret, msn: MSN, url: 'http://127.0.0.1:9/hooks' }),
    ])
  })

  it('shows a delivery with the body and headers sent and each attempt; filters the list', async () => {
    const { registerAt, emit, deliveries, delivery } = await setUp()
    const receiver = await startReceiver()
    const { id: webhookId } = await registerAt(receiver.url)
    const event = paymentEvent('order-5001', 'CREATED')
    emit(event)
    emit(paymentEvent('order-5002', 'CREATED'))
    await until(async () => (await deliveries('?state=delivered')).length === 2, 'both were delivered')

    const [listed] = await deliveries(`?reference=order-5001&msn=${MSN}&webhookId=${webhookId}`)
    expect(listed).toMatchObject({
      webhookId,
      url: receiver.url,
      event,
      eventType: 'epayments.payment.created.v1',
      state: 'delivered',
      attemptCount: 1,
      nextAttemptAt: null,
    })
    const shown = await delivery(listed!.id)
    expect(shown.body).toBe(receiver.received.find((r) => r.event.reference === 'order-5001')!.body)
    expect(shown.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: expect.stringMatching(/^HMAC-SHA256 /),
    })
    expect(shown.attempts).toEqual([
      expect.objectContaining({ number: 1, statusCode: 200, error: null, at: expect.any(String) }),
    ])
    expect(await deliveries('?state=held')).toEqual([])
    expect(await deliveries('?webhookId=00000000-0000-0000-0000-000000000000')).toEqual([])
  })

  it('refuses an unknown state filter with 400 naming it, and an unknown delivery with 404', async () => {
    const { app } = await setUp()
    const bad = await app.inject({ method: 'GET', url: '/_sandbox/webhooks/deliveries?state=lost' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().extraDetails.map((d: { name: string }) => d.name)).toEqual(['querystring.state'])
    const missing = await app.inject({ method: 'GET', url: '/_sandbox/webhooks/deliveries/nope' })
    expect(missing.statusCode).toBe(404)
  })

  it('attempts a delivery now on request, skipping the backoff; refuses one already delivered', async () => {
    const { registerAt, emit, app, deliveries } = await setUp()
    let status = 500
    const receiver = await startReceiver(() => status)
    await registerAt(receiver.url)
    emit(paymentEvent('order-6001', 'CREATED'))
    await until(async () => (await deliveries())[0]?.state === 'retry_scheduled', 'the first attempt failed')
    const id = (await deliveries())[0]!.id

    status = 200
    const retried = await app.inject({ method: 'POST', url: `/_sandbox/webhooks/deliveries/${id}/retry` })
    expect(retried.statusCode).toBe(200)
    expect(retried.json()).toMatchObject({ state: 'delivered', attemptCount: 2 })
    expect(retried.json().attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200])

    const again = await app.inject({ method: 'POST', url: `/_sandbox/webhooks/deliveries/${id}/retry` })
    expect(again.statusCode).toBe(409)
    expect(again.headers['content-type']).toContain('application/problem+json')
  })

  it('drops pending deliveries when their webhook is deleted', async () => {
    const { registerAt, emit, app, headers, deliveries } = await setUp()
    const receiver = await startReceiver(() => 500)
    const { id } = await registerAt(receiver.url)
    emit(paymentEvent('order-7001', 'CREATED'))
    emit(paymentEvent('order-7001', 'AUTHORIZED'))
    await until(async () => (await deliveries())[0]?.state === 'retry_scheduled', 'the first attempt failed')
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/webhooks/v1/webhooks/${id}`,
      headers: await headers(),
    })
    expect(deleted.statusCode).toBe(204)
    expect((await deliveries()).map((d) => [d.state, d.dropReason])).toEqual([
      ['dropped', 'webhook-deleted'],
      ['dropped', 'webhook-deleted'],
    ])
  })

  it('forgets registrations and deliveries on reset, cancelling retries and requests in flight', async () => {
    const { registerAt, emit, app, ctx, deliveries } = await setUp({ timeoutMs: 10_000 })
    const hanging = await startReceiver(() => 'no-answer')
    const failing = await startReceiver(() => 500)
    await registerAt(hanging.url)
    await registerAt(failing.url)
    emit(paymentEvent('order-8001', 'CREATED'))
    await until(() => hanging.received.length === 1, 'a request is in flight')
    await until(async () => (await deliveries('?state=retry_scheduled')).length === 1, 'a retry is scheduled')

    const reset = await app.inject({ method: 'POST', url: '/_sandbox/reset' })
    expect(reset.statusCode).toBe(200)
    expect(await deliveries()).toEqual([])
    expect((await app.inject({ method: 'GET', url: '/_sandbox/webhooks' })).json().webhooks).toEqual([])
    expect(ctx.clock.pendingTasks).toBe(0)
    await until(() => hanging.abandoned.length === 1, 'the request in flight was cancelled')
    // Moving the clock far on sends nothing more.
    const before = failing.received.length
    ctx.clock.advance(DAY)
    emit(paymentEvent('order-8001', 'AUTHORIZED'))
    expect(await deliveries()).toEqual([])
    expect(failing.received.length).toBe(before)
  })
})

describe('webhooks from the ePayment API', () => {
  it('sends CREATED and then AUTHORIZED, signed, when a payment is created and force-approved', async () => {
    const sandbox = await setUp()
    const receiver = await startReceiver()
    const { secret } = await sandbox.registerAt(receiver.url)
    const { reference, key } = await createPayment(sandbox)
    const approved = await call(sandbox, {
      url: `/epayment/v1/test/payments/${reference}/approve`,
      body: {},
      key: null,
    })
    expect(approved.statusCode).toBe(200)

    await until(() => receiver.received.length === 2, 'both events arrived')
    expect(names(receiver.received)).toEqual(['CREATED', 'AUTHORIZED'])
    for (const request of receiver.received) {
      expect(request.event).toMatchObject({ msn: MSN, reference, amount: { currency: 'NOK', value: 10_000 } })
      const check = verifyWebhook(request.body, request.headers, secret, receiver.url, {
        now: new Date(sandbox.ctx.clock.now()),
      })
      expect(check).toEqual({ ok: true })
    }
    // The create request's Idempotency-Key comes back on its event.
    expect(receiver.received[0]!.event.idempotencyKey).toBe(key)
  })
})
