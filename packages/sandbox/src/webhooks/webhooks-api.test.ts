import { MAX_WEBHOOKS_PER_EVENT } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { loadConfig, type MerchantConfig } from '../config.ts'

const OTHER_MERCHANT: MerchantConfig = {
  msn: '654321',
  name: 'Annen Butikk',
  clientId: 'other-client-id',
  clientSecret: 'other-client-secret',
  subscriptionKey: 'other-subscription-key',
  currency: 'NOK',
}

const RECEIVER = 'https://kasse.example.no/vipps/webhooks'

async function sandboxWithTwoMerchants() {
  return testSandbox({ config: loadConfig(undefined, { merchants: [OTHER_MERCHANT] }) })
}

type Sandbox = Awaited<ReturnType<typeof testSandbox>>

async function register(sandbox: Sandbox, body: unknown, merchant?: MerchantConfig) {
  return sandbox.app.inject({
    method: 'POST',
    url: '/webhooks/v1/webhooks',
    headers: await sandbox.headers(merchant),
    payload: body as object,
  })
}

async function list(sandbox: Sandbox, merchant?: MerchantConfig) {
  const response = await sandbox.app.inject({
    method: 'GET',
    url: '/webhooks/v1/webhooks',
    headers: await sandbox.headers(merchant),
  })
  expect(response.statusCode).toBe(200)
  return response.json().webhooks as Array<{ id: string; url: string; events: string[] }>
}

/** The field a 400 names, after checking it is the platform's problem+json. */
function refusedField(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(400)
  expect(response.headers['content-type']).toContain('application/problem+json')
  const problem = response.json() as { extraDetails?: Array<{ name: string }> }
  return problem.extraDetails?.map((d) => d.name)
}

describe('Webhooks API: register, list, delete', () => {
  it('registers a webhook, answering 201 with a UUID id and a secret, and lists it', async () => {
    const sandbox = await testSandbox()
    const events = ['epayments.payment.authorized.v1', 'epayments.payment.captured.v1']
    const response = await register(sandbox, { url: RECEIVER, events })
    expect(response.statusCode).toBe(201)
    const { id, secret } = response.json()
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(secret.length).toBeGreaterThanOrEqual(32)
    expect(await list(sandbox)).toEqual([{ id, url: RECEIVER, events }])
  })

  it('deletes a webhook with 204, after which it is gone and deleting it again is 404', async () => {
    const sandbox = await testSandbox()
    const { id } = (
      await register(sandbox, { url: RECEIVER, events: ['epayments.payment.created.v1'] })
    ).json()
    const headers = await sandbox.headers()
    const deleted = await sandbox.app.inject({
      method: 'DELETE',
      url: `/webhooks/v1/webhooks/${id}`,
      headers,
    })
    expect(deleted.statusCode).toBe(204)
    expect(await list(sandbox)).toEqual([])
    const again = await sandbox.app.inject({ method: 'DELETE', url: `/webhooks/v1/webhooks/${id}`, headers })
    expect(again.statusCode).toBe(404)
    expect(again.headers['content-type']).toContain('application/problem+json')
  })

  it('works without the Merchant-Serial-Number header, which this API takes optionally', async () => {
    const sandbox = await testSandbox()
    const { 'merchant-serial-number': _msn, ...headers } = await sandbox.headers()
    const response = await sandbox.app.inject({
      method: 'POST',
      url: '/webhooks/v1/webhooks',
      headers,
      payload: { url: RECEIVER, events: ['epayments.payment.created.v1'] },
    })
    expect(response.statusCode).toBe(201)
  })

  it('refuses a caller without an access token in the gateway format', async () => {
    const sandbox = await testSandbox()
    const { authorization: _token, ...headers } = await sandbox.headers()
    const response = await sandbox.app.inject({ method: 'GET', url: '/webhooks/v1/webhooks', headers })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toMatchObject({ statusCode: 401 })
  })
})

describe('Webhooks API: merchants see only their own webhooks', () => {
  it("does not list another merchant's webhook and answers 404 when it tries to delete it", async () => {
    const sandbox = await sandboxWithTwoMerchants()
    const { id } = (
      await register(sandbox, { url: RECEIVER, events: ['epayments.payment.created.v1'] })
    ).json()
    expect(await list(sandbox, OTHER_MERCHANT)).toEqual([])
    const response = await sandbox.app.inject({
      method: 'DELETE',
      url: `/webhooks/v1/webhooks/${id}`,
      headers: await sandbox.headers(OTHER_MERCHANT),
    })
    expect(response.statusCode).toBe(404)
    expect(await list(sandbox)).toHaveLength(1)
  })

  it('counts the per-event limit per merchant', async () => {
    const sandbox = await sandboxWithTwoMerchants()
    const body = { url: RECEIVER, events: ['epayments.payment.captured.v1'] }
    for (let i = 0; i < MAX_WEBHOOKS_PER_EVENT; i++)
      expect((await register(sandbox, body)).statusCode).toBe(201)
    expect((await register(sandbox, body, OTHER_MERCHANT)).statusCode).toBe(201)
  })
})

describe('Webhooks API: refusals name the field', () => {
  const created = ['epayments.payment.created.v1']

  it.each([
    ['an address that is not a URL', 'not a url'],
    ['plain http to a public host', 'http://kasse.example.no/hooks'],
    ['a scheme other than https', 'ftp://kasse.example.no/hooks'],
    ['credentials in the URL', 'https://user:pass@kasse.example.no/hooks'],
    ['a port the platform does not deliver to', 'https://kasse.example.no:3000/hooks'],
  ])('refuses %s with 400 naming url', async (_case, url) => {
    const sandbox = await testSandbox()
    expect(refusedField(await register(sandbox, { url, events: created }))).toEqual(['url'])
  })

  it.each([
    'http://127.0.0.1:3000/hooks',
    'http://127.8.9.10/hooks',
    'http://localhost:8123/hooks',
    'http://[::1]:9000/hooks',
    'https://kasse.example.no:8080/hooks',
    'https://kasse.example.no:443/hooks',
  ])('accepts %s', async (url) => {
    const sandbox = await testSandbox()
    expect((await register(sandbox, { url, events: created })).statusCode).toBe(201)
  })

  it('refuses an unknown event type, naming its position in events', async () => {
    const sandbox = await testSandbox()
    const response = await register(sandbox, {
      url: RECEIVER,
      events: ['epayments.payment.created.v1', 'epayments.payment.approved.v1'],
    })
    expect(refusedField(response)).toEqual(['events[1]'])
    expect(response.json().detail).toContain('epayments.payment.approved.v1')
  })

  it('refuses a body without url or without events', async () => {
    const sandbox = await testSandbox()
    expect(refusedField(await register(sandbox, { events: created }))).toEqual(['url'])
    expect(refusedField(await register(sandbox, { url: RECEIVER }))).toEqual(['events'])
    expect(refusedField(await register(sandbox, { url: RECEIVER, events: [] }))).toEqual(['events'])
  })

  it(`refuses a sixth webhook for an event type with 400 naming events; other types are still free`, async () => {
    const sandbox = await testSandbox()
    const captured = { url: RECEIVER, events: ['epayments.payment.captured.v1'] }
    for (let i = 0; i < MAX_WEBHOOKS_PER_EVENT; i++)
      expect((await register(sandbox, captured)).statusCode).toBe(201)
    const sixth = await register(sandbox, {
      url: RECEIVER,
      events: ['epayments.payment.created.v1', 'epayments.payment.captured.v1'],
    })
    expect(refusedField(sixth)).toEqual(['events'])
    expect(sixth.json().detail).toContain('epayments.payment.captured.v1')
    // The refused registration took nothing: created still has all its room.
    expect((await list(sandbox)).filter((w) => w.events.includes('epayments.payment.created.v1'))).toEqual([])
    expect((await register(sandbox, { url: RECEIVER, events: created })).statusCode).toBe(201)
  })

  it('refuses deleting with an id that is not a UUID, naming id', async () => {
    const sandbox = await testSandbox()
    const response = await sandbox.app.inject({
      method: 'DELETE',
      url: '/webhooks/v1/webhooks/not-a-uuid',
      headers: await sandbox.headers(),
    })
    expect(refusedField(response)).toEqual(['id'])
  })
})
