/**
 * The throwing convenience over verifyWebhook (whose published test vector is
 * checked in src/webhook-signature.test.ts): a signed delivery parses; each way
 * a delivery can be wrong is refused with its own reason.
 */
import { describe, expect, it } from 'vitest'
import { signWebhook, verifiedWebhookBody, WebhookVerificationError } from '../src/index.ts'

const url = 'https://till.example.no/vipps/webhooks?till=1'
const secret = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKX'
const body = JSON.stringify({
  msn: '123456',
  reference: 'till1-000001',
  pspReference: 'psp-1',
  name: 'AUTHORIZED',
  amount: { currency: 'NOK', value: 4990 },
  timestamp: '2025-03-14T09:00:00.000Z',
  success: true,
})
const now = new Date('2025-03-14T09:00:01.000Z')
const headers = signWebhook(body, url, secret, now)

function refusal(run: () => unknown): WebhookVerificationError {
  try {
    run()
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error
    throw error
  }
  throw new Error('the delivery was accepted')
}

describe('verifiedWebhookBody', () => {
  it('accepts a signed delivery and returns its parsed body', () => {
    const event = verifiedWebhookBody<{ name: string; reference: string }>(body, headers, secret, url, {
      now,
    })
    expect(event).toMatchObject({ name: 'AUTHORIZED', reference: 'till1-000001' })
  })

  it('accepts the body as bytes and the headers as a Headers object', () => {
    const bytes = new TextEncoder().encode(body)
    expect(verifiedWebhookBody(bytes, new Headers(headers), secret, url, { now })).toMatchObject({
      msn: '123456',
    })
  })

  it('refuses a tampered body, a wrong secret, a stale date, a missing signature and a mangled one, each for its reason', () => {
    const reasons = [
      refusal(() => verifiedWebhookBody(body.replace('4990', '9990'), headers, secret, url, { now })),
      refusal(() => verifiedWebhookBody(body, headers, 'not-the-secret', url, { now })),
      refusal(() =>
        verifiedWebhookBody(body, headers, secret, url, { now: new Date(now.getTime() + 301_000) }),
      ),
      refusal(() => verifiedWebhookBody(body, {}, secret, url, { now })),
      refusal(() =>
        verifiedWebhookBody(body, { ...headers, authorization: 'Bearer x' }, secret, url, { now }),
      ),
    ].map((error) => error.reason)
    expect(reasons).toEqual([
      'content-hash-mismatch',
      'signature-mismatch',
      'date-outside-window',
      'missing-headers',
      'malformed-authorization',
    ])
  })
})
