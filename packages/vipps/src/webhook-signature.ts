/**
 * Signing and verifying webhook deliveries, the one implementation shared by the
 * sandbox (which signs) and the till and shop (which verify).
 *
 * The scheme (research/vipps-api.md §3): the sender puts the base64 SHA-256 of the
 * raw body in `x-ms-content-sha256`, the time in `x-ms-date` (RFC 1123), and in
 * `Authorization` an HMAC-SHA256 over
 * `POST\n{pathAndQuery}\n{x-ms-date};{host};{contentHash}` keyed with the UTF-8
 * bytes of the registration's secret (not base64-decoded).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

// A type alias, not an interface, so it passes where a plain header record is expected.
export type SignedWebhookHeaders = {
  'x-ms-date': string
  'x-ms-content-sha256': string
  host: string
  authorization: string
}

const SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256'

/** base64(SHA-256(body)), the value of `x-ms-content-sha256`. */
export function contentHash(rawBody: string | Uint8Array): string {
  return createHash('sha256').update(rawBody).digest('base64')
}

function stringToSign(url: URL, date: string, hash: string): string {
  return `POST\n${url.pathname}${url.search}\n${date};${url.host};${hash}`
}

function hmac(secret: string, message: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest('base64')
}

/**
 * The headers a webhook delivery of `rawBody` to `url` carries.
 *
 * @example
 * const headers = signWebhook(body, 'http://127.0.0.1:3000/hooks', secret, new Date())
 * await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
 */
export function signWebhook(
  rawBody: string | Uint8Array,
  url: string,
  secret: string,
  date: Date = new Date(),
): SignedWebhookHeaders {
  const target = new URL(url)
  const msDate = date.toUTCString()
  const hash = contentHash(rawBody)
  const signature = hmac(secret, stringToSign(target, msDate, hash))
  return {
    'x-ms-date': msDate,
    'x-ms-content-sha256': hash,
    // URL.host leaves out a default port, as an HTTP client's Host header does.
    host: target.host,
    authorization: `HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}&Signature=${signature}`,
  }
}

/** Why a delivery was refused. Each reason is distinct so a receiver can log it. */
export type WebhookRejection =
  | 'missing-headers'
  | 'malformed-authorization'
  | 'content-hash-mismatch'
  | 'signature-mismatch'
  | 'date-invalid'
  | 'date-outside-window'

export type WebhookVerification = { ok: true } | { ok: false; reason: WebhookRejection; message: string }

export interface VerifyWebhookOptions {
  /** How far `x-ms-date` may be from now, either way. Default 5 minutes. */
  toleranceMs?: number
  /** The current time; from the caller's clock. Default: the system clock. */
  now?: Date
}

type HeaderBag = { readonly [name: string]: string | string[] | undefined } | Headers

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const direct = headers[name] ?? headers[Object.keys(headers).find((k) => k.toLowerCase() === name) ?? '']
  return Array.isArray(direct) ? direct[0] : direct
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Checks that a delivery really comes from the platform: the body is the one
 * hashed, the signature was made with `secret` for this `url` (the URL registered,
 * which is what the sender signed), and the date is recent.
 *
 * @example
 * const result = verifyWebhook(request.rawBody, request.headers, secret, registeredUrl)
 * if (!result.ok) return reply.code(401).send({ error: result.reason })
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: HeaderBag,
  secret: string,
  url: string,
  options: VerifyWebhookOptions = {},
): WebhookVerification {
  const msDate = header(headers, 'x-ms-date')
  const claimedHash = header(headers, 'x-ms-content-sha256')
  const authorization = header(headers, 'authorization')
  if (!msDate || !claimedHash || !authorization) {
    return {
      ok: false,
      reason: 'missing-headers',
      message: 'x-ms-date, x-ms-content-sha256 and authorization are required',
    }
  }
  const match = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(authorization)
  if (!match || match[1] !== SIGNED_HEADERS) {
    return {
      ok: false,
      reason: 'malformed-authorization',
      message: 'authorization is not an HMAC-SHA256 signature over x-ms-date;host;x-ms-content-sha256',
    }
  }
  const actualHash = contentHash(rawBody)
  if (!safeEqual(actualHash, claimedHash)) {
    return {
      ok: false,
      reason: 'content-hash-mismatch',
      message: 'the body does not match x-ms-content-sha256',
    }
  }
  const expected = hmac(secret, stringToSign(new URL(url), msDate, actualHash))
  if (!safeEqual(expected, match[2]!)) {
    return {
      ok: false,
      reason: 'signature-mismatch',
      message: 'the signature was not made with this secret for this URL',
    }
  }
  const sentAt = Date.parse(msDate)
  if (Number.isNaN(sentAt)) return { ok: false, reason: 'date-invalid', message: 'x-ms-date is not a date' }
  const now = (options.now ?? new Date()).getTime()
  const tolerance = options.toleranceMs ?? 5 * 60_000
  if (Math.abs(now - sentAt) > tolerance) {
    return {
      ok: false,
      reason: 'date-outside-window',
      message: `x-ms-date is more than ${tolerance / 1000} s from now`,
    }
  }
  return { ok: true }
}
