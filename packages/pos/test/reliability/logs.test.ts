/**
 * No secrets, tokens or personal data in the logs. The till and the web shop
 * run as processes of their own at the most verbose level (trace: every
 * request Fastify logs, every warning the payment work writes), and all they
 * write to stdout and stderr is kept while a full checkout goes through:
 *
 * - the till: sign-in (cashier, then manager), scan, identify by a typed phone
 *   number and by personal QR, pay, the phone's approval, the webhook, the
 *   capture, a search of the journal by phone number, a refund;
 * - the shop: cart, checkout with name, e-mail, phone and address, the landing
 *   page, approval, the webhook, the admin's sign-in, shipping (capture) and a
 *   refund.
 *
 * Then the output is searched for every phone number involved (in any format),
 * names, e-mail addresses, the access tokens the sandbox issued, the client
 * secret, the subscription key, the webhook secrets, session cookies, the
 * personal QR and the admin's password.
 */
import { type RunningSandbox, startSandbox } from '@kasse/sandbox'
import { freshStorage } from '@kasse/storage/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KARI_DETAILS } from '../../../shop/test/helpers.ts'
import { freshTillStorage } from '../database.ts'
import { eventually, type Json, settingsFor, signInOverHttp } from '../wire.ts'
import { control, MSN, recordPlatformRequests } from './harness.ts'
import { type ShopProcess, spawnShop, spawnTill, type TillProcess } from './processes.ts'

const KARI = { msisdn: '4712345678', national: '12345678' }
const OLA = { msisdn: '4791234567', national: '91234567' }
const ADMIN = { username: 'butikksjef', password: 'riktig-hest-batteri-stift' }

/** `digits` written with any one separator (space, dot, dash…) or none between them, as people and formatters do. */
const spaced = (digits: string) => new RegExp(digits.split('').join('[^0-9A-Za-z]?'))

/** Every way the log could give a person or a secret away: what to look for, and what it is. */
function leaks(output: string, secrets: Array<[string, string]>): string[] {
  const found: string[] = []
  for (const person of [KARI, OLA]) {
    for (const pattern of [spaced(person.national), spaced(person.msisdn)]) {
      const hit = pattern.exec(output)
      if (hit) found.push(`phone number ${hit[0]} in …${context(output, hit.index)}…`)
    }
  }
  const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/.exec(output)
  if (email) found.push(`e-mail ${email[0]} in …${context(output, email.index)}…`)
  for (const [what, value] of secrets) {
    const at = output.indexOf(value)
    if (value && at >= 0) found.push(`${what} in …${context(output, at)}…`)
  }
  return found
}

const context = (text: string, at: number) => text.slice(Math.max(0, at - 80), at + 80).replace(/\n/g, ' ')

/** Names of the people in the checkouts: the customers and the staff. */
const NAMES: Array<[string, string]> = [
  ['a customer’s given name', 'Kari'],
  ['a customer’s family name', 'Nordmann'],
  ['a customer’s name', 'Ola'],
  ['a cashier’s name', 'Kasserer'],
  ['a manager’s name', 'Martin'],
  ['a street address', 'Robert Levins'],
]

let sandbox: RunningSandbox
const stops: Array<() => Promise<void>> = []

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 })
})

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
  await sandbox.close()
})

/** The secrets the platform side knows of: keys, every access token it saw used, the webhook secrets. */
async function platformSecrets(tokens: Set<string>): Promise<Array<[string, string]>> {
  const settings = settingsFor(sandbox)
  const webhooks = (await control(sandbox, 'GET', '/_sandbox/webhooks')).webhooks as Json[]
  return [
    ['the client secret', settings.clientSecret],
    ['the subscription key', settings.subscriptionKey],
    ...[...tokens].map((token): [string, string] => ['an access token', token]),
    ...webhooks.map((w): [string, string] => ['a webhook secret', w.secret]),
  ]
}

function tokensSeen(): Set<string> {
  const tokens = new Set<string>()
  recordPlatformRequests(sandbox, (request) => {
    const token = request.authorization?.replace(/^Bearer\s+/i, '')
    if (token) tokens.add(token)
  })
  return tokens
}

describe('logs', { timeout: 120_000 }, () => {
  it('the search finds what it looks for, however it is written', () => {
    for (const line of [
      '{"msg":"customer 4712345678"}',
      '{"msg":"+47 123 45 678"}',
      '{"msisdn":"47-91-23-45-67"}',
      '{"phone":"12345678"}',
      '{"to":"kari@example.no"}',
      '{"token":"abc.def.ghi"}',
    ]) {
      expect(leaks(line, [['an access token', 'abc.def.ghi']]), line).not.toEqual([])
    }
    expect(leaks('{"msg":"payment till-1-000001-1 captured","amount":10480}', [['x', 'secret']])).toEqual([])
  })

  it('the till logs no phone number, name, e-mail, token, key, secret or session cookie through a full checkout and refund', async () => {
    const tokens = tokensSeen()
    const storage = await freshTillStorage()
    stops.push(storage.drop)
    const till: TillProcess = await spawnTill({
      port: 0,
      databaseUrl: storage.databaseUrl,
      dataDir: storage.dataDir,
      vipps: settingsFor(sandbox),
      logLevel: 'trace',
    })
    stops.push(till.stop)

    const cashier = await signInOverHttp(till.url)
    const saleId = (await (await cashier.request('POST', '/api/sales')).json()).id
    for (const barcode of ['7039610197728', '7040110061051']) {
      expect((await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })).status).toBe(200)
    }
    // Typed first (a number with country code and spaces), then the personal QR instead.
    const typed = await cashier.request('PUT', `/api/sales/${saleId}/customer`, {
      phoneNumber: '+47 123 45 678',
    })
    expect(typed.status).toBe(200)
    const qr = (await control(sandbox, 'GET', `/_sandbox/users/${KARI.msisdn}/qr`)).content as string
    expect((await cashier.request('PUT', `/api/sales/${saleId}/customer`, { personalQr: qr })).status).toBe(
      200,
    )
    // A number the till must refuse is not logged either.
    expect(
      (await cashier.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '9123456' })).status,
    ).toBe(400)
    const started = await cashier.request('POST', `/api/sales/${saleId}/payment`)
    expect(started.status).toBe(202)
    const { reference } = (await started.json()).attempt
    await control(sandbox, 'POST', `/_sandbox/users/${KARI.msisdn}/payments/${MSN}/${reference}/approve`)
    await eventually(async () => {
      const { attempt } = await (await cashier.request('GET', `/api/sales/${saleId}/payment`)).json()
      return attempt.state === 'captured' ? true : undefined
    }, 'the capture')
    const found = await cashier.request('GET', `/api/sales?phone=${encodeURIComponent('123 45 678')}`)
    expect(found.status).toBe(200)

    const manager = await signInOverHttp(till.url, { staffNumber: '2', pin: '9999' }, 'till-2')
    const refund = await manager.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    expect(refund.status).toBe(201)
    expect((await refund.json()).refund.state).toBe('refunded')
    await till.stop()

    const output = till.output()
    // The log was captured at all: Fastify's request lines are there.
    expect(output).toContain('incoming request')
    expect(output).toContain(`/api/sales/${saleId}/refunds`)
    expect(tokens.size).toBeGreaterThan(0)
    const secrets: Array<[string, string]> = [
      ...(await platformSecrets(tokens)),
      ...NAMES,
      ['the personal QR', qr],
      ['the cashier’s session cookie', cashier.cookie.split('=')[1]!],
      ['the manager’s session cookie', manager.cookie.split('=')[1]!],
    ]
    expect(leaks(output, secrets)).toEqual([])
  })

  it('the web shop logs no phone number, name, e-mail, address, token, key, secret, cookie or password through a full checkout', async () => {
    const tokens = tokensSeen()
    const storage = await freshStorage('kasse-shop-logs-', 'shop-data')
    stops.push(storage.drop)
    const settings = settingsFor(sandbox)
    const shop: ShopProcess = await spawnShop({
      config: {
        shopName: 'Kasse Nettbutikk',
        vipps: {
          baseUrl: sandbox.url as `http://${string}`,
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
          subscriptionKey: settings.subscriptionKey,
          msn: MSN,
        },
        admin: ADMIN,
        ...(storage.dataDir ? { dataDir: storage.dataDir } : { databaseUrl: storage.databaseUrl }),
      },
      logLevel: 'trace',
    })
    stops.push(shop.stop)

    const browser = new Browser(shop.url)
    expect(
      (await browser.post('/handlekurv', { productId: 'kaffekopp-steintoy', quantity: '1' })).status,
    ).toBe(303)
    // Kari's name, e-mail, phone (123 45 678) and street address, as the shop's own tests check out.
    const checkout = await browser.post('/kasse', KARI_DETAILS)
    expect(checkout.status).toBe(303)
    const token = new URL(checkout.headers.get('location')!).searchParams.get('token')!
    const landing = await control(sandbox, 'GET', `/_sandbox/landing/${token}`)
    await control(sandbox, 'POST', `/_sandbox/landing/${token}/user`, { msisdn: KARI.msisdn })
    await control(
      sandbox,
      'POST',
      `/_sandbox/users/${KARI.msisdn}/payments/${MSN}/${landing.reference}/approve`,
    )
    const orderId = /\/ordre\/([^/?]+)/.exec(landing.returnUrl)![1]!
    expect((await browser.get(`/ordre/${orderId}/retur`)).status).toBeLessThan(400)

    const admin = new Browser(shop.url)
    expect((await admin.post('/admin/logg-inn', ADMIN)).status).toBe(303)
    const page = await (await admin.get(`/admin/ordre/${orderId}`)).text()
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!
    const quantities = Object.fromEntries(
      [...page.matchAll(/name="(quantity_\d+)"/g)].map((m): [string, string] => [m[1]!, '1']),
    )
    // Shipping captures; it waits for the webhook (or the sync) to have marked the order approved.
    await eventually(async () => {
      const shipped = await admin.post(`/admin/ordre/${orderId}/send`, { csrf, ...quantities })
      return (await shipped.text()).includes('Sendingen er registrert') ? true : undefined
    }, 'the shipment')
    const refunded = await admin.post(`/admin/ordre/${orderId}/refunder`, { csrf, amount: '10' })
    expect(await refunded.text()).toContain('Refundert')
    await shop.stop()

    const output = shop.output()
    expect(output).toContain('incoming request')
    expect(tokens.size).toBeGreaterThan(0)
    const secrets: Array<[string, string]> = [
      ...(await platformSecrets(tokens)),
      ...NAMES,
      ['the admin’s password', ADMIN.password],
      ['the admin’s CSRF token', csrf],
      ...[...browser.cookies.values(), ...admin.cookies.values()].map((value): [string, string] => [
        'a cookie',
        value,
      ]),
    ]
    expect(leaks(output, secrets)).toEqual([])
  })
})

/** A browser's cookie jar and form posts against a shop over HTTP, redirects not followed. */
class Browser {
  readonly cookies = new Map<string, string>()

  constructor(private readonly base: string) {}

  get(path: string): Promise<Response> {
    return this.send('GET', path)
  }

  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.send('POST', path, new URLSearchParams(form).toString())
  }

  private async send(method: string, path: string, body?: string): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { body }),
    })
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';')
      const at = pair!.indexOf('=')
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
    }
    return response
  }
}
