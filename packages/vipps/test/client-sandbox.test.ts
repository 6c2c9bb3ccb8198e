/**
 * The client against a running sandbox on 127.0.0.1: every ePayment operation,
 * accepted and refused; Webhooks with a real signed delivery; the QR exchange;
 * and the access token's cache and refresh on the sandbox's own clock. Every
 * answer is checked against the contract schemas (strict validation).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RunningSandbox, startSandbox } from '@kasse/sandbox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type EPaymentWebhookEvent,
  VippsApiError,
  type VippsClient,
  type VippsClientOptions,
  verifiedWebhookBody,
} from '../src/index.ts'
import { authorizedPayment, clientAt, newReference, nok, pushPayment } from './helpers/sandbox.ts'

let sandbox: RunningSandbox

const clientFor = (options: Partial<VippsClientOptions> = {}): VippsClient => clientAt(sandbox.url, options)

/** Counts token requests by wrapping fetch. */
function countingFetch() {
  const counter = { tokenRequests: 0 }
  const wrapped: typeof fetch = (input, init) => {
    if (String(input).endsWith('/accesstoken/get')) counter.tokenRequests++
    return fetch(input, init)
  }
  return { counter, fetch: wrapped }
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await sandbox.close()
})

describe('ePayment against the sandbox', () => {
  it('takes a payment from push to capture and refund, with every event recorded', async () => {
    const client = clientFor()
    const reference = await pushPayment(client, 25_000, { idempotencyKey: 'till1-attempt-1-create' })
    expect((await client.epayment.get(reference)).state).toBe('CREATED')

    await client.epayment.forceApprove(reference)
    const authorized = await client.epayment.waitFor(reference, { intervalMs: 10, maxWaitMs: 5_000 })
    expect(authorized.state).toBe('AUTHORIZED')
    expect(authorized.aggregate.authorizedAmount).toEqual(nok(25_000))

    await client.epayment.capture(reference, nok(10_000), { idempotencyKey: 'till1-attempt-1-capture-1' })
    const captured = await client.epayment.capture(reference, nok(15_000))
    expect(captured.aggregate.capturedAmount).toEqual(nok(25_000))
    const refunded = await client.epayment.refund(reference, nok(5_000))
    expect(refunded.aggregate.refundedAmount).toEqual(nok(5_000))

    const events = await client.epayment.events(reference)
    expect(events.map((e) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'CAPTURED', 'REFUNDED'])
    expect(events.find((e) => e.name === 'CREATED')?.idempotencyKey).toBe('till1-attempt-1-create')
    expect(events.filter((e) => e.name === 'CAPTURED')[0]?.idempotencyKey).toBe('till1-attempt-1-capture-1')
  })

  it('does a repeated capture with the same key once', async () => {
    const client = clientFor()
    const reference = await authorizedPayment(client)
    const first = await client.epayment.capture(reference, nok(4_000), { idempotencyKey: 'same-key' })
    const again = await client.epayment.capture(reference, nok(4_000), { idempotencyKey: 'same-key' })
    expect(again.aggregate).toEqual(first.aggregate)
    expect((await client.epayment.get(reference)).aggregate.capturedAmount).toEqual(nok(4_000))
  })

  it('cancels a payment the customer has not approved, which ends it', async () => {
    const client = clientFor()
    const reference = await pushPayment(client, 5_000, { msisdn: '4791234567' })
    const cancelled = await client.epayment.cancel(reference)
    expect(cancelled.state).toBe('TERMINATED')
    expect(cancelled.aggregate.cancelledAmount).toEqual(nok(5_000))
  })

  it('cancels what is left after a partial capture; the payment stays authorized', async () => {
    const client = clientFor()
    const reference = await authorizedPayment(client)
    await client.epayment.capture(reference, nok(3_000))
    const cancelled = await client.epayment.cancel(reference)
    expect(cancelled.state).toBe('AUTHORIZED')
    expect(cancelled.aggregate).toMatchObject({ capturedAmount: nok(3_000), cancelledAmount: nok(7_000) })
  })

  it('refuses a capture beyond what is authorized', async () => {
    const client = clientFor()
    const reference = await authorizedPayment(client)
    const error = await client.epayment.capture(reference, nok(10_001)).catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error).toMatchObject({ status: 400, title: 'Capture amount too high' })
    expect(error.traceId).toBeTruthy()
    expect((await client.epayment.get(reference)).aggregate.capturedAmount).toEqual(nok(0))
  })

  it('refuses a refund beyond what is captured', async () => {
    const client = clientFor()
    const reference = await authorizedPayment(client)
    await client.epayment.capture(reference, nok(2_000))
    const error = await client.epayment.refund(reference, nok(2_001)).catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.status).toBe(400)
    expect(error.title).toBe('Not enough refundable')
  })

  it('refuses to cancel a fully captured payment', async () => {
    const client = clientFor()
    const reference = await authorizedPayment(client)
    await client.epayment.capture(reference, nok(10_000))
    const error = await client.epayment.cancel(reference).catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error).toMatchObject({ status: 400, title: 'Cannot cancel a captured payment' })
  })

  it('answers an unknown reference with 404', async () => {
    const client = clientFor()
    const reference = newReference()
    for (const call of [
      () => client.epayment.get(reference),
      () => client.epayment.events(reference),
      () => client.epayment.capture(reference, nok(100)),
      () => client.epayment.refund(reference, nok(100)),
      () => client.epayment.cancel(reference),
    ]) {
      const error = await call().catch((e) => e)
      expect(error).toBeInstanceOf(VippsApiError)
      expect(error.status).toBe(404)
    }
  })
})

describe('webhooks against the sandbox', () => {
  let receiver: Server
  let receiverUrl: string
  const deliveries: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = []

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers })
        response.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/vipps/webhooks`
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })

  it('registers, lists and deletes, and the deliveries verify with the secret', async () => {
    const client = clientFor()
    const { id, secret } = await client.webhooks.register({
      url: receiverUrl,
      events: ['epayments.payment.authorized.v1'],
    })
    expect(await client.webhooks.list()).toContainEqual({
      id,
      url: receiverUrl,
      events: ['epayments.payment.authorized.v1'],
    })

    const reference = await authorizedPayment(client)
    await expect.poll(() => deliveries.some((d) => d.body.includes(reference)), { timeout: 5_000 }).toBe(true)
    const delivery = deliveries.find((d) => d.body.includes(reference))!
    const event = verifiedWebhookBody<EPaymentWebhookEvent>(
      delivery.body,
      delivery.headers,
      secret,
      receiverUrl,
    )
    expect(event).toMatchObject({ msn: '123456', reference, name: 'AUTHORIZED', success: true })

    await client.webhooks.delete(id)
    expect((await client.webhooks.list()).map((w) => w.id)).not.toContain(id)
    const again = await client.webhooks.delete(id).catch((e) => e)
    expect(again).toBeInstanceOf(VippsApiError)
    expect(again.status).toBe(404)
  })
})

describe('QR exchange against the sandbox', () => {
  it("turns a user's personal QR code into their phone number", async () => {
    const shown = (await (await fetch(`${sandbox.url}/_sandbox/users/4791234567/qr`)).json()) as {
      content: string
      v1: string
    }
    const client = clientFor()
    expect(await client.qr.exchangePersonalQr(shown.content)).toMatchObject({ msisdn: '4791234567' })
    expect(await client.qr.exchangePersonalQr(shown.v1)).toMatchObject({
      msisdn: '4791234567',
      version: '1.0',
    })
  })

  it('refuses a code that is no personal QR, naming the field', async () => {
    const error = await clientFor()
      .qr.exchangePersonalQr('https://example.com/not-a-vipps-code')
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.status).toBe(400)
    expect(error.extraDetails.map((d: { name: string }) => d.name)).toContain('qrCode')
  })
})

describe('access token against the sandbox', () => {
  it('makes one token request for a hundred concurrent calls', async () => {
    const reference = await pushPayment(clientFor(), 1_000)
    const { counter, fetch } = countingFetch()
    const client = clientFor({ fetch })
    // Reads are limited to 120 a minute per reference; a hundred fit.
    const payments = await Promise.all(Array.from({ length: 100 }, () => client.epayment.get(reference)))
    expect(payments.every((p) => p.reference === reference)).toBe(true)
    expect(counter.tokenRequests).toBe(1)
  })

  it('refreshes once when the sandbox clock passes the hour, and the call succeeds', async () => {
    const { counter, fetch } = countingFetch()
    const client = clientFor({ fetch })
    await client.webhooks.list()
    expect(counter.tokenRequests).toBe(1)
    // The token expires on the sandbox's clock; the client's own clock has not moved.
    sandbox.ctx.clock.advance(60 * 60_000 + 1_000)
    expect(Array.isArray(await client.webhooks.list())).toBe(true)
    expect(counter.tokenRequests).toBe(2)
    await client.webhooks.list()
    expect(counter.tokenRequests).toBe(2)
  })
})
