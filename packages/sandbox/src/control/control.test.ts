import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'

describe('control API', () => {
  it('answers health when ready', async () => {
    const { app } = await testSandbox()
    const response = await app.inject({ method: 'GET', url: '/_sandbox/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json().status).toBe('ok')
  })

  it('advances the clock', async () => {
    const { app, ctx } = await testSandbox()
    const before = ctx.clock.now()
    const response = await app.inject({
      method: 'POST',
      url: '/_sandbox/clock/advance',
      payload: { minutes: 10 },
    })
    expect(response.statusCode).toBe(200)
    expect(ctx.clock.now() - before).toBeGreaterThanOrEqual(600_000)
  })

  it('adds a Danish merchant whose credentials then get a token, and keeps secrets out of listings', async () => {
    const { app } = await testSandbox()
    const merchant = {
      msn: '223344',
      name: 'Butik København',
      clientId: 'dk-client',
      clientSecret: 'dk-secret',
      subscriptionKey: 'dk-key',
      currency: 'DKK',
    }
    const put = await app.inject({ method: 'PUT', url: '/_sandbox/merchants/223344', payload: merchant })
    expect(put.statusCode).toBe(200)
    const list = await app.inject({ method: 'GET', url: '/_sandbox/merchants' })
    expect(list.json().merchants).toContainEqual(expect.objectContaining({ msn: '223344', currency: 'DKK' }))
    expect(list.body).not.toContain('dk-secret')
    const token = await app.inject({
      method: 'POST',
      url: '/accesstoken/get',
      headers: { client_id: 'dk-client', client_secret: 'dk-secret', 'ocp-apim-subscription-key': 'dk-key' },
    })
    expect(token.statusCode).toBe(200)
  })

  it('refuses a merchant with a bad currency, naming the field', async () => {
    const { app } = await testSandbox()
    const response = await app.inject({
      method: 'PUT',
      url: '/_sandbox/merchants/223344',
      payload: {
        msn: '223344',
        name: 'x',
        clientId: 'a',
        clientSecret: 'b',
        subscriptionKey: 'c',
        currency: 'SEK',
      },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().extraDetails[0].name).toContain('currency')
  })

  it('adds a test user and restores the seed on reset', async () => {
    const { app } = await testSandbox()
    const put = await app.inject({
      method: 'PUT',
      url: '/_sandbox/users/4799887766',
      payload: { msisdn: '4799887766', givenName: 'Per', familyName: 'Hansen' },
    })
    expect(put.statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/_sandbox/users/4799887766' })).statusCode).toBe(200)
    await app.inject({ method: 'POST', url: '/_sandbox/reset' })
    expect((await app.inject({ method: 'GET', url: '/_sandbox/users/4799887766' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/_sandbox/users/4712345678' })).json().givenName).toBe(
      'Kari',
    )
  })

  it('answers malformed JSON with a 400 problem, never a 500', async () => {
    const { app } = await testSandbox()
    const response = await app.inject({
      method: 'POST',
      url: '/_sandbox/clock/advance',
      headers: { 'content-type': 'application/json' },
      payload: '{"minutes":',
    })
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toContain('application/problem+json')
  })
})
