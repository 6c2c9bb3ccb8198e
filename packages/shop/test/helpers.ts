/**
 * A shop for a test file, wired to a real sandbox: both on 127.0.0.1 port 0,
 * the shop on a migrated test database (in-memory PGlite, or a fresh database
 * on KASSE_TEST_DATABASE_URL), its webhook registered at the sandbox, the
 * status sync off (tests sweep when they want it). The shop's Vipps client
 * goes through `faults`, so a test can lose an answer after the platform
 * acted on it, and see every request the shop sent.
 */
import { type RunningSandbox, SandboxClock, startSandbox } from '@kasse/sandbox'
import { openTestDatabase } from '@kasse/storage/testing'
import { VippsClient } from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, expect } from 'vitest'
import type { ShopConfig } from '../src/config.ts'
import { SHOP_SCHEMA, type ShopDatabase } from '../src/db/database.ts'
import { payment } from '../src/db/schema.ts'
import { type RunningShop, startShop } from '../src/server.ts'
import { ManualClock } from './clock.ts'

/** The sandbox's seeded merchant and users (test values). */
export const MSN = '123456'
export const KARI = '4712345678'
export const OLA = '4791234567'
export const ADMIN = { username: 'butikksjef', password: 'riktig-hest-batteri-stift' }

/** A request the shop's Vipps client sent. */
export interface SentRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

/**
 * Sits between the shop's Vipps client and the sandbox: records requests and,
 * when told, forwards one and then throws as if the connection dropped before
 * the answer arrived (the platform did the work; the shop does not know).
 */
export class Faults {
  readonly sent: SentRequest[] = []
  private losing: Array<{ matches: (r: SentRequest) => boolean; times: number }> = []
  /** Called before a matching request goes out; the test may look at the database there. */
  before: ((request: SentRequest) => Promise<void> | void) | undefined

  /** The next `times` requests matching `method path` have their answers lost. */
  loseAnswer(method: string, path: RegExp, times = 1): void {
    this.losing.push({ matches: (r) => r.method === method && path.test(r.path), times })
  }

  /** Requests sent to `method` paths matching `path`. */
  to(method: string, path: RegExp): SentRequest[] {
    return this.sent.filter((r) => r.method === method && path.test(r.path))
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = Object.fromEntries(new Headers(init?.headers).entries())
    const text = typeof init?.body === 'string' ? init.body : undefined
    const request: SentRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      headers,
      body: text ? JSON.parse(text) : undefined,
    }
    this.sent.push(request)
    await this.before?.(request)
    const response = await fetch(input, init)
    const rule = this.losing.find((r) => r.times > 0 && r.matches(request))
    if (rule) {
      rule.times--
      await response.arrayBuffer()
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      })
    }
    return response
  }
}

export interface TestShop {
  sandbox: RunningSandbox
  shop: RunningShop
  database: ShopDatabase
  faults: Faults
  config: ShopConfig
  /** With `frozenAt`: the shop's clock, standing still until a test moves it (the sandbox's moves by its control API). */
  shopClock?: ManualClock
}

/** The sandbox's merchant keys and the test admin login, pointed at `sandboxUrl`. */
export function testConfig(sandboxUrl: string): ShopConfig {
  return {
    shopName: 'Kasse Nettbutikk',
    vipps: {
      baseUrl: sandboxUrl as `http://${string}`,
      clientId: 'test-client-id',
      clientSecret: 'test-client-secret',
      subscriptionKey: 'test-subscription-key',
      msn: MSN,
    },
    admin: ADMIN,
  }
}

/**
 * Starts a sandbox and a shop before the file's tests and stops them after;
 * with `frozenAt` (ISO 8601) both clocks stand still at that instant.
 *
 * @example
 * const env = useTestShop()
 * it('…', async () => { const response = await env().shop.app.inject({ url: '/' }) })
 */
export function useTestShop(options: { frozenAt?: string } = {}): () => TestShop {
  let current: TestShop | undefined
  beforeAll(async () => {
    const frozenAt = options.frozenAt === undefined ? undefined : Date.parse(options.frozenAt)
    const sandbox = await startSandbox({
      port: 0,
      ...(frozenAt === undefined ? {} : { clock: new SandboxClock(() => frozenAt) }),
    })
    const shopClock = frozenAt === undefined ? undefined : new ManualClock(frozenAt)
    const database = await openTestDatabase(SHOP_SCHEMA)
    const faults = new Faults()
    const config = testConfig(sandbox.url)
    const vipps = new VippsClient({
      host: sandbox.url as `http://${string}`,
      credentials: { ...config.vipps },
      fetch: faults.fetch,
      // One attempt per call: a lost answer reaches the shop, which must cope (its own retries use the same key).
      retry: { maxRetries: 0 },
    })
    const shop = await startShop({
      config,
      port: 0,
      database,
      vipps,
      syncIntervalMs: 0,
      sync: { pendingAfterMs: 0 },
      ...(shopClock ? { clock: shopClock } : {}),
    })
    current = { sandbox, shop, database, faults, config, ...(shopClock ? { shopClock } : {}) }
  })
  afterAll(async () => {
    await current?.shop.close()
    await current?.database.close()
    await current?.sandbox.close()
  })
  return () => {
    if (!current) throw new Error('useTestShop() is read inside a test')
    return current
  }
}

/** A shopper: a cookie jar of one cart, talking to the shop in-process. */
export class Shopper {
  private cookie: string | undefined

  constructor(private readonly env: TestShop) {}

  async request(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string>,
  ): Promise<LightMyRequestResponse> {
    const response = await this.env.shop.app.inject({
      method,
      url,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    })
    const set = response.cookies.find((c) => c.name === 'kasse_shop_cart')
    if (set) this.cookie = `kasse_shop_cart=${set.value}`
    return response
  }

  /** The cart cookie as a Cookie header ('' before the first answer that set it). */
  get cookieHeader(): string {
    return this.cookie ?? ''
  }

  add(productId: string, quantity = 1) {
    return this.request('POST', '/handlekurv', { productId, quantity: String(quantity) })
  }

  /** Checks out with Kari's details; the answer redirects to the landing page when all goes well. */
  checkout(overrides: Record<string, string> = {}) {
    return this.request('POST', '/kasse', { ...KARI_DETAILS, ...overrides })
  }
}

export const KARI_DETAILS = {
  name: 'Kari Nordmann',
  email: 'kari@example.no',
  phone: '123 45 678',
  addressLine1: 'Robert Levins gate 5',
  postalCode: '0154',
  city: 'Oslo',
  shippingMethodId: 'pickup-point',
}

/** The control API of the sandbox (no credentials). */
export async function control(env: TestShop, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const response = await fetch(`${env.sandbox.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : undefined }
}

/** Polls until `condition` holds, failing after a bound; never asserts how long it took. */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting until ${what}`)
}

/** The order id in a shop URL such as /ordre/ord_…/retur. */
export const orderIdIn = (url: string): string => /\/ordre\/([^/?]+)/.exec(url)![1]!

/** Signs in to the order admin: GETs with the session, and form POSTs with its CSRF token. */
export async function signInAdmin(e: TestShop) {
  const signIn = await e.shop.app.inject({
    method: 'POST',
    url: '/admin/logg-inn',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(e.config.admin).toString(),
  })
  expect(signIn.statusCode).toBe(303)
  const cookie = signIn.cookies.find((c) => c.name === 'kasse_shop_admin')!
  const page = await e.shop.app.inject({ url: '/admin', cookies: { kasse_shop_admin: cookie.value } })
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!
  return {
    cookie: `kasse_shop_admin=${cookie.value}`,
    get: (url: string) => e.shop.app.inject({ url, cookies: { kasse_shop_admin: cookie.value } }),
    post: (url: string, form: Record<string, string> = {}) =>
      e.shop.app.inject({
        method: 'POST',
        url,
        cookies: { kasse_shop_admin: cookie.value },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf, ...form }).toString(),
      }),
  }
}

/**
 * Hurtigkasse of `quantity` of a product: the browser is sent to the eCom
 * landing page. Returns the shop's order id, the eCom orderId (the payment's
 * reference) and the landing page's token.
 */
export async function startHurtigkasse(e: TestShop, productId: string, quantity = 1) {
  const response = await new Shopper(e).request('POST', `/produkt/${productId}/hurtigkasse`, {
    quantity: String(quantity),
  })
  expect(response.statusCode, response.body).toBe(303)
  const url = response.headers.location as string
  const [row] = await e.database.db.select().from(payment).where(eq(payment.redirectUrl, url))
  return { id: row!.orderId, orderId: row!.reference, token: new URL(url).searchParams.get('token')! }
}
