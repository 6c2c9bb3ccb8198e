import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'

const credentials = {
  client_id: DEFAULT_MERCHANT.clientId,
  client_secret: DEFAULT_MERCHANT.clientSecret,
  'ocp-apim-subscription-key': DEFAULT_MERCHANT.subscriptionKey,
}

describe('POST /accesstoken/get', () => {
  it('issues a Bearer token whose every field is a string, valid for an hour on the sandbox clock', async () => {
    const { app, ctx } = await testSandbox()
    const before = Math.floor(ctx.clock.now() / 1000)
    const response = await app.inject({ method: 'POST', url: '/accesstoken/get', headers: credentials })
    const after = Math.floor(ctx.clock.now() / 1000)
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.token_type).toBe('Bearer')
    for (const value of Object.values(body)) expect(typeof value).toBe('string')
    expect(body.expires_in).toBe('3600')
    // The clock is real time here; the second may tick over during the request.
    expect(Number(body.expires_on)).toBeGreaterThanOrEqual(before + 3600)
    expect(Number(body.expires_on)).toBeLessThanOrEqual(after + 3600)
  })

  it('takes the request with any content type and no body, and header names in any case', async () => {
    const { app } = await testSandbox()
    const response = await app.inject({
      method: 'POST',
      url: '/accessToken/get',
      headers: {
        Client_Id: DEFAULT_MERCHANT.clientId,
        CLIENT_SECRET: DEFAULT_MERCHANT.clientSecret,
        'Ocp-Apim-Subscription-Key': DEFAULT_MERCHANT.subscriptionKey,
        'content-type': 'application/x-www-form-urlencoded',
        'Vipps-System-Name': '',
      },
      payload: '',
    })
    expect(response.statusCode).toBe(200)
  })

  it('refuses a wrong secret with 401 and a missing subscription key in the gateway format', async () => {
    const { app } = await testSandbox()
    const wrong = await app.inject({
      method: 'POST',
      url: '/accesstoken/get',
      headers: { ...credentials, client_secret: 'nope' },
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error).toBe('unauthorized_client')

    const { 'ocp-apim-subscription-key': _key, ...withoutKey } = credentials
    const missing = await app.inject({ method: 'POST', url: '/accesstoken/get', headers: withoutKey })
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toMatchObject({
      statusCode: 401,
      message: expect.stringContaining('subscription key'),
    })
  })

  it('lets a token expire when the sandbox clock passes its lifetime', async () => {
    const { app, ctx, headers } = await testSandbox()
    const h = await headers()
    const before = await app.inject({ method: 'GET', url: '/_sandbox/health' })
    expect(before.statusCode).toBe(200)
    expect(ctx.tokens.verify(h.authorization!.slice(7))).toBeDefined()
    ctx.clock.advance(3600_000)
    expect(ctx.tokens.verify(h.authorization!.slice(7))).toBeUndefined()
  })
})
