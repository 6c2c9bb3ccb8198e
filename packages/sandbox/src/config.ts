/**
 * What the sandbox starts with: merchants, test users and platform settings.
 * Defaults seed the test merchant and users every kasse component expects; a
 * JSON config file (`--config`) and the control API add or change them.
 */
import { readFileSync } from 'node:fs'
import type { Currency } from '@kasse/vipps'

export interface MerchantConfig {
  /** Merchant Serial Number, 4 to 6 digits. */
  msn: string
  name: string
  clientId: string
  clientSecret: string
  subscriptionKey: string
  /** The one currency this sales unit takes: NOK in Norway, DKK in Denmark, EUR in Finland. */
  currency: Currency
  /**
   * What the user is asked to consent to when a login asks for `delegatedConsents`.
   * Absent: Norwegian defaults naming the merchant (login/consents.ts).
   */
  consents?: MerchantConsentTexts
  /** What settlement charges per capture. Absent: the report module's default for the currency. */
  fees?: MerchantFees
}

/**
 * A merchant's fee model: per capture, a percentage of the captured amount (in
 * basis points, 100 = 1 %, rounded half up to the minor unit) plus a fixed
 * amount. Refunds carry no fee, as on the platform.
 */
export interface MerchantFees {
  /** 0 to 10000 (0 % to 100 %). */
  percentBasisPoints: number
  /** Minor units charged on every capture (øre, cents). */
  fixedMinorUnits: number
}

/** The ids the platform gives the consents it collects for a merchant. */
export const CONSENT_IDS = ['email', 'sms', 'digital', 'personal'] as const
export type ConsentId = (typeof CONSENT_IDS)[number]

/** One consent the merchant asks for; a required one must be given to log in. */
export interface MerchantConsent {
  id: ConsentId
  required: boolean
  textDisplayedToUser: string
}

/** The merchant's consent screen, as the app shows it and userinfo's `delegatedConsents` echoes it. */
export interface MerchantConsentTexts {
  /** e.g. `NO`, `EN`. */
  language: string
  heading: string
  text: string
  termsDescription: string
  confirmConsentButtonText: string
  /** Link texts and URLs, e.g. `termsLinkText` and `termsLinkUrl`. */
  links: Record<string, string>
  consents: MerchantConsent[]
}

export interface UserConfig {
  /** MSISDN: country code and number, digits only. */
  msisdn: string
  givenName: string
  familyName: string
  email: string
  birthDate: string
  address: { streetAddress: string; postalCode: string; region: string; country: string }
}

/**
 * Faults to inject (faults/): an unsigned 32-bit seed and the rules, as JSON;
 * the faults module checks them when the sandbox is built and refuses a bad one.
 */
export interface FaultsConfig {
  /** The same seed and the same traffic give the same faults. Default 1. */
  seed?: number
  /** Fault rules as `POST /_sandbox/faults` takes them. */
  rules?: unknown[]
}

export interface SandboxConfig {
  merchants: MerchantConfig[]
  users: UserConfig[]
  /** How long an access token lives: 1 h as in the test environment. */
  accessTokenLifetimeMs: number
  /** How long a CREATED payment waits for the user before it expires. */
  paymentLifetimeMs: number
  /** The platform's per-reference rate limits (5 writes/min, 120 reads/min). */
  rateLimits: { enabled: boolean; writesPerMinute: number; readsPerMinute: number }
  /** How long a webhook receiver has to answer before the attempt counts as a timeout and is retried. */
  webhookTimeoutMs: number
  /**
   * Faults to inject from the start (`--faults`, or `faults` in a config file):
   * a seed and rules as `PUT /_sandbox/faults` takes them; restored by reset.
   */
  faults?: FaultsConfig
}

export const DEFAULT_MERCHANT: MerchantConfig = {
  msn: '123456',
  name: 'Kasse Demo Butikk',
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  subscriptionKey: 'test-subscription-key',
  currency: 'NOK',
}

export const DEFAULT_USERS: UserConfig[] = [
  {
    msisdn: '4712345678',
    givenName: 'Kari',
    familyName: 'Nordmann',
    email: 'kari.nordmann@example.no',
    birthDate: '1985-04-12',
    address: { streetAddress: 'Robert Levins gate 5', postalCode: '0154', region: 'Oslo', country: 'NO' },
  },
  {
    msisdn: '4791234567',
    givenName: 'Ola',
    familyName: 'Nordmann',
    email: 'ola.nordmann@example.no',
    birthDate: '1979-09-30',
    address: { streetAddress: 'Storgata 1', postalCode: '0155', region: 'Oslo', country: 'NO' },
  },
]

export function defaultConfig(): SandboxConfig {
  return {
    merchants: [{ ...DEFAULT_MERCHANT }],
    users: DEFAULT_USERS.map((u) => ({ ...u, address: { ...u.address } })),
    accessTokenLifetimeMs: 60 * 60_000,
    paymentLifetimeMs: 10 * 60_000,
    rateLimits: { enabled: true, writesPerMinute: 5, readsPerMinute: 120 },
    webhookTimeoutMs: 10_000,
  }
}

/**
 * Reads a JSON config file and lays it over the defaults. Merchants and users in
 * the file are added to the seeded ones (same MSN or MSISDN: the file's wins).
 *
 * @example
 * // kasse.sandbox.json
 * { "merchants": [{ "msn": "223344", "name": "Butikk DK", "currency": "DKK", ... }],
 *   "paymentLifetimeMs": 300000 }
 */
export function loadConfig(path?: string, overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  const base = defaultConfig()
  const fromFile: Partial<SandboxConfig> = path ? JSON.parse(readFileSync(path, 'utf8')) : {}
  const merged = { ...base, ...fromFile, ...overrides }
  merged.merchants = mergeBy(
    base.merchants,
    [...(fromFile.merchants ?? []), ...(overrides.merchants ?? [])],
    'msn',
  )
  merged.users = mergeBy(base.users, [...(fromFile.users ?? []), ...(overrides.users ?? [])], 'msisdn')
  merged.rateLimits = { ...base.rateLimits, ...fromFile.rateLimits, ...overrides.rateLimits }
  return merged
}

function mergeBy<T, K extends keyof T>(base: T[], extra: T[], key: K): T[] {
  const byKey = new Map(base.map((item) => [item[key], item]))
  for (const item of extra) byKey.set(item[key], { ...byKey.get(item[key]), ...item })
  return [...byKey.values()]
}
