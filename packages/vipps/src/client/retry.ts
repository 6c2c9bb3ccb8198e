/**
 * When to retry and how long to wait. The rule that matters: a request is
 * repeated only if repeating it cannot do its work twice, either because it
 * has no side effect, or because it carries an idempotency key the platform
 * deduplicates by (and the retry sends the same key), or because it provably
 * never reached the platform.
 */

/**
 * How an operation may be retried.
 * - `safe`: no side effect (GET, the access token, QR exchange, token polls):
 *   retried on network errors, timeouts, 5xx and 429.
 * - `idempotent`: a write with a key the platform deduplicates by, or one that
 *   cannot act twice (a DELETE, an immutable receipt): retried like `safe`,
 *   always with the same key.
 * - `unsafe`: a write with no key (webhook registration, force approve, eCom
 *   initiate): retried only when it never reached the platform (connection
 *   refused, DNS) or was refused unprocessed (429).
 * - `never`: retried only when it never reached the platform (the CIBA start:
 *   a second push to the customer's phone is worse than an error, and its 429
 *   means another login to the same user is running).
 */
export type RetryPolicy = 'safe' | 'idempotent' | 'unsafe' | 'never'

export type Failure =
  | { type: 'not-sent' }
  | { type: 'network' }
  | { type: 'timeout' }
  | { type: 'status'; status: number }

export function isRetryable(policy: RetryPolicy, failure: Failure): boolean {
  if (failure.type === 'not-sent') return true
  switch (policy) {
    case 'safe':
    case 'idempotent':
      return failure.type !== 'status' || failure.status === 429 || failure.status >= 500
    case 'unsafe':
      return failure.type === 'status' && failure.status === 429
    case 'never':
      return false
    default: {
      const unreachable: never = policy
      throw new Error(`unknown retry policy ${unreachable}`)
    }
  }
}

/**
 * Exponential backoff with jitter: the n-th retry (from 0) waits between half
 * and all of `initial * 2^n`, capped at `max`, so many tills that failed at
 * once do not come back at once.
 */
export function backoffDelay(retry: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** retry)
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (relative to
 * `now`). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/**
 * These codes mean no byte of the request left: the connection never came up.
 * node:http puts them on its error, fetch on the error's `cause`.
 * `CONNECT_TIMEOUT` is the client's own (http.ts), `UND_ERR_CONNECT_TIMEOUT` fetch's.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Whether a network failure proves the request never reached the server. */
export function provablyNotSent(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
