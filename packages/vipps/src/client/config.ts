/**
 * The client's configuration: where the platform is, who the merchant is, and
 * the knobs for timeouts, retries and response validation. Everything that
 * touches time or chance (clock, sleep, random) is injectable so tests decide.
 */
import { VippsConfigurationError } from './errors.ts'

/** The platform's hosts. Any other `http(s)://` base URL (the sandbox) is taken as is. */
export const VIPPS_HOSTS = {
  test: 'https://apitest.vipps.no',
  production: 'https://api.vipps.no',
} as const

export type VippsHost = keyof typeof VIPPS_HOSTS | `http://${string}` | `https://${string}`

export interface VippsCredentials {
  clientId: string
  clientSecret: string
  /** `Ocp-Apim-Subscription-Key`. */
  subscriptionKey: string
  /** Merchant Serial Number of the sales unit. */
  msn: string
}

/** The `Vipps-System-*` headers; each at most 30 characters. */
export interface VippsSystemInfo {
  name?: string
  version?: string
  pluginName?: string
  pluginVersion?: string
}

export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number
  /** The first backoff; doubles each retry. Default 250 ms. */
  initialDelayMs?: number
  /** The largest backoff between two attempts. Default 5 s. */
  maxDelayMs?: number
  /** No retry starts later than this after the first attempt. Default 30 s. */
  maxElapsedMs?: number
  /** A `Retry-After` longer than this is not waited out: the 429 is thrown. Default 60 s. */
  maxRetryAfterMs?: number
}

/**
 * Checking answers against the contract schemas. `strict` throws
 * VippsResponseValidationError; `report` hands it to `onResponseValidationError`
 * and returns the answer anyway; `off` skips the check.
 */
export type ResponseValidationMode = 'strict' | 'report' | 'off'

export interface RetryInfo {
  operation: string
  /** The attempt that just failed, from 1. */
  attempt: number
  delayMs: number
  reason: string
  idempotencyKey?: string
}

export interface VippsClientOptions {
  /** `test`, `production`, or a base URL such as the sandbox's. */
  host: VippsHost
  credentials: VippsCredentials
  system?: VippsSystemInfo
  /** How the sales unit authenticates at the Login token and CIBA endpoints. Default `client_secret_basic`. */
  loginClientAuth?: 'client_secret_basic' | 'client_secret_post'
  /** Default per-attempt timeout. Default 15 s. Each call may set its own. */
  timeoutMs?: number
  retry?: RetryOptions
  /** Default: `strict`, or `off` when NODE_ENV is `production`. */
  responseValidation?: ResponseValidationMode
  /** Of the answers, the share checked (0..1). Default 1. */
  responseValidationSampleRate?: number
  /** Where `report` mode sends mismatches. Default: console.warn. */
  onResponseValidationError?: (error: Error) => void
  /** Called before each retry, for logging. Never given a secret. */
  onRetry?: (info: RetryInfo) => void
  /** Access tokens are refreshed this long before they expire. Default 5 min, at most half the lifetime. */
  tokenRefreshMarginMs?: number
  /** Shares cached access tokens between clients with the same credentials. Default: one per client. */
  tokenCache?: import('./access-token.ts').AccessTokenCache
  fetch?: typeof globalThis.fetch
  /** Milliseconds since the epoch; token expiry and retry budgets are measured on it. */
  clock?: { now(): number }
  /** Waits between retries and polls. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** For jitter; [0, 1). */
  random?: () => number
}

/** Per-call options every method takes. */
export interface CallOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

/** Per-call options of a write that is made idempotent with a key. */
export interface IdempotentCallOptions extends CallOptions {
  /**
   * The key the platform deduplicates by. Give one you stored before calling
   * (the till's attempt id) so a retry after a crash cannot do it twice; without
   * one the client makes one, used for every retry of this call.
   */
  idempotencyKey?: string
}

const SYSTEM_HEADER_MAX = 30

export function resolveBaseUrl(host: VippsHost): string {
  if (host === 'test' || host === 'production') return VIPPS_HOSTS[host]
  if (!/^https?:\/\//.test(host)) {
    throw new VippsConfigurationError(`host must be "test", "production" or an http(s) URL, not "${host}"`)
  }
  return host.replace(/\/+$/, '')
}

export function systemHeaders(system: VippsSystemInfo | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  const entries: Array<[string, string | undefined]> = [
    ['vipps-system-name', system?.name],
    ['vipps-system-version', system?.version],
    ['vipps-system-plugin-name', system?.pluginName],
    ['vipps-system-plugin-version', system?.pluginVersion],
  ]
  for (const [name, value] of entries) {
    if (value === undefined) continue
    if (value.length > SYSTEM_HEADER_MAX) {
      throw new VippsConfigurationError(`${name} must be at most ${SYSTEM_HEADER_MAX} characters`)
    }
    headers[name] = value
  }
  return headers
}

export function checkCredentials(credentials: VippsCredentials): void {
  for (const field of ['clientId', 'clientSecret', 'subscriptionKey', 'msn'] as const) {
    if (!credentials?.[field]) throw new VippsConfigurationError(`credentials.${field} is required`)
  }
  if (!/^[0-9]{4,6}$/.test(credentials.msn)) {
    throw new VippsConfigurationError('credentials.msn must be 4 to 6 digits')
  }
}

export function defaultValidationMode(): ResponseValidationMode {
  return globalThis.process?.env?.NODE_ENV === 'production' ? 'off' : 'strict'
}

/** A setTimeout sleep that an AbortSignal cuts short (rejecting with the signal's reason). */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
