/**
 * The cashier app in a real headless Chromium, against a real sandbox and a
 * real till wired to it (registered for its webhooks, its background worker
 * running), both listening on 127.0.0.1: what a cashier sees, types and taps.
 * One sandbox, one till (embedded database in a temp directory, or a fresh
 * database on KASSE_TEST_DATABASE_URL's server) and one browser per test
 * file; each test gets fresh pages and a till with no sale under way.
 */
import type { LaunchOptions, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest'
import { type RunningSandbox, startSandbox } from '../../../sandbox/src/index.ts'
import { textOf, usePages } from '../../../sandbox/test/browser.ts'
import { type RunningPos, startPos } from '../../src/server.ts'
import { freshTillStorage } from '../../test/database.ts'
import { settingsFor } from '../../test/wire.ts'

export interface Credentials {
  staffNumber: string
  pin: string
}

export const CASHIER: Credentials = { staffNumber: '1', pin: '1234' }
export const MANAGER: Credentials = { staffNumber: '2', pin: '9999' }

/** Kari Nordmann, a sandbox test user with the app. */
export const KARI_MSISDN = '4712345678'

/** Products of the demo catalogue: barcode, gross price in øre, VAT percent. */
export const PRODUCTS = {
  milk: { name: 'Tine Helmelk 1 l', barcode: '7039610197728', price: 2590, vat: 15 },
  bread: { name: 'Kneippbrød 750 g', barcode: '7038010094941', price: 3990, vat: 15 },
  batteries: { name: 'Batterier AA 4-pk', barcode: '7040110061051', price: 7990, vat: 25 },
  bus: { name: 'Bussbillett voksen', barcode: '7311041748688', price: 4500, vat: 12 },
  newspaper: { name: 'Aftenposten', barcode: '7039610127701', price: 4500, vat: 0 },
  inactive: { name: 'Julebrus 0,5 l', barcode: '7038010811340', price: 2990, vat: 15 },
} as const

export { textOf }

export interface CashierWorld {
  sandbox(): RunningSandbox
  pos(): RunningPos
  /** A fresh browser context (its own cookies and storage) at the till's page. */
  openTill(): Promise<Page>
  /** A page at the sandbox's simulated phone of `msisdn`, connected to its live stream. */
  openPhone(msisdn: string): Promise<Page>
}

/**
 * Starts the sandbox, the till and the browser (launched with `launch`) for
 * the calling file. Before each test the tills' sales are voided (and any
 * payment request cancelled), so every test starts at an empty sale; after
 * each, it fails if a page threw.
 */
export function useCashierWorld(launch: LaunchOptions = {}): CashierWorld {
  let sandbox: RunningSandbox | undefined
  let pos: RunningPos | undefined
  let storage: Awaited<ReturnType<typeof freshTillStorage>> | undefined
  const pages = usePages(() => pos!.url, launch)
  const pageErrors: string[] = []
  // Limits, not expectations: a browser, a sandbox and a till with its own
  // database per file take a while to start on a busy two-core machine, and
  // a payment's test crosses three processes.
  vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 })
    storage = await freshTillStorage()
    pos = await startPos({
      port: 0,
      databaseUrl: storage.databaseUrl,
      dataDir: storage.dataDir,
      vipps: settingsFor(sandbox),
    })
  })
  afterAll(async () => {
    await pos?.close()
    await sandbox?.close()
    await storage?.drop()
  })
  beforeEach(async () => {
    for (const posId of ['till-1', 'till-2']) await clearTill(pos!.url, posId)
  })
  afterEach(() => {
    const errors = pageErrors.splice(0)
    expect(errors, 'errors thrown in the pages').toEqual([])
  })

  function watched(page: Page): Page {
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
    return page
  }

  return {
    sandbox: () => sandbox!,
    pos: () => pos!,
    openTill: async () => watched(await pages.open('/')),
    async openPhone(msisdn) {
      const page = watched(await pages.open(`${sandbox!.url}/phone/${msisdn}`))
      await page.locator('#live[data-state="live"]').waitFor()
      return page
    },
  }
}

/**
 * Leaves the till with no sale under way: signs in as the manager over
 * HTTP, cancels a payment request that is waiting and voids the open sale.
 * (Signing in ends any session open at that till, as at a real till.)
 */
async function clearTill(baseUrl: string, posId: string): Promise<void> {
  const signIn = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ posId, ...MANAGER }),
  })
  // A till locked by a test of wrong PINs stays as that test left it.
  if (signIn.status === 429) return
  if (signIn.status !== 201) throw new Error(`clearing ${posId}: sign-in answered ${signIn.status}`)
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const { csrfToken } = (await signIn.json()) as { csrfToken: string }
  const call = (method: string, path: string) =>
    fetch(`${baseUrl}${path}`, { method, headers: { cookie, 'x-kasse-csrf': csrfToken } })

  const current = await call('GET', '/api/sales/current')
  if (current.status === 200) {
    const sale = (await current.json()) as { id: string; state: string }
    if (sale.state === 'awaiting_payment') await call('POST', `/api/sales/${sale.id}/payment/cancel`)
    await call('POST', `/api/sales/${sale.id}/void`)
  }
  await call('DELETE', '/api/session')
}

/** The personal QR code's content, as the phone's page shows it under the code. */
export async function personalQrOf(phone: Page): Promise<string> {
  const content = phone.locator('#qr-content')
  await content.filter({ hasText: /^https?:\/\// }).waitFor()
  return (await content.textContent())!.trim()
}

/** Signs in on the till's page: the till's id if it asks, the staff number, the PIN. */
export async function signIn(page: Page, who: Credentials, posId = 'till-1'): Promise<void> {
  // The form shows once the page has asked the till whether it is signed in already.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor()
  const till = page.getByLabel('Till', { exact: true })
  if (await till.isVisible()) await till.fill(posId)
  await page.getByLabel('Staff number', { exact: true }).fill(who.staffNumber)
  await page.getByLabel('PIN', { exact: true }).fill(who.pin)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('scan-input').waitFor()
}

/**
 * Types as a keyboard-wedge scanner does: the characters as fast as the
 * browser takes them, then Enter, into whatever has the focus (the app must
 * have put it in the scan field; the test does not click there).
 */
export async function scan(page: Page, content: string): Promise<void> {
  await page.keyboard.type(content)
  await page.keyboard.press('Enter')
}

/** "kr 1 234,50" as the till shows it, for comparing with textOf. */
export function kr(minorUnits: number): string {
  const whole = String(Math.trunc(Math.abs(minorUnits) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')
  const cents = String(Math.abs(minorUnits) % 100).padStart(2, '0')
  return `${minorUnits < 0 ? '−' : ''}kr ${whole},${cents}`
}

/** An EAN-13 with its check digit, from its first twelve digits. */
export function ean13(first12: string): string {
  const sum = [...first12].reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 1 : 3), 0)
  return `${first12}${(10 - (sum % 10)) % 10}`
}

/** The cart's lines as "name × quantity = amount". */
export async function cartLines(page: Page): Promise<string[]> {
  const lines = page.getByTestId('cart-line')
  const result: string[] = []
  for (let i = 0; i < (await lines.count()); i++) {
    const line = lines.nth(i)
    const name = await textOf(line.locator('.line-name'))
    const quantity = await textOf(line.getByTestId('line-quantity'))
    const amount = await textOf(line.getByTestId('line-amount'))
    result.push(`${name} × ${quantity} = ${amount}`)
  }
  return result
}
