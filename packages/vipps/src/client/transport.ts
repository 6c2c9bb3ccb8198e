/**
 * The one place that talks HTTP. Every API method describes its call as a
 * `RequestSpec`; the transport adds credentials and headers, applies the
 * timeout, retries what may be retried (reusing the idempotency key), refreshes
 * the access token once on a 401, turns error answers into typed errors, and
 * checks good answers against the contract schema.
 */
import type { TSchema } from '@sinclair/typebox'
import { AccessTokenResponse } from '../schemas/access-token.ts'
import { type AccessTokenCache, type IssuedToken, tokenCacheKey } from './access-token.ts'
import {
  type CallOptions,
  checkCredentials,
  defaultSleep,
  defaultValidationMode,
  type ResponseValidationMode,
  type RetryInfo,
  resolveBaseUrl,
  systemHeaders,
  type VippsClientOptions,
  type VippsCredentials,
} from './config.ts'
import {
  type FailedRequest,
  VippsApiError,
  VippsEcomError,
  type VippsError,
  VippsGatewayError,
  type VippsHttpError,
  VippsNetworkError,
  VippsOAuthError,
  VippsResponseValidationError,
  VippsTimeoutError,
  VippsUnexpectedResponseError,
} from './errors.ts'
import { fetchExchange, type HttpExchange, nodeHttpExchange, type ReplyHeaders } from './http.ts'
import {
  backoffDelay,
  type Failure,
  isRetryable,
  parseRetryAfter,
  provablyNotSent,
  type RetryPolicy,
} from './retry.ts'
import { schemaIssues } from './validation.ts'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * Who the call authenticates as.
 * - `merchant`: the merchant's access token, subscription key and MSN.
 * - `merchant-no-msn`: the same without the MSN header (the Report API takes none).
 * - `login-client`: the sales unit's client_id/secret, as Basic or in the form.
 * - `{ userToken }`: a user's access token from Login (userinfo).
 * - `access-token-request`: the credentials as headers, for `POST /accesstoken/get` only.
 * - `none`: public documents (OpenID discovery, JWKS).
 */
export type AuthMode =
  | 'none'
  | 'merchant'
  | 'merchant-no-msn'
  | 'login-client'
  | 'access-token-request'
  | { userToken: string }

export interface RequestSpec {
  /** Names the call in errors and logs, e.g. `epayment.capture`. */
  operation: string
  method: HttpMethod
  /** Below the base URL, already encoded. */
  path: string
  query?: Record<string, string | undefined>
  json?: unknown
  form?: Record<string, string | undefined>
  auth: AuthMode
  idempotency?: { header: 'idempotency-key' | 'x-request-id'; key: string }
  retry: RetryPolicy
  /** Statuses that are success; their body is checked against `schema`. */
  success: readonly number[]
  /** Error statuses the caller interprets itself (e.g. 404 "not ready", 409 "exists"). */
  passthrough?: readonly number[]
  schema?: TSchema
  options?: CallOptions
}

export interface Reply {
  status: number
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown
  text: string
  headers: ReplyHeaders
  /** Everything about the call except secrets, for errors the caller raises itself. */
  request: FailedRequest
}

const DEFAULT_TIMEOUT_MS = 15_000
const DEFAULT_TOKEN_MARGIN_MS = 5 * 60_000
const BODY_EXCERPT_LENGTH = 300

/** Why an attempt was aborted by us, as opposed to by the caller. */
class AttemptTimedOut extends Error {}

type AttemptResult =
  | { type: 'answer'; reply: Reply }
  | { type: 'token-refused' }
  | { type: 'failed'; failure: Failure; error: VippsError; retryAfterMs?: number }

export class Transport {
  readonly baseUrl: string
  readonly credentials: VippsCredentials
  private readonly http: HttpExchange
  private readonly nowFn: () => number
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private readonly random: () => number
  private readonly system: Record<string, string>
  private readonly timeoutMs: number
  private readonly retry: Required<NonNullable<VippsClientOptions['retry']>>
  private readonly validation: ResponseValidationMode
  private readonly sampleRate: number
  private readonly onValidationError: (error: Error) => void
  private readonly onRetry: ((info: RetryInfo) => void) | undefined
  private readonly loginClientAuth: 'client_secret_basic' | 'client_secret_post'
  private readonly tokens: AccessTokenCache
  private readonly tokenKey: string
  private readonly tokenMarginMs: number

  constructor(options: VippsClientOptions, tokens: AccessTokenCache) {
    this.baseUrl = resolveBaseUrl(options.host)
    checkCredentials(options.credentials)
    this.credentials = { ...options.credentials }
    this.system = systemHeaders(options.system)
    // A caller's fetch is used as given; otherwise node:http, which costs less per call.
    this.http = options.fetch ? fetchExchange(options.fetch) : nodeHttpExchange
    const clock = options.clock
    this.nowFn = clock ? () => clock.now() : () => Date.now()
    this.sleep = options.sleep ?? defaultSleep
    this.random = options.random ?? Math.random
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.retry = {
      maxRetries: options.retry?.maxRetries ?? 3,
      initialDelayMs: options.retry?.initialDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 5_000,
      maxElapsedMs: options.retry?.maxElapsedMs ?? 30_000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 60_000,
    }
    this.validation = options.responseValidation ?? defaultValidationMode()
    this.sampleRate = options.responseValidationSampleRate ?? 1
    this.onValidationError =
      options.onResponseValidationError ?? ((error) => console.warn(`[vipps] ${error.message}`))
    this.onRetry = options.onRetry
    this.loginClientAuth = options.loginClientAuth ?? 'client_secret_basic'
    this.tokens = tokens
    const { clientId, clientSecret, subscriptionKey, msn } = this.credentials
    this.tokenKey = tokenCacheKey(this.baseUrl, [clientId, clientSecret, subscriptionKey, msn])
    this.tokenMarginMs = options.tokenRefreshMarginMs ?? DEFAULT_TOKEN_MARGIN_MS
  }

  now(): number {
    return this.nowFn()
  }

  /** A fresh idempotency key (a UUID, 36 characters: fits ePayment's 50 and eCom's 40). */
  newKey(): string {
    return globalThis.crypto.randomUUID()
  }

  /**
   * The merchant's access token: cached, refreshed before expiry, one fetch at a
   * time. The fetch is shared, so it runs under the client's own timeout and no
   * caller's signal: one caller giving up must not fail the others waiting on it.
   */
  async accessToken(options?: CallOptions): Promise<string> {
    const shared = this.tokens.get(this.tokenKey, this.nowFn, this.tokenMarginMs, () =>
      this.fetchAccessToken(),
    )
    const token = await abortable(shared, options?.signal)
    return token.accessToken
  }

  private async fetchAccessToken(): Promise<IssuedToken> {
    const requestedAt = this.now()
    const reply = await this.send({
      operation: 'accesstoken.get',
      method: 'POST',
      path: '/accesstoken/get',
      auth: 'access-token-request',
      retry: 'safe',
      success: [200],
      schema: AccessTokenResponse,
    })
    const body = reply.body as AccessTokenResponse
    const lifetimeSeconds = Number(body.expires_in)
    if (!Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0) {
      throw new VippsResponseValidationError(
        reply.status,
        [{ field: 'expires_in', message: 'is not a positive number of seconds' }],
        reply.request,
      )
    }
    // Measured from when we asked, so a slow answer errs on the early side.
    const lifetimeMs = lifetimeSeconds * 1000
    return { accessToken: body.access_token, expiresAt: requestedAt + lifetimeMs, lifetimeMs }
  }

  /**
   * Performs the call with retries and returns the answer, or throws a VippsError.
   * The caller's `signal` aborting rejects with the signal's reason.
   */
  async send(spec: RequestSpec): Promise<Reply> {
    const url = this.url(spec)
    const timeoutMs = spec.options?.timeoutMs ?? this.timeoutMs
    const started = this.now()
    const request: FailedRequest = {
      operation: spec.operation,
      method: spec.method,
      url: url.toString(),
      ...(spec.idempotency ? { idempotencyKey: spec.idempotency.key } : {}),
      attempts: 0,
      unansweredAttempts: 0,
    }
    let refreshedToken = false
    let retries = 0
    for (;;) {
      const result = await this.attemptOnce(spec, url, timeoutMs, request, !refreshedToken)
      if (result.type === 'answer') return result.reply
      if (result.type === 'token-refused') {
        refreshedToken = true
        continue
      }
      const delayMs = this.retryDelay(spec.retry, result.failure, retries, result.retryAfterMs, started)
      if (delayMs === undefined) throw result.error
      retries++
      this.onRetry?.({
        operation: spec.operation,
        attempt: request.attempts,
        delayMs,
        reason: result.error.message,
        ...(spec.idempotency ? { idempotencyKey: spec.idempotency.key } : {}),
      })
      await this.sleep(delayMs, spec.options?.signal)
    }
  }

  /** One attempt, classified: an answer to return, a stale token, or a failure that may be retried. */
  private async attemptOnce(
    spec: RequestSpec,
    url: URL,
    timeoutMs: number,
    request: FailedRequest,
    mayRefreshToken: boolean,
  ): Promise<AttemptResult> {
    const usedToken = this.needsAccessToken(spec.auth) ? await this.accessToken(spec.options) : undefined
    request.attempts++
    let answer: { status: number; headers: ReplyHeaders; text: string }
    try {
      answer = await this.exchange(spec, url, usedToken, timeoutMs)
    } catch (thrown) {
      if (spec.options?.signal?.aborted) throw spec.options.signal.reason
      if (thrown instanceof AttemptTimedOut) {
        request.unansweredAttempts++
        return {
          type: 'failed',
          failure: { type: 'timeout' },
          error: new VippsTimeoutError(timeoutMs, { ...request }),
        }
      }
      if (provablyNotSent(thrown)) {
        const error = new VippsNetworkError('not-sent', { ...request }, thrown)
        return { type: 'failed', failure: { type: 'not-sent' }, error }
      }
      request.unansweredAttempts++
      const error = new VippsNetworkError('unknown', { ...request }, thrown)
      return { type: 'failed', failure: { type: 'network' }, error }
    }
    const { status, headers, text } = answer
    if (spec.success.includes(status) || spec.passthrough?.includes(status)) {
      const body = this.parseBody(text, status, spec, request)
      return {
        type: 'answer',
        reply: { status, body, text, headers, request: { ...request } },
      }
    }
    if (status === 401 && usedToken !== undefined && mayRefreshToken) {
      // The token expired early or was revoked: get a new one, once, and repeat.
      // A 401 proves nothing was processed, so any call may be repeated.
      this.tokens.invalidate(this.tokenKey, usedToken)
      request.attempts--
      return { type: 'token-refused' }
    }
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), this.now())
    if (status >= 500) request.unansweredAttempts++
    return {
      type: 'failed',
      failure: { type: 'status', status },
      error: httpError(status, text, { ...request }, retryAfterMs),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to give up. */
  private retryDelay(
    policy: RetryPolicy,
    failure: Failure,
    retries: number,
    retryAfterMs: number | undefined,
    started: number,
  ): number | undefined {
    if (!isRetryable(policy, failure) || retries >= this.retry.maxRetries) return undefined
    if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) return undefined
    const backoff = backoffDelay(retries, this.retry.initialDelayMs, this.retry.maxDelayMs, this.random)
    // The platform's hint wins; never earlier than it says.
    const delayMs = retryAfterMs ?? backoff
    if (this.now() - started + delayMs > this.retry.maxElapsedMs) return undefined
    return delayMs
  }

  private needsAccessToken(auth: AuthMode): boolean {
    return auth === 'merchant' || auth === 'merchant-no-msn'
  }

  private url(spec: RequestSpec): URL {
    const url = new URL(this.baseUrl + spec.path)
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value)
    }
    return url
  }

  private headers(spec: RequestSpec, accessToken: string | undefined): Record<string, string> {
    const { clientId, clientSecret, subscriptionKey, msn } = this.credentials
    const headers: Record<string, string> = { ...this.system }
    const auth = spec.auth
    if (auth === 'access-token-request') {
      Object.assign(headers, {
        client_id: clientId,
        client_secret: clientSecret,
        'ocp-apim-subscription-key': subscriptionKey,
        'merchant-serial-number': msn,
      })
    } else if (auth === 'merchant' || auth === 'merchant-no-msn') {
      headers.authorization = `Bearer ${accessToken}`
      headers['ocp-apim-subscription-key'] = subscriptionKey
      if (auth === 'merchant') headers['merchant-serial-number'] = msn
    } else if (auth === 'login-client') {
      if (this.loginClientAuth === 'client_secret_basic') {
        headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
      }
    } else if (auth !== 'none') {
      headers.authorization = `Bearer ${auth.userToken}`
      headers['ocp-apim-subscription-key'] = subscriptionKey
    }
    if (spec.idempotency) headers[spec.idempotency.header] = spec.idempotency.key
    if (spec.json !== undefined) headers['content-type'] = 'application/json'
    if (spec.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    return headers
  }

  private body(spec: RequestSpec): string | undefined {
    if (spec.json !== undefined) return JSON.stringify(spec.json)
    if (spec.form === undefined) return undefined
    const form = new URLSearchParams()
    for (const [name, value] of Object.entries(spec.form)) if (value !== undefined) form.set(name, value)
    if (spec.auth === 'login-client' && this.loginClientAuth === 'client_secret_post') {
      form.set('client_id', this.credentials.clientId)
      form.set('client_secret', this.credentials.clientSecret)
    }
    return form.toString()
  }

  /** One HTTP exchange, body included, under the timeout. */
  private async exchange(
    spec: RequestSpec,
    url: URL,
    accessToken: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; headers: ReplyHeaders; text: string }> {
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(new AttemptTimedOut()), timeoutMs)
    const signal = spec.options?.signal
      ? AbortSignal.any([spec.options.signal, timeout.signal])
      : timeout.signal
    try {
      // The timeout covers the body too: a platform that sends headers and stalls is no answer.
      return await this.http({
        url,
        method: spec.method,
        headers: this.headers(spec, accessToken),
        body: this.body(spec),
        signal,
      })
    } catch (error) {
      if (timeout.signal.aborted && !spec.options?.signal?.aborted) throw new AttemptTimedOut()
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  private parseBody(text: string, status: number, spec: RequestSpec, request: FailedRequest): unknown {
    if (text.trim() === '') {
      if (spec.schema && spec.success.includes(status))
        this.invalid(status, [{ field: '(root)', message: 'is empty' }], request)
      return undefined
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      if (spec.schema && spec.success.includes(status)) {
        this.invalid(status, [{ field: '(root)', message: 'is not JSON' }], request)
      }
      return text
    }
    if (spec.schema && spec.success.includes(status) && this.shouldValidate()) {
      const issues = schemaIssues(spec.schema, body)
      if (issues.length > 0) this.invalid(status, issues, request)
    }
    return body
  }

  private shouldValidate(): boolean {
    if (this.validation === 'off') return false
    return this.sampleRate >= 1 || this.random() < this.sampleRate
  }

  private invalid(
    status: number,
    issues: VippsResponseValidationError['issues'],
    request: FailedRequest,
  ): void {
    const error = new VippsResponseValidationError(status, issues, { ...request })
    if (this.validation === 'strict') throw error
    if (this.validation === 'report') this.onValidationError(error)
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself runs on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * The typed error for an error answer, chosen by the body's shape, since the
 * same API answers in more than one format (its own, and the gateway's).
 */
export function httpError(
  status: number,
  text: string,
  request: FailedRequest,
  retryAfterMs?: number,
): VippsHttpError {
  let body: unknown
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  if (Array.isArray(body) && body.length > 0 && body.every(isEcomError)) {
    return new VippsEcomError(status, body, request, retryAfterMs)
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>
    if (typeof b.message === 'string' && (typeof b.statusCode === 'number' || typeof b.code === 'string')) {
      return new VippsGatewayError(status, b.message, request, retryAfterMs)
    }
    const azure = b.responseInfo as Record<string, unknown> | undefined
    const result = b.result as Record<string, unknown> | undefined
    if (azure && result && typeof result.message === 'string') {
      return new VippsGatewayError(status, result.message, request, retryAfterMs)
    }
    if (typeof b.error === 'string') {
      const code = b.error_code
      return new VippsOAuthError(
        status,
        b.error,
        typeof b.error_description === 'string' ? b.error_description : undefined,
        typeof code === 'string' || typeof code === 'number' ? code : undefined,
        request,
        retryAfterMs,
      )
    }
    if (typeof b.title === 'string' || typeof b.type === 'string') {
      const details = Array.isArray(b.extraDetails) ? b.extraDetails : b.invalidParams
      return new VippsApiError(
        status,
        {
          title: typeof b.title === 'string' ? b.title : String(b.type),
          ...optionalString('type', b.type),
          ...optionalString('detail', b.detail),
          ...optionalString('traceId', b.traceId),
          ...optionalString('instance', b.instance),
          extraDetails: Array.isArray(details) ? details.filter(isNameReason) : [],
        },
        request,
        retryAfterMs,
      )
    }
    if (typeof b.errorMessage === 'string') {
      // The Report API's 500: `{errorCode, errorMessage, contextId}`.
      return new VippsApiError(
        status,
        {
          title: b.errorMessage,
          ...(b.errorCode !== undefined ? { type: String(b.errorCode) } : {}),
          ...optionalString('traceId', b.contextId),
        },
        request,
        retryAfterMs,
      )
    }
  }
  return new VippsUnexpectedResponseError(status, text.slice(0, BODY_EXCERPT_LENGTH), request, retryAfterMs)
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' ? ({ [key]: value } as Record<K, string>) : {}
}

function isEcomError(value: unknown): value is import('../schemas/ecom.ts').EcomError {
  if (!value || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return (
    typeof v.errorCode === 'string' && typeof v.errorMessage === 'string' && typeof v.errorGroup === 'string'
  )
}

function isNameReason(value: unknown): value is { name: string; reason: string } {
  if (!value || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.name === 'string' && typeof v.reason === 'string'
}
