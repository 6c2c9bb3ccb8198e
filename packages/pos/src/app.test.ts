import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MARTIN, useTestPos } from '../test/helpers.ts'
import { ManualClock } from './clock.ts'
import { describeDemoSeed } from './seed/demo.ts'
import { startPos } from './server.ts'

const pos = useTestPos()

describe('the API document', () => {
  it('is served at /docs, with the JSON at /docs/json naming every route and the session scheme', async () => {
    const page = await pos().app.inject({ method: 'GET', url: '/docs' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)

    const spec = (await pos().app.inject({ method: 'GET', url: '/docs/json' })).json()
    expect(spec.openapi).toBe('3.0.3')
    expect(Object.keys(spec.paths).sort()).toEqual([
      '/api/club/enrolments',
      '/api/club/enrolments/{enrolmentId}',
      '/api/club/enrolments/{enrolmentId}/cancel',
      '/api/club/lookup',
      '/api/club/members',
      '/api/club/members/{memberId}',
      '/api/club/members/{memberId}/consents/{consentId}/withdraw',
      '/api/end-of-day/{date}',
      '/api/end-of-day/{date}/close',
      '/api/end-of-day/{date}/report.csv',
      '/api/end-of-day/{date}/report.html',
      '/api/events',
      '/api/in-flight/{date}',
      '/api/payment-attempts/{attemptId}/resolve',
      '/api/phone-numbers/normalise',
      '/api/products',
      '/api/products/{productId}',
      '/api/reconciliation/{date}',
      '/api/reconciliation/{date}/report.csv',
      '/api/sales',
      '/api/sales/current',
      '/api/sales/{saleId}',
      '/api/sales/{saleId}/customer',
      '/api/sales/{saleId}/lines',
      '/api/sales/{saleId}/lines/{lineId}',
      '/api/sales/{saleId}/lines/{lineId}/discount',
      '/api/sales/{saleId}/payment',
      '/api/sales/{saleId}/payment/cancel',
      '/api/sales/{saleId}/receipt',
      '/api/sales/{saleId}/receipt.html',
      '/api/sales/{saleId}/refunds',
      '/api/sales/{saleId}/refunds/{refundId}/receipt.html',
      '/api/sales/{saleId}/void',
      '/api/session',
      '/webhooks/vipps',
    ])
    expect(spec.components.securitySchemes).toEqual({
      session: { type: 'apiKey', in: 'cookie', name: 'kasse_session' },
      csrf: { type: 'apiKey', in: 'header', name: 'x-kasse-csrf' },
    })
    expect(spec.paths['/api/products'].post.responses['409']).toBeDefined()
  })
})

describe('requests the till cannot take', () => {
  it('get a JSON error with a code, never a stack trace', async () => {
    const martin = await pos().signIn(MARTIN)
    const missing = await martin.request('GET', '/api/nothing-here')
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /api/nothing-here' },
    })

    const malformed = await pos().app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: '{"posId": "till-1",',
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('MALFORMED_JSON')

    const form = await pos().app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'text/plain' },
      payload: 'posId=till-1',
    })
    expect(form.statusCode).toBe(415)
    expect(form.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE')

    const badQuery = await martin.request('GET', '/api/products?limit=lots')
    expect(badQuery.statusCode).toBe(400)
    expect(badQuery.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'limit must be an integer',
      field: 'limit',
    })
  })
})

describe('POST /api/phone-numbers/normalise', () => {
  it('reads the number as the store’s country unless told otherwise, and names the field when it is wrong', async () => {
    const kari = await pos().signIn()
    const norwegian = await kari.request('POST', '/api/phone-numbers/normalise', {
      phoneNumber: '48 12 34 56',
    })
    expect(norwegian.json()).toEqual({ msisdn: '4748123456', country: 'NO' })
    const danish = await kari.request('POST', '/api/phone-numbers/normalise', {
      phoneNumber: '20 12 34 56',
      country: 'DK',
    })
    expect(danish.json()).toEqual({ msisdn: '4520123456', country: 'DK' })
    const wrong = await kari.request('POST', '/api/phone-numbers/normalise', { phoneNumber: '22 33 44 5' })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', field: 'phoneNumber' })
  })
})

describe('startPos', () => {
  it('listens on 127.0.0.1, seeds the demo store, and keeps its data in the data directory across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kasse-pos-start-'))
    // '' means the embedded database even where DATABASE_URL points at a server.
    const databaseUrl = ''
    try {
      const first = await startPos({ port: 0, dataDir, databaseUrl, clock: new ManualClock() })
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const signIn = await fetch(`${first.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ posId: 'till-1', staffNumber: MARTIN.staffNumber, pin: MARTIN.pin }),
      })
      expect(signIn.status).toBe(201)
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
      const { csrfToken } = (await signIn.json()) as { csrfToken: string }
      const added = await fetch(`${first.url}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-kasse-csrf': csrfToken },
        body: JSON.stringify({ name: 'Lakrisbåt', barcode: '7038010000003', grossPrice: 500, vatRate: 15 }),
      })
      expect(added.status).toBe(201)
      await first.close()

      const second = await startPos({ port: 0, dataDir, databaseUrl, clock: new ManualClock() })
      try {
        const found = await fetch(`${second.url}/api/products?q=Lakris`, { headers: { cookie } })
        expect(((await found.json()) as { products: unknown[] }).products).toHaveLength(1)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('prints the demo credentials for the README', () => {
    expect(describeDemoSeed()).toBe(
      [
        'store   Kasse Demo Butikk (MSN 123456, NOK); tills till-1, till-2',
        'cashier Kari Kasserer: staff number 1, PIN 1234',
        'manager Martin Manager: staff number 2, PIN 9999',
      ].join('\n'),
    )
  })
})
