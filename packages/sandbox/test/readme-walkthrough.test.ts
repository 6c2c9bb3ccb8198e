/**
 * The README's first-steps walkthrough, step by step over real HTTP as a developer
 * with curl would do it: token, webhook to the sandbox's inbox, a push payment,
 * approval on the phone, and the signed webhooks arriving.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningSandbox, startSandbox } from '../src/server.ts'

let sandbox: RunningSandbox | undefined
afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`gave up waiting for ${what}`)
}

describe('README walkthrough', () => {
  it('creates a payment with plain HTTP, approves it on the phone and sees the signed webhooks arrive', async () => {
    sandbox = await startSandbox({ port: 0 })
    const base = sandbox.url
    const keys = { 'Ocp-Apim-Subscription-Key': 'test-subscription-key', 'Merchant-Serial-Number': '123456' }

    const token = await fetch(`${base}/accesstoken/get`, {
      method: 'POST',
      headers: { client_id: 'test-client-id', client_secret: 'test-client-secret', ...keys },
    }).then((r) => r.json())
    const api = { ...keys, Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' }

    const webhook = await fetch(`${base}/webhooks/v1/webhooks`, {
      method: 'POST',
      headers: api,
      body: JSON.stringify({
        url: `${base}/_sandbox/inbox/demo`,
        events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1'],
      }),
    })
    expect(webhook.status).toBe(201)

    const created = await fetch(`${base}/epayment/v1/payments`, {
      method: 'POST',
      headers: { ...api, 'Idempotency-Key': 'readme-1' },
      body: JSON.stringify({
        amount: { currency: 'NOK', value: 34900 },
        paymentMethod: { type: 'WALLET' },
        customer: { phoneNumber: '4712345678' },
        reference: 'readme-order-1001',
        userFlow: 'PUSH_MESSAGE',
        paymentDescription: 'Kaffe og bolle',
      }),
    })
    expect(created.status).toBe(201)

    // What the Approve button on /phone/4712345678 does.
    const pending = await fetch(`${base}/_sandbox/users/4712345678/payments`).then((r) => r.json())
    expect(pending.payments[0]).toMatchObject({ reference: 'readme-order-1001', state: 'CREATED' })
    const approved = await fetch(
      `${base}/_sandbox/users/4712345678/payments/123456/readme-order-1001/approve`,
      {
        method: 'POST',
      },
    )
    expect(approved.status).toBe(200)

    const payment = await fetch(`${base}/epayment/v1/payments/readme-order-1001`, { headers: api }).then(
      (r) => r.json(),
    )
    expect(payment.state).toBe('AUTHORIZED')

    const inbox = await waitFor(async () => {
      const { deliveries } = await fetch(`${base}/_sandbox/inbox/demo`).then((r) => r.json())
      return deliveries.length >= 2 ? deliveries : undefined
    }, 'two webhook deliveries in the inbox')
    // Newest first; the platform delivers a payment's events in order.
    expect(inbox.map((d: { json: { name: string } }) => d.json.name)).toEqual(['AUTHORIZED', 'CREATED'])
    for (const delivery of inbox) {
      expect(delivery.signature).toBe('ok')
      expect(delivery.json).toMatchObject({ msn: '123456', reference: 'readme-order-1001' })
    }
  })

  it('records a delivery to an inbox no webhook points at as unverifiable', async () => {
    sandbox = await startSandbox({ port: 0 })
    const response = await fetch(`${sandbox.url}/_sandbox/inbox/stray`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    })
    expect(response.status).toBe(200)
    const { deliveries } = await fetch(`${sandbox.url}/_sandbox/inbox/stray`).then((r) => r.json())
    expect(deliveries[0]).toMatchObject({
      body: '{"hello":"world"}',
      signature: 'no webhook is registered for this URL',
    })
    const bad = await fetch(`${sandbox.url}/_sandbox/inbox/not%20ok`)
    expect(bad.status).toBe(400)
  })
})
