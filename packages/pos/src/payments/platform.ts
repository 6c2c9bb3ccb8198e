/**
 * The till's way to Vipps MobilePay: one client per merchant serial number
 * (the store's), from settings the till is given (environment or a config
 * file read by `kasse`), never from code. Every platform call goes through
 * the client library, which keeps idempotency keys across retries.
 */
import { AccessTokenCache, type LoginApi, type RetryOptions, VippsClient } from '@kasse/vipps'
import type { Clock } from '../clock.ts'
import { PosError } from '../errors.ts'

export interface VippsSettings {
  /** `test`, `production` or a base URL such as the sandbox's (`http://127.0.0.1:4010`). */
  baseUrl: string
  clientId: string
  clientSecret: string
  subscriptionKey: string
  /** Per-attempt timeout of a call. Default 10 s: the cashier is waiting. */
  timeoutMs?: number
  retry?: RetryOptions
  /** For tests: the HTTP transport (e.g. an in-process sandbox). */
  fetch?: typeof globalThis.fetch
}

/** The environment variables `vippsSettingsFromEnv` reads. */
export const VIPPS_ENV = {
  baseUrl: 'KASSE_VIPPS_URL',
  clientId: 'KASSE_VIPPS_CLIENT_ID',
  clientSecret: 'KASSE_VIPPS_CLIENT_SECRET',
  subscriptionKey: 'KASSE_VIPPS_SUBSCRIPTION_KEY',
} as const

/**
 * The settings in the environment, or undefined if none is set. Throws if
 * some are set and some missing, so a half-configured till fails at start.
 *
 * @example
 * KASSE_VIPPS_URL=https://apitest.vipps.no KASSE_VIPPS_CLIENT_ID=… kasse pos
 */
export function vippsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): VippsSettings | undefined {
  const values = Object.fromEntries(
    Object.entries(VIPPS_ENV).map(([key, name]) => [key, env[name]?.trim() || undefined]),
  ) as Partial<Record<keyof typeof VIPPS_ENV, string>>
  const missing = Object.entries(values)
    .filter(([, value]) => value === undefined)
    .map(([key]) => VIPPS_ENV[key as keyof typeof VIPPS_ENV])
  if (missing.length === Object.keys(VIPPS_ENV).length) return undefined
  if (missing.length > 0) throw new Error(`Vipps MobilePay settings incomplete: set ${missing.join(', ')}`)
  return values as VippsSettings
}

const SYSTEM = { name: 'kasse', version: '0.1.0', pluginName: 'kasse-pos', pluginVersion: '0.1.0' }

export class VippsPlatform {
  private readonly clients = new Map<string, VippsClient>()
  private readonly tokens = new AccessTokenCache()

  constructor(
    private readonly settings: VippsSettings | undefined,
    private readonly clock: Clock,
  ) {}

  get configured(): boolean {
    return this.settings !== undefined
  }

  /**
   * The Login API (CIBA, userinfo) as the store's sales unit: the club's
   * consent requests. The same keys as payments; PAYMENTS_NOT_CONFIGURED
   * without settings.
   */
  loginFor(msn: string): LoginApi {
    return this.clientFor(msn).login
  }

  /** The client for a merchant serial number; PAYMENTS_NOT_CONFIGURED if the till has no settings. */
  clientFor(msn: string): VippsClient {
    const settings = this.settings
    if (!settings) {
      throw new PosError(
        'PAYMENTS_NOT_CONFIGURED',
        'This till has no Vipps MobilePay settings; ask a manager to configure it',
      )
    }
    let client = this.clients.get(msn)
    if (!client) {
      client = new VippsClient({
        host: settings.baseUrl as `https://${string}`,
        credentials: {
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
          subscriptionKey: settings.subscriptionKey,
          msn,
        },
        system: SYSTEM,
        timeoutMs: settings.timeoutMs ?? 10_000,
        retry: { maxElapsedMs: 15_000, ...settings.retry },
        tokenCache: this.tokens,
        clock: this.clock,
        ...(settings.fetch ? { fetch: settings.fetch } : {}),
      })
      this.clients.set(msn, client)
    }
    return client
  }
}
