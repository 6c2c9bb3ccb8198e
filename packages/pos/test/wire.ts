/**
 * Helpers for tests that cross the wire: a sandbox and a till listening on
 * 127.0.0.1, a cashier's HTTP client with the session cookie and CSRF header,
 * a reader for the till's Server-Sent Events, and a bounded wait for a
 * condition (never a fixed sleep).
 */
import { defaultConfig, type RunningSandbox, startSandbox } from '@kasse/sandbox'
import { afterEach, beforeEach } from 'vitest'
import type { VippsSettings } from '../src/payments/platform.ts'
import { type RunningPos, type StartPosOptions, startPos } from '../src/server.ts'
import { freshTillStorage } from './database.ts'

/** The till's settings for a running sandbox's seeded test merchant. */
export function settingsFor(sandbox: RunningSandbox): VippsSettings {
  const merchant = defaultConfig().merchants.find((m) => m.msn === '123456')!
  return {
    baseUrl: sandbox.url,
    clientId: merchant.clientId,
    clientSecret: merchant.clientSecret,
    subscriptionKey: merchant.subscriptionKey,
  }
}

/**
 * The sandbox's control API at `baseUrl` (`/_sandbox/...`), as tests drive it:
 * JSON in and out, and anything but a 2xx thrown with its body.
 */
export function sandboxControl(baseUrl: () => string) {
  return async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    })
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json()
  }
}

/**
 * For each test in the file: a sandbox listening on 127.0.0.1 and a fresh till
 * database. `startTill` starts a till on them, paying through that sandbox;
 * after the test every till still running is closed, the sandbox stopped and
 * the database dropped. Call it once, at the top of a test file.
 */
export function useSandboxAndTills() {
  let sandbox: RunningSandbox | undefined
  let storage: Awaited<ReturnType<typeof freshTillStorage>> | undefined
  const running: RunningPos[] = []

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0 })
    storage = await freshTillStorage()
  })

  afterEach(async () => {
    for (const till of running.splice(0)) await till.close().catch(() => {})
    await sandbox?.close()
    await storage?.drop()
    sandbox = undefined
    storage = undefined
  })

  return {
    /** The current test's sandbox. */
    get sandbox(): RunningSandbox {
      if (!sandbox) throw new Error('the sandbox runs only inside a test')
      return sandbox
    },

    /** A till on the test's database and sandbox (a second call is a restart or a second process). */
    async startTill(
      options: Omit<StartPosOptions, 'databaseUrl' | 'dataDir' | 'vipps'> = {},
    ): Promise<RunningPos> {
      if (!sandbox || !storage) throw new Error('a till starts only inside a test')
      const till = await startPos({
        port: 0,
        ...options,
        databaseUrl: storage.databaseUrl,
        dataDir: storage.dataDir,
        vipps: settingsFor(sandbox),
      })
      running.push(till)
      return till
    },

    /** Stops a till before the test ends (to restart it, or to see what survives). */
    async stopTill(till: RunningPos): Promise<void> {
      running.splice(running.indexOf(till), 1)
      await till.close()
    },
  }
}

/** A JSON answer as tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert on them
export type Json = any

export interface HttpTill {
  cookie: string
  request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: () => Promise<Json> }>
}

/** Signs in at a running till as a cashier would. */
export async function signInOverHttp(
  url: string,
  who = { staffNumber: '1', pin: '1234' },
  posId = 'till-1',
): Promise<HttpTill> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ posId, ...who }),
  })
  if (response.status !== 201) throw new Error(`sign-in failed: ${response.status}`)
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const { csrfToken } = (await response.json()) as { csrfToken: string }
  return {
    cookie,
    request: async (method, path, body) => {
      const answer = await fetch(`${url}${path}`, {
        method,
        headers: {
          cookie,
          'x-kasse-csrf': csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await answer.text()
      return { status: answer.status, json: async () => JSON.parse(text) }
    },
  }
}

export interface LiveEvent {
  event: string
  data: Json
}

/** Reads the till's event stream into `events` until `close()`. */
export async function followEvents(url: string, till: HttpTill) {
  const controller = new AbortController()
  const response = await fetch(`${url}/api/events`, {
    headers: { cookie: till.cookie },
    signal: controller.signal,
  })
  if (response.status !== 200) throw new Error(`events: ${response.status}`)
  const events: LiveEvent[] = []
  const reading = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event && data) events.push({ event, data: JSON.parse(data) })
          end = buffer.indexOf('\n\n')
        }
      }
    } catch {
      // aborted by close()
    }
  })()
  return {
    events,
    close: async () => {
      controller.abort()
      await reading
    },
  }
}

/**
 * Polls `check` until it returns a value (not undefined), at most `timeoutMs`.
 *
 * @example
 * const attempt = await eventually(async () => { const a = await get(); return a.state === 'captured' ? a : undefined })
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
