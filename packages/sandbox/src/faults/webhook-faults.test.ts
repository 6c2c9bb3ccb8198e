/**
 * Webhook faults as a merchant's receiver sees them: a real HTTP server on
 * 127.0.0.1 registered through the client library, which verifies every request
 * with verifyWebhook as a till would, against a sandbox with fault rules set
 * through the control API.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Amount, type EPaymentWebhookEvent, verifyWebhook, type WebhookVerification } from '@kasse/vipps'
import { afterEach, describe, expect, it } from 'vitest'
import { useListeningSandbox } from '../../test/helpers.ts'
import {
  control as controlAt,
  createPayment as createPaymentWith,
  faultLog as faultLogAt,
  newReference,
  setFaults as setFaultsAt,
  until,
} from './test-helpers.ts'

const { sandbox, client } = useListeningSandbox()
const AMOUNT: Amount = { currency: 'NOK', value: 2500 }
const EVENTS = ['epayments.payment.created.v1', 'epayments.payment.authorized.v1']

interface Received {
  event: EPaymentWebhookEvent
  body: string
  verdict: WebhookVerification
}

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/**
 * A receiver that verifies each request with the registration's secret and
 * answers 401 to one that does not verify, 200 otherwise. Registered for
 * CREATED and AUTHORIZED before it returns.
 */
async function startReceiver() {
  const received: Received[] = []
  let secret = ''
  let url = ''
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      // The sandbox's clock is the platform's: the date window is judged on it.
      const verdict = verifyWebhook(body, request.headers, secret, url, {
        now: new Date(sandbox().ctx.clock.now()),
      })
      received.push({ event: JSON.parse(body) as EPaymentWebhookEvent, body, verdict })
      response.writeHead(verdict.ok ? 200 : 401).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vipps/webhooks`
  secret = (await client().webhooks.register({ url, events: EVENTS })).secret
  return { received, names: () => received.map((r) => r.event.name) }
}

const control = (method: string, path: string, body?: unknown) => controlAt(sandbox().url, method, path, body)
const setFaults = async (rules: unknown[]) => {
  await setFaultsAt(sandbox().url, { rules })
}
const faultLog = async () => (await faultLogAt(sandbox().url)).entries

/** Every delivery of the payment settled (delivered or dropped), as the sandbox records them. */
async function deliveriesSettled(reference: string, count: number): Promise<boolean> {
  const { deliveries } = (await control('GET', `/webhooks/deliveries?reference=${reference}`)).body as {
    deliveries: Array<{ state: string }>
  }
  return (
    deliveries.length === count && deliveries.every((d) => d.state === 'delivered' || d.state === 'dropped')
  )
}

const createPayment = () => createPaymentWith(client(), AMOUNT, newReference('hook-fault'))

describe('webhook faults', () => {
  it('drop: the delivery is recorded as sent but never arrives; polling still finds the payment authorised', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'drop', event: 'AUTHORIZED' }])
    const reference = await createPayment()
    await client().epayment.forceApprove(reference)

    await until(() => deliveriesSettled(reference, 2), 'both deliveries are settled')
    expect(receiver.names()).toEqual(['CREATED'])
    expect((await client().epayment.get(reference)).state).toBe('AUTHORIZED')
    const { deliveries } = (await control('GET', `/webhooks/deliveries?reference=${reference}`)).body
    expect(deliveries.map((d: { eventType: string; state: string }) => [d.eventType, d.state])).toEqual([
      ['epayments.payment.created.v1', 'delivered'],
      ['epayments.payment.authorized.v1', 'delivered'],
    ])
    expect(await faultLog()).toEqual([
      expect.objectContaining({ target: 'webhooks', kind: 'drop', reference, eventType: EVENTS[1] }),
    ])
  })

  it('duplicate: the same signed request arrives twice', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'duplicate', event: 'epayments.payment.created.v1' }])
    const reference = await createPayment()

    await until(() => receiver.received.length === 2, 'the receiver has two requests')
    expect(receiver.names()).toEqual(['CREATED', 'CREATED'])
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body)
    expect(receiver.received.every((r) => r.verdict.ok)).toBe(true)
    await until(() => deliveriesSettled(reference, 1), 'the delivery is settled')
    expect(await faultLog()).toEqual([
      expect.objectContaining({ kind: 'duplicate', receiverStatuses: [200, 200] }),
    ])
  })

  it('reorder: AUTHORIZED arrives before CREATED', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'reorder', event: 'CREATED' }])
    const reference = await createPayment()
    // CREATED is held; the outbox, told it was delivered, sends AUTHORIZED as soon as there is one.
    await until(async () => (await faultLog()).length === 1, 'CREATED is held')
    expect(receiver.received).toEqual([])
    await client().epayment.forceApprove(reference)

    await until(() => receiver.received.length === 2, 'the receiver has both events')
    expect(receiver.names()).toEqual(['AUTHORIZED', 'CREATED'])
    expect(receiver.received.every((r) => r.verdict.ok)).toBe(true)
    await until(
      async () => (await faultLog())[0]?.receiverStatuses !== undefined,
      'the late answer is logged',
    )
    expect(await faultLog()).toEqual([expect.objectContaining({ kind: 'reorder', receiverStatuses: [200] })])
  })

  it('reorder: a held event with nothing after it goes out once its hold runs out (sandbox time)', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'reorder', event: 'CREATED', holdMs: 60_000 }])
    await createPayment()
    await until(async () => (await faultLog()).length === 1, 'CREATED is held')
    expect(receiver.received).toEqual([])

    await control('POST', '/clock/advance', { seconds: 60 })

    await until(() => receiver.received.length === 1, 'the held event arrives')
    expect(receiver.names()).toEqual(['CREATED'])
  })

  it('bad-signature: verifyWebhook refuses it, and the retry is signed properly', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'bad-signature', event: 'CREATED', times: 1 }])
    const reference = await createPayment()

    await until(() => receiver.received.length === 1, 'the spoiled request arrives')
    expect(receiver.received[0]!.verdict).toMatchObject({ ok: false })
    // The receiver refused it: the outbox retries after its backoff, on the sandbox clock.
    await until(async () => {
      const { deliveries } = (await control('GET', `/webhooks/deliveries?reference=${reference}`)).body
      return deliveries[0]?.state === 'retry_scheduled'
    }, 'a retry is scheduled')
    await control('POST', '/clock/advance', { minutes: 5 })

    await until(() => receiver.received.length === 2, 'the retry arrives')
    expect(receiver.received[1]!.verdict).toEqual({ ok: true })
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body)
    await until(() => deliveriesSettled(reference, 1), 'the delivery is settled')
  })

  it('delay: nothing arrives until the sandbox clock has moved past the delay', async () => {
    const receiver = await startReceiver()
    await setFaults([{ target: 'webhooks', kind: 'delay', event: 'CREATED', delayMs: 120_000 }])
    const reference = await createPayment()
    await until(async () => (await faultLog()).length === 1, 'the delivery is held')
    expect(receiver.received).toEqual([])
    const { deliveries } = (await control('GET', `/webhooks/deliveries?reference=${reference}`)).body
    expect(deliveries[0].state).toBe('in_flight')

    await control('POST', '/clock/advance', { minutes: 2 })

    await until(() => receiver.received.length === 1, 'the delayed event arrives')
    expect(receiver.received[0]!.verdict).toEqual({ ok: true })
    expect(await faultLog()).toEqual([expect.objectContaining({ kind: 'delay', delayMs: 120_000 })])
  })

  it('matches by merchant and reference, and leaves the rest alone', async () => {
    const receiver = await startReceiver()
    await setFaults([
      { target: 'webhooks', kind: 'drop', msn: '999999' },
      { target: 'webhooks', kind: 'drop', reference: 'some-other-payment' },
    ])
    const reference = await createPayment()
    await client().epayment.forceApprove(reference)
    await until(() => receiver.received.length === 2, 'both events arrive')
    expect(receiver.names()).toEqual(['CREATED', 'AUTHORIZED'])
    expect(await faultLog()).toEqual([])
  })
})
