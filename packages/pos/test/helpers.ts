/**
 * A till for a test: one database per test file (in-memory PGlite, or a fresh
 * database on KASSE_TEST_DATABASE_URL), emptied and seeded with the demo store
 * before each test, and an app on a manual clock. `signIn` gives a client that
 * sends the session cookie and CSRF header as the cashier app does.
 */
import { Writable } from 'node:stream'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { type BuildPosAppOptions, buildPosApp, type PosApp } from '../src/app.ts'
import { ManualClock } from '../src/clock.ts'
import type { PosDatabase } from '../src/db/database.ts'
import { CSRF_HEADER, SESSION_COOKIE } from '../src/http/auth.ts'
import { DEMO_CASHIERS, seedDemo } from '../src/seed/demo.ts'
import { openTestDatabase, truncateAll } from './database.ts'

export const KARI = DEMO_CASHIERS[0]
export const MARTIN = DEMO_CASHIERS[1]

export interface TestPos extends PosApp {
  clock: ManualClock
  database: PosDatabase
  /** Signs in at `posId` (default till-1) as `who` (default Kari, the cashier). */
  signIn(who?: { staffNumber: string; pin: string }, posId?: string): Promise<TillClient>
}

export interface TillClient {
  sessionToken: string
  csrfToken: string
  /** A request with the session cookie and, unless `csrf: false`, the CSRF header. */
  request(
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
    options?: { csrf?: boolean },
  ): Promise<LightMyRequestResponse>
}

/**
 * Sets up a test till for every test in the file; read it inside a test.
 *
 * @example
 * const pos = useTestPos()
 * it('…', async () => { const kari = await pos().signIn() })
 */
export function useTestPos(options: Omit<BuildPosAppOptions, 'database' | 'clock'> = {}): () => TestPos {
  let database: PosDatabase
  let current: TestPos | undefined

  beforeAll(async () => {
    database = await openTestDatabase()
  })
  afterAll(async () => {
    await database?.close()
  })
  beforeEach(async () => {
    await truncateAll(database)
    const clock = new ManualClock()
    await seedDemo(database.db, clock)
    const built = await buildPosApp({ ...options, database, clock })
    await built.app.ready()
    current = {
      ...built,
      clock,
      database,
      signIn: (who = KARI, posId = 'till-1') => signIn(built, who, posId),
    }
  })
  afterEach(async () => {
    await current?.app.close()
    current = undefined
  })

  return () => {
    if (!current) throw new Error('useTestPos() is read inside a test')
    return current
  }
}

/** The value of the session cookie a sign-in response set. */
export function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  return response.cookies.find((c) => c.name === SESSION_COOKIE)?.value
}

async function signIn(
  pos: PosApp,
  who: { staffNumber: string; pin: string },
  posId: string,
): Promise<TillClient> {
  const response = await pos.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { posId, staffNumber: who.staffNumber, pin: who.pin },
  })
  if (response.statusCode !== 201) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`)
  const sessionToken = sessionCookieOf(response)!
  const csrfToken = response.json().csrfToken as string
  return {
    sessionToken,
    csrfToken,
    request: (method, url, payload, requestOptions = {}) =>
      pos.app.inject({
        method,
        url,
        cookies: { [SESSION_COOKIE]: sessionToken },
        headers: requestOptions.csrf === false ? {} : { [CSRF_HEADER]: csrfToken },
        ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
      }),
  }
}

/**
 * A log for a test till that keeps every line it writes, for tests of what
 * the till logs (pass `stream` as the logger's stream at trace level).
 */
export function capturedLog(): { lines: string[]; stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { lines, stream }
}
