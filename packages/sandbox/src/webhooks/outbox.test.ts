import type { EPaymentWebhookEvent } from '@kasse/vipps'
import { afterEach, describe, expect, it } from 'vitest'
import { SandboxClock } from '../clock.ts'
import { Outbox } from './outbox.ts'
import { Registrations } from './registrations.ts'
import type { OutgoingWebhook, WebhookTransport } from './transport.ts'

const clocks: SandboxClock[] = []
afterEach(() => {
  for (const clock of clocks.splice(0)) clock.stop()
})

const event = (reference: string): EPaymentWebhookEvent => ({
  msn: '123456',
  reference,
  pspReference: `psp-${reference}`,
  name: 'AUTHORIZED',
  amount: { currency: 'NOK', value: 1000 },
  timestamp: '2025-01-01T12:00:00.000Z',
  success: true,
})

/** An outbox whose transport is a stand-in: the seam fault injection will use. */
function outboxWith(transport: WebhookTransport, keepSettled?: number) {
  const clock = new SandboxClock()
  clocks.push(clock)
  const registrations = new Registrations(clock)
  registrations.register('123456', 'http://127.0.0.1:9/hooks', ['epayments.payment.authorized.v1'])
  return new Outbox({ clock, registrations, transport, timeoutMs: () => 1000, keepSettled })
}

describe('the outbox', () => {
  it('hands the transport the exact body it signed, with the signature headers', async () => {
    const sent: OutgoingWebhook[] = []
    const outbox = outboxWith(async (request) => {
      sent.push(request)
      return { kind: 'response', statusCode: 200, durationMs: 1 }
    })
    const [delivery] = outbox.enqueue(event('order-9001'))
    await outbox.attemptNow(delivery!)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toBe(JSON.stringify(event('order-9001')))
    expect(Object.keys(sent[0]!.headers).sort()).toEqual(
      ['authorization', 'content-type', 'host', 'x-ms-content-sha256', 'x-ms-date'].sort(),
    )
    expect(delivery!.state).toBe('delivered')
  })

  it('keeps only the most recent settled deliveries inspectable', async () => {
    const outbox = outboxWith(async () => ({ kind: 'response', statusCode: 204, durationMs: 1 }), 2)
    for (const reference of ['order-9101', 'order-9102', 'order-9103']) {
      const [delivery] = outbox.enqueue(event(reference))
      await outbox.attemptNow(delivery!)
    }
    expect(outbox.list().map((d) => d.reference)).toEqual(['order-9102', 'order-9103'])
  })
})
