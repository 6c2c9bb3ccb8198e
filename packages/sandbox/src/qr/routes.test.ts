import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { personalQrV1 } from './personal-qr.ts'
import { QR_CODE_REQUIRED } from './routes.ts'

type Sb = Awaited<ReturnType<typeof testSandbox>>

async function exchange(sandbox: Sb, payload: unknown, headers?: Record<string, string>) {
  return sandbox.app.inject({
    method: 'POST',
    url: '/qr/v1/exchange',
    headers: headers ?? (await sandbox.headers()),
    payload: payload as object,
  })
}

describe('POST /qr/v1/exchange', () => {
  it('resolves the code a user shows now (2.0) to their number and when it was issued', async () => {
    const sandbox = await testSandbox()
    const shown = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/users/4712345678/qr' })
    const { content } = shown.json()
    const before = Math.floor(sandbox.ctx.clock.now() / 1000)

    const response = await exchange(sandbox, { qrCode: content, requestedData: ['MSISDN'] })

    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({ msisdn: '4712345678', version: '2.0' })
    expect(body.timestamp).toBeGreaterThanOrEqual(before - 1)
    expect(body.timestamp).toBeLessThanOrEqual(Math.floor(sandbox.ctx.clock.now() / 1000))
  })

  it('reads the number from an old 1.0 code, without a timestamp', async () => {
    const sandbox = await testSandbox()
    const response = await exchange(sandbox, { qrCode: personalQrV1('4791234567') })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ msisdn: '4791234567', version: '1.0' })
  })

  it('takes the call without a Merchant-Serial-Number, which the QR API does not require', async () => {
    const sandbox = await testSandbox()
    const { 'merchant-serial-number': _msn, ...headers } = await sandbox.headers()
    const response = await exchange(sandbox, { qrCode: personalQrV1('4791234567') }, headers)
    expect(response.statusCode).toBe(200)
  })

  it('refuses a code that was rotated out, naming qrCode', async () => {
    const sandbox = await testSandbox()
    const old = (await sandbox.app.inject({ method: 'GET', url: '/_sandbox/users/4712345678/qr' })).json()
      .content
    const rotated = await sandbox.app.inject({ method: 'POST', url: '/_sandbox/users/4712345678/qr/rotate' })
    expect(rotated.statusCode).toBe(200)
    expect(rotated.json().content).not.toBe(old)

    const refused = await exchange(sandbox, { qrCode: old })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().extraDetails).toEqual([{ name: 'qrCode', reason: expect.any(String) }])

    const fresh = await exchange(sandbox, { qrCode: rotated.json().content })
    expect(fresh.json().msisdn).toBe('4712345678')
  })

  it('refuses a missing, empty or non-text qrCode as the spec words it', async () => {
    const sandbox = await testSandbox()
    for (const payload of [
      {},
      { qrCode: '' },
      { qrCode: '   ' },
      { qrCode: 42 },
      { requestedData: ['MSISDN'] },
    ]) {
      const response = await exchange(sandbox, payload)
      expect(response.statusCode, JSON.stringify(payload)).toBe(400)
      expect(response.json()).toMatchObject({
        title: 'Bad request',
        status: 400,
        extraDetails: [{ name: 'qrCode', reason: QR_CODE_REQUIRED }],
      })
    }
  })

  it('refuses an empty body or one that is not JSON, naming qrCode', async () => {
    const sandbox = await testSandbox()
    const headers = await sandbox.headers()
    for (const [contentType, payload] of [
      ['application/json', ''],
      ['text/plain', 'https://qr.vipps.no/p/whatever'],
    ]) {
      const response = await sandbox.app.inject({
        method: 'POST',
        url: '/qr/v1/exchange',
        headers: { ...headers, 'content-type': contentType! },
        payload,
      })
      expect(response.statusCode).toBe(400)
      expect(response.json().extraDetails[0].name).toBe('qrCode')
    }
  })

  it('refuses garbage and incomplete codes, naming qrCode', async () => {
    const sandbox = await testSandbox()
    const current = (await sandbox.app.inject({ method: 'GET', url: '/_sandbox/users/4712345678/qr' })).json()
      .content as string
    for (const qrCode of [
      'hello',
      '4712345678',
      'https://qr.vipps.no/p/',
      current.slice(0, -4),
      'https://example.com/p/abcdefghijklmnopqrstuvwxyz',
    ]) {
      const response = await exchange(sandbox, { qrCode })
      expect(response.statusCode, qrCode).toBe(400)
      expect(response.json().extraDetails[0].name).toBe('qrCode')
    }
  })

  it('refuses requested data other than MSISDN, naming requestedData', async () => {
    const sandbox = await testSandbox()
    const response = await exchange(sandbox, { qrCode: personalQrV1('4791234567'), requestedData: ['EMAIL'] })
    expect(response.statusCode).toBe(400)
    expect(response.json().extraDetails[0].name).toBe('requestedData')
  })

  it('is behind the gateway: no token, no exchange', async () => {
    const sandbox = await testSandbox()
    const response = await exchange(
      sandbox,
      { qrCode: personalQrV1('4791234567') },
      {
        'ocp-apim-subscription-key': 'test-subscription-key',
      },
    )
    expect(response.statusCode).toBe(401)
  })
})

describe('personal QR control routes', () => {
  it('shows the current code, its 1.0 form and a drawn SVG', async () => {
    const sandbox = await testSandbox()
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/users/4712345678/qr' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.content).toBe(sandbox.ctx.personalQr.current('4712345678'))
    expect(body.v1).toBe(personalQrV1('4712345678'))
    expect(body.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
  })

  it('tells the phone to redraw when the code is rotated', async () => {
    const sandbox = await testSandbox()
    const seen: string[] = []
    sandbox.ctx.events.on('phone.changed', ({ msisdn }) => seen.push(msisdn))
    await sandbox.app.inject({ method: 'POST', url: '/_sandbox/users/4712345678/qr/rotate' })
    expect(seen).toEqual(['4712345678'])
  })

  it('answers 404 for a number no test user has', async () => {
    const sandbox = await testSandbox()
    for (const [method, url] of [
      ['GET', '/_sandbox/users/4700000000/qr'],
      ['POST', '/_sandbox/users/4700000000/qr/rotate'],
    ] as const) {
      const response = await sandbox.app.inject({ method, url })
      expect(response.statusCode).toBe(404)
      expect(response.json().detail).toContain('4700000000')
    }
  })
})
