/**
 * The platform's calls to the merchant in eCom: the payment callback
 * (`POST {callbackPrefix}/v2/payments/{orderId}`), the shipping details request
 * of express checkout and the consent removal (`DELETE
 * {consentRemovalPrefix}/v2/consents/{userId}`). Each carries the merchant's
 * `authToken` as `Authorization`, as the platform does.
 *
 * The payment callback goes out through the webhooks module's transport. The
 * guide says the platform does not retry a failed callback; the sandbox does,
 * a few times with backoff on the sandbox clock, so a shop's receiver that
 * hiccups is seen to recover (and a test can advance the clock past a retry).
 * The shipping details request is asked once: the app shows "No shipping
 * methods found" when it fails. The other two need a method or an answer body
 * the transport does not give, so they use fetch.
 *
 * Every call goes through the sandbox's webhook faults (faults/webhook-transport.ts)
 * like an ePayment webhook: dropped, duplicated, delayed, held back and
 * reordered, or sent with a wrong authToken (eCom's calls are not signed; the
 * authToken is their credential). A dropped shipping details request is no
 * answer at all, and it is never held back, since the phone waits for it.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { SandboxClock } from '../clock.ts'
import type { EcomCallEvent } from '../faults/rules.ts'
import type { DeliveryFaults } from '../faults/webhook-transport.ts'
import {
  type AttemptErrorKind,
  type AttemptResult,
  httpTransport,
  isAcknowledged,
  type SendOptions,
  type WebhookTransport,
} from '../webhooks/transport.ts'

export const MERCHANT_CALL_KINDS = ['payment', 'shipping-details', 'consent-removal'] as const
export type MerchantCallKind = (typeof MERCHANT_CALL_KINDS)[number]

/** How a fault rule's `event` names each kind of call. */
const FAULT_EVENT: Record<MerchantCallKind, EcomCallEvent> = {
  payment: 'ecom.payment-callback',
  'shipping-details': 'ecom.shipping-details',
  'consent-removal': 'ecom.consent-removal',
}

/**
 * pending → delivered | pending (a retry is due) | failed (out of attempts) |
 * cancelled (the sandbox was reset or closed while it waited).
 */
export const MERCHANT_CALL_STATES = ['pending', 'delivered', 'failed', 'cancelled'] as const
export type MerchantCallState = (typeof MERCHANT_CALL_STATES)[number]

/** Waits before the 2nd, 3rd, … attempt of a callback or consent removal. */
export const RETRY_DELAYS_MS = [2_000, 10_000, 60_000, 300_000] as const

/** The platform's timeouts: 3 s for the payment callback, 10 s for shipping details. */
export const TIMEOUTS_MS: Record<MerchantCallKind, number> = {
  payment: 3_000,
  'shipping-details': 10_000,
  'consent-removal': 10_000,
}

/** Settled calls kept for inspection; older ones are forgotten. */
const KEEP_SETTLED = 10_000

export interface MerchantCallAttempt {
  number: number
  /** Sandbox time it went out, ISO 8601. */
  at: string
  durationMs: number
  statusCode?: number
  error?: AttemptErrorKind
  message?: string
}

/** One call to the merchant and what became of it; the control API shows these. */
export interface MerchantCall {
  id: string
  kind: MerchantCallKind
  msn: string
  orderId?: string
  userId?: string
  method: 'POST' | 'DELETE'
  url: string
  /** The JSON sent, exactly. */
  body?: string
  /** Whether `Authorization` carried the merchant's authToken (never shown). */
  withAuthToken: boolean
  state: MerchantCallState
  createdAt: string
  nextAttemptAt?: string
  attempts: MerchantCallAttempt[]
}

/** What the merchant answered a shipping details request, or why it did not. */
export type ShippingDetailsAnswer = { ok: true; body: unknown } | { ok: false; reason: string }

export interface MerchantCallsOptions {
  clock: SandboxClock
  /** The payment callback's sender; the webhooks module's HTTP transport by default. */
  transport?: WebhookTransport
  fetch?: typeof fetch
  /** The sandbox's webhook faults; without them every call goes out as asked. */
  faults?: DeliveryFaults
}

interface Pending {
  call: MerchantCall
  headers: Record<string, string>
  cancelRetry?: () => void
}

const JSON_HEADERS = { 'content-type': 'application/json;charset=UTF-8' }

export class MerchantCalls {
  private readonly calls = new Map<string, MerchantCall>()
  private readonly pending = new Map<string, Pending>()
  private controller = new AbortController()
  private readonly transport: WebhookTransport
  private readonly fetch: typeof fetch

  constructor(private readonly options: MerchantCallsOptions) {
    this.transport = options.transport ?? httpTransport
    this.fetch = options.fetch ?? globalThis.fetch
  }

  /** Posts the outcome of a payment to `{callbackPrefix}/v2/payments/{orderId}`, retrying on failure. */
  paymentCallback(msn: string, orderId: string, url: string, body: object, authToken?: string): MerchantCall {
    const call = this.record('payment', 'POST', url, msn, { orderId, body: JSON.stringify(body), authToken })
    this.attempt(call, headersFor(authToken, true))
    return call
  }

  /** Tells the merchant a user withdrew consent: `DELETE {consentRemovalPrefix}/v2/consents/{userId}`. */
  consentRemoval(msn: string, userId: string, url: string, authToken?: string): MerchantCall {
    const call = this.record('consent-removal', 'DELETE', url, msn, { userId, authToken })
    this.attempt(call, headersFor(authToken, false))
    return call
  }

  /** Asks the merchant for shipping options for an address; once, within 10 s. */
  async shippingDetails(
    msn: string,
    orderId: string,
    url: string,
    body: object,
    authToken?: string,
  ): Promise<ShippingDetailsAnswer> {
    const call = this.record('shipping-details', 'POST', url, msn, {
      orderId,
      body: JSON.stringify(body),
      authToken,
    })
    const { result, text } = await this.send(call, headersFor(authToken, true), this.controller.signal)
    this.settleAttempt(call, result, [])
    if (result.kind === 'error') return { ok: false, reason: `${result.error}: ${result.message}` }
    if (!isAcknowledged(result))
      return { ok: false, reason: `the merchant answered HTTP ${result.statusCode}` }
    try {
      return { ok: true, body: JSON.parse(text) }
    } catch {
      return { ok: false, reason: 'the merchant’s answer is not JSON' }
    }
  }

  /** Every call matching the filter, oldest first. */
  list(filter: { msn?: string; orderId?: string; kind?: MerchantCallKind } = {}): MerchantCall[] {
    return [...this.calls.values()].filter(
      (call) =>
        (!filter.msn || call.msn === filter.msn) &&
        (!filter.orderId || call.orderId === filter.orderId) &&
        (!filter.kind || call.kind === filter.kind),
    )
  }

  /** Stops everything under way and forgets every call (sandbox reset and close). */
  reset(): void {
    this.controller.abort()
    this.controller = new AbortController()
    for (const { call, cancelRetry } of this.pending.values()) {
      cancelRetry?.()
      call.state = 'cancelled'
      delete call.nextAttemptAt
    }
    this.pending.clear()
    this.calls.clear()
  }

  private record(
    kind: MerchantCallKind,
    method: MerchantCall['method'],
    url: string,
    msn: string,
    extra: { orderId?: string; userId?: string; body?: string; authToken?: string | undefined },
  ): MerchantCall {
    const call: MerchantCall = {
      id: randomUUID(),
      kind,
      msn,
      ...(extra.orderId ? { orderId: extra.orderId } : {}),
      ...(extra.userId ? { userId: extra.userId } : {}),
      method,
      url,
      ...(extra.body ? { body: extra.body } : {}),
      withAuthToken: extra.authToken !== undefined,
      state: 'pending',
      createdAt: this.isoNow(),
      attempts: [],
    }
    this.calls.set(call.id, call)
    this.forgetOldest()
    return call
  }

  /** One attempt of a retried call; a failure schedules the next on the sandbox clock. */
  private attempt(call: MerchantCall, headers: Record<string, string>): void {
    const pending: Pending = { call, headers }
    this.pending.set(call.id, pending)
    delete call.nextAttemptAt
    const signal = this.controller.signal
    void this.send(call, headers, signal).then(({ result }) => {
      // A reset while the request was out: the call is gone, nothing more to do.
      if (signal.aborted || call.state !== 'pending') return
      this.settleAttempt(call, result, RETRY_DELAYS_MS)
      if (call.state !== 'pending') {
        this.pending.delete(call.id)
        return
      }
      const at = Date.parse(call.nextAttemptAt!)
      pending.cancelRetry = this.options.clock.schedule(at, () => this.attempt(call, headers))
    })
  }

  /** Records an attempt's result and decides: delivered, another attempt after a delay, or failed. */
  private settleAttempt(call: MerchantCall, result: AttemptResult, delays: readonly number[]): void {
    const attempt = call.attempts.at(-1)!
    attempt.durationMs = result.durationMs
    if (result.kind === 'response') attempt.statusCode = result.statusCode
    else {
      attempt.error = result.error
      attempt.message = result.message
    }
    if (isAcknowledged(result)) {
      call.state = 'delivered'
      return
    }
    const delay = delays[call.attempts.length - 1]
    if (delay === undefined) {
      call.state = 'failed'
      return
    }
    call.nextAttemptAt = new Date(this.options.clock.now() + delay).toISOString()
  }

  /** One attempt, through the faults when there are any; the first answer that came is the one read. */
  private async send(
    call: MerchantCall,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ result: AttemptResult; text: string }> {
    call.attempts.push({ number: call.attempts.length + 1, at: this.isoNow(), durationMs: 0 })
    const options = { timeoutMs: TIMEOUTS_MS[call.kind], signal }
    if (!this.options.faults) return this.sendOnce(call, headers, options)
    let text: string | undefined
    const send = async (sent: Record<string, string>, sendOptions: SendOptions) => {
      const answer = await this.sendOnce(call, sent, sendOptions)
      text ??= answer.text
      return answer.result
    }
    const result = await this.options.faults(
      {
        request: headers,
        info: { msn: call.msn, reference: call.orderId, eventType: FAULT_EVENT[call.kind], url: call.url },
        send,
        spoil: spoilAuthToken,
        awaitsAnswer: call.kind === 'shipping-details',
      },
      options,
    )
    return { result, text: text ?? '' }
  }

  private async sendOnce(
    call: MerchantCall,
    headers: Record<string, string>,
    { timeoutMs, signal }: SendOptions,
  ): Promise<{ result: AttemptResult; text: string }> {
    if (call.kind === 'payment') {
      const result = await this.transport(
        { url: call.url, body: call.body ?? '', headers },
        { timeoutMs, signal },
      )
      return { result, text: '' }
    }
    return this.sendWithFetch(call, headers, timeoutMs, signal)
  }

  /** A request with any method whose answer body is wanted; never rejects, like the transport. */
  private async sendWithFetch(
    call: MerchantCall,
    headers: Record<string, string>,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ result: AttemptResult; text: string }> {
    const started = performance.now()
    const durationMs = () => Math.round(performance.now() - started)
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const response = await this.fetch(call.url, {
        method: call.method,
        headers,
        ...(call.body ? { body: call.body } : {}),
        // The platform follows no redirects; a 3xx is a failed call.
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      })
      const text = await response.text()
      return { result: { kind: 'response', statusCode: response.status, durationMs: durationMs() }, text }
    } catch (error) {
      const kind: AttemptErrorKind = timeout.aborted
        ? 'timeout'
        : signal.aborted
          ? 'aborted'
          : (FETCH_ERROR_KINDS[causeCode(error)] ?? 'network-error')
      const message = kind === 'timeout' ? `no answer within ${timeoutMs} ms` : String(error)
      return { result: { kind: 'error', error: kind, message, durationMs: durationMs() }, text: '' }
    }
  }

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString()
  }

  private forgetOldest(): void {
    if (this.calls.size <= KEEP_SETTLED) return
    for (const [id, call] of this.calls) {
      if (this.calls.size <= KEEP_SETTLED) break
      if (call.state !== 'pending') this.calls.delete(id)
    }
  }
}

/** The network error codes fetch reports in `cause.code`, in the transport's words. */
const FETCH_ERROR_KINDS: Record<string, AttemptErrorKind> = {
  ECONNREFUSED: 'connection-refused',
  ECONNRESET: 'connection-reset',
  EPIPE: 'connection-reset',
  UND_ERR_SOCKET: 'connection-reset',
  ENOTFOUND: 'dns-error',
  EAI_AGAIN: 'dns-error',
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  return typeof cause?.code === 'string' ? cause.code : ''
}

/** The call with an Authorization that is not the merchant's authToken: what a "bad-signature" fault sends. */
function spoilAuthToken(headers: Record<string, string>): Record<string, string> {
  const token = headers.authorization
  return { ...headers, authorization: token ? `${token}-not-yours` : 'not-the-merchants-auth-token' }
}

function headersFor(authToken: string | undefined, json: boolean): Record<string, string> {
  return { ...(json ? JSON_HEADERS : {}), ...(authToken === undefined ? {} : { authorization: authToken }) }
}
