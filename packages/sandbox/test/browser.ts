/**
 * A real headless Chromium for tests of what a person does on a page: Debian's
 * `chromium` driven by playwright-core (never `playwright install`). Any
 * package's browser tests can use it.
 *
 * @example
 * const browser = useBrowser()
 * it('shows the request', async () => {
 *   const page = await browser().newPage()
 *   await page.goto(`${sandbox.url}/phone/4712345678`)
 * })
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium, type LaunchOptions } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'

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
