import { describe, expect, it } from 'vitest'
import { contentHash, signWebhook, verifyWebhook } from './webhook-signature.ts'

// The platform's published test vector (research/vipps-api.md §3).
const vector = {
  secret: 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
  url: 'https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63',
  body: '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
  date: 'Thu, 30 Mar 2023 08:38:32 GMT',
  hash: 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=',
  signature: 'agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=',
}
const vectorNow = new Date(vector.date)

describe('webhook signature', () => {
  it('signs the published test vector exactly as the platform does', () => {
    const headers = signWebhook(vector.body, vector.url, vector.secret, vectorNow)
    expect(headers['x-ms-date']).toBe(vector.date)
    expect(headers['x-ms-content-sha256']).toBe(vector.hash)
    expect(headers.host).toBe('webhook.site')
    expect(headers.authorization).toBe(
      `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${vector.signature}`,
    )
  })

  it('accepts the test vector delivery', () => {
    const headers = {
      'x-ms-date': vector.date,
      'x-ms-content-sha256': vector.hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${vector.signature}`,
    }
    expect(verifyWebhook(vector.body, headers, vector.secret, vector.url, { now: vectorNow })).toEqual({
      ok: true,
    })
  })

  it('refuses a tampered body, a wrong secret and a stale date, each with its own reason', () => {
    const headers = signWebhook(vector.body, vector.url, vector.secret, vectorNow)
    const tampered = verifyWebhook(
      vector.body.replace('hello', 'HELLO'),
      headers,
      vector.secret,
      vector.url,
      {
        now: vectorNow,
      },
    )
    expect(tampered).toMatchObject({ ok: false, reason: 'content-hash-mismatch' })

    const wrongSecret = verifyWebhook(vector.body, headers, 'not-the-secret', vector.url, { now: vectorNow })
    expect(wrongSecret).toMatchObject({ ok: false, reason: 'signature-mismatch' })

    const later = new Date(vectorNow.getTime() + 5 * 60_000 + 1000)
    expect(verifyWebhook(vector.body, headers, vector.secret, vector.url, { now: later })).toMatchObject({
      ok: false,
      reason: 'date-outside-window',
    })
  })

  it('refuses a delivery signed for another URL', () => {
    const headers = signWebhook(vector.body, 'https://example.com/other', vector.secret, vectorNow)
    expect(verifyWebhook(vector.body, headers, vector.secret, vector.url, { now: vectorNow })).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    })
  })

  it('refuses a delivery without the signature headers', () => {
    expect(verifyWebhook(vector.body, {}, vector.secret, vector.url)).toMatchObject({
      ok: false,
      reason: 'missing-headers',
    })
  })

  it('includes a non-default port in the signed host', () => {
    const headers = signWebhook('{}', 'http://127.0.0.1:8123/hook?x=1', 'secret', vectorNow)
    expect(headers.host).toBe('127.0.0.1:8123')
    expect(headers['x-ms-content-sha256']).toBe(contentHash('{}'))
    expect(
      verifyWebhook('{}', headers, 'secret', 'http://127.0.0.1:8123/hook?x=1', { now: vectorNow }).ok,
    ).toBe(true)
  })
})
