/**
 * A real headless Chromium for tests of what a person does on a page: Debian's
 * `chromium` driven by playwright-core (never `playwright install`). Any
 * package's browser tests can use it.
 *
 * @example
 * const pages = usePages(() => sandbox.url)
 * it('shows the request', async () => {
 *   const phone = await pages.openPhone('4712345678')
 *   await phone.locator('[data-testid="payment-request"]').waitFor()
 * })
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium, type LaunchOptions, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach } from 'vitest'

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags for a quiet, offline, headless Chromium in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Starts Chromium; close it with `browser.close()`. Fails clearly when it is not installed. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`,
    )
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, ...options })
}

/**
 * One browser for the tests of the calling file: launched before them, closed
 * after them. Returns a getter, as the browser exists only once they run.
 */
export function useBrowser(options: LaunchOptions = {}): () => Browser {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launchBrowser(options)
  })
  afterAll(async () => {
    await browser?.close()
  })
  return () => {
    if (!browser) throw new Error('the browser is not running yet; call it inside a test')
    return browser
  }
}

export interface OpenPageOptions {
  /** e.g. a phone's, for the pages that act differently on a phone. */
  userAgent?: string
}

export interface TestPages {
  browser: () => Browser
  /**
   * A fresh browser context (its own localStorage) with one page, at a path on
   * the server (`/phone`) or a full URL. Waits on the page give up after 10 s.
   */
  open(pathOrUrl: string, options?: OpenPageOptions): Promise<Page>
  /** The sandbox's simulated phone of a user, once connected to its live stream. */
  openPhone(msisdn: string): Promise<Page>
}

/**
 * One browser for the calling file and the pages its tests open: every page
 * is closed before the next test (an open page holds its server's streams)
 * and after the last. `baseUrl` is read when a page opens, as servers start
 * in `beforeAll`.
 */
export function usePages(baseUrl: () => string, options: LaunchOptions = {}): TestPages {
  const browser = useBrowser(options)
  const pages: Page[] = []
  const closeAll = async () => {
    for (const page of pages.splice(0)) await page.context().close()
  }
  beforeEach(closeAll)
  afterAll(closeAll)

  async function open(pathOrUrl: string, pageOptions: OpenPageOptions = {}): Promise<Page> {
    const context = await browser().newContext(pageOptions)
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    pages.push(page)
    await page.goto(/^https?:/.test(pathOrUrl) ? pathOrUrl : `${baseUrl()}${pathOrUrl}`)
    return page
  }

  async function openPhone(msisdn: string): Promise<Page> {
    const page = await open(`/phone/${msisdn}`)
    await page.locator('#live[data-state="live"]').waitFor()
    return page
  }

  return { browser, open, openPhone }
}

/** Visible text with runs of whitespace (including an amount's no-break spaces) as one space. */
export const textOf = async (locator: Locator): Promise<string> =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim()
