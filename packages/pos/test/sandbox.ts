/**
 * A Vipps MobilePay sandbox for till tests: in-process (the till's client
 * reaches it through `inject`, no socket) for domain and API tests, with the
 * seeded test merchant's credentials. `faults` lets a test make the next
 * calls fail on the way out or lose their answers, as a network does.
 */
import { buildSandbox, defaultConfig, type Sandbox } from '@kasse/sandbox'
import { type EPaymentWebhookEvent, signWebhook } from '@kasse/vipps'
import type { FastifyInstance } from 'fastify'
import type { VippsSettings } from '../src/payments/platform.ts'

export const SANDBOX_BASE_URL = 'http://sandbox.kasse.test'
export const KARI_MSISDN = '4712345678'
export const OLA_MSISDN = '4791234567'
export const MSN = '123456'

/** A rule for the calls a test wants to fail: which, and how. */
export interface Fault {
  /** e.g. `POST /epayment/v1/payments`; matched against method and path. */
  matches: (method: string, path: string) => boolean
  /**
   * `refuse`: the connection is refused (certainly not sent); `drop`: the
   * connection breaks before the platform gets the request (outcome unknown to
   * the till); `lose`: the platform does it and the answer is lost; `hold`: it
   * arrives late; `late`: the platform does it at once and its answer arrives late.
   */
  kind: 'refuse' | 'drop' | 'lose' | 'hold' | 'late'
  /** With `hold` and `late`: the request reaches the platform, or its answer the till, only when this settles (a slow network). */
  until?: Promise<unknown>
  /** How many calls it hits; default all while it is in the list. */
  times?: number
}

export interface InProcessSandbox extends Sandbox {
  settings: VippsSettings
  faults: Fault[]
  /** Every call the till made, method and path. */
  calls: Array<{ method: string; path: string }>
  /** Acts as the phone's user. */
  answer(msisdn: string, reference: string, answer: 'approve' | 'reject'): Promise<void>
  /** The platform's record of a payment, with its events. */
  payment(
    reference: string,
  ): Promise<{ state: string; events: Array<{ name: string; idempotencyKey?: string }> }>
  reset(): Promise<void>
}

/** A fresh in-process sandbox. Call `reset()` before each test (the till's receipt numbers restart). */
export function inProcessSandbox(): InProcessSandbox {
  const sandbox = buildSandbox({ config: defaultConfig() })
  const merchant = sandbox.ctx.config.merchants.find((m) => m.msn === MSN)!
  const faults: Fault[] = []
  const calls: Array<{ method: string; path: string }> = []
  const control = async (method: 'GET' | 'POST', url: string) => {
    const response = await sandbox.app.inject({ method, url })
    if (response.statusCode >= 300)
      throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
    return response.body ? response.json() : undefined
  }
  return {
    ...sandbox,
    faults,
    calls,
    settings: {
      baseUrl: SANDBOX_BASE_URL,
      clientId: merchant.clientId,
      clientSecret: merchant.clientSecret,
      subscriptionKey: merchant.subscriptionKey,
      // Tests decide when to retry; the client's own retries would only slow them.
      retry: { maxRetries: 0 },
      fetch: injectFetch(sandbox.app, faults, calls),
    },
    answer: async (msisdn, reference, answer) => {
      await control('POST', `/_sandbox/users/${msisdn}/payments/${MSN}/${reference}/${answer}`)
    },
    payment: (reference) => control('GET', `/_sandbox/payments/${MSN}/${reference}`),
    reset: async () => {
      faults.length = 0
      calls.length = 0
      await control('POST', '/_sandbox/reset')
    },
  }
}

/** A fetch that hands the request to the sandbox's `inject`, applying the faults. */
function injectFetch(app: FastifyInstance, faults: Fault[], calls: Array<{ method: string; path: string }>) {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const method = (init.method ?? 'GET').toUpperCase()
    const path = url.pathname
    calls.push({ method, path })
    const fault = faults.find((f) => f.matches(method, path) && (f.times ?? 1) > 0)
    if (fault && fault.times !== undefined) fault.times--
    if (fault?.kind === 'refuse') {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      })
    }
    if (fault?.kind === 'drop') throw connectionReset()
    if (fault?.kind === 'hold') await fault.until
    const response = await app.inject({
      method: method as 'GET',
      url: `${path}${url.search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(init.body !== undefined && init.body !== null ? { payload: init.body as string } : {}),
    })
    if (fault?.kind === 'lose') throw connectionReset()
    if (fault?.kind === 'late') await fault.until
    const headers = new Headers()
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value))
    }
    const empty = response.statusCode === 204 || response.statusCode === 304
    return new Response(empty ? null : new Uint8Array(response.rawPayload), {
      status: response.statusCode,
      headers,
    })
  }
}

function connectionReset(): Error {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  })
}

/** Matches calls by method and a path pattern. */
export const call =
  (method: string, path: RegExp) =>
  (m: string, p: string): boolean =>
    m === method && path.test(p)

/**
 * A webhook delivery as the platform signs it, for a receiver registered at
 * `url` with `secret`: the headers and the raw body.
 */
export function signedDelivery(event: EPaymentWebhookEvent, url: string, secret: string, at: Date) {
  const body = JSON.stringify(event)
  return { body, headers: { ...signWebhook(body, url, secret, at), 'content-type': 'application/json' } }
}
