import { Writable } from 'node:stream'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openTestDatabase, truncateAll } from '../../test/database.ts'
import { KARI, MARTIN, sessionCookieOf, useTestPos } from '../../test/helpers.ts'
import { buildPosApp } from '../app.ts'
import { ManualClock } from '../clock.ts'
import { cashier, cashierSession } from '../db/schema.ts'
import { CSRF_HEADER, SESSION_COOKIE } from '../http/auth.ts'
import { seedDemo } from '../seed/demo.ts'
import { ACTOR_STALENESS_MS } from './session-cache.ts'

const pos = useTestPos()

function signIn(pin: string, posId = 'till-1', staffNumber: string = KARI.staffNumber) {
  return pos().app.inject({ method: 'POST', url: '/api/session', payload: { posId, staffNumber, pin } })
}

describe('signing in', () => {
  it('with the right PIN opens a session in an HttpOnly, SameSite=Strict cookie and says who and where', async () => {
    const response = await signIn(KARI.pin)
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({
      cashier: { name: 'Kari Kasserer', role: 'cashier' },
      till: { posId: 'till-1', name: 'Kasse 1' },
      store: { name: 'Kasse Demo Butikk', msn: '123456', currency: 'NOK', country: 'NO' },
      csrfToken: expect.any(String),
      expiresAt: new Date(pos().clock.now() + 12 * 3600_000).toISOString(),
    })
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 12 * 3600 })
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('keeps only a hash of the session token and of the PIN in the database', async () => {
    const response = await signIn(KARI.pin)
    const token = sessionCookieOf(response)!
    const sessions = await pos().database.db.select().from(cashierSession)
    expect(sessions).toHaveLength(1)
    expect(JSON.stringify(sessions)).not.toContain(token)
    const [kari] = await pos()
      .database.db.select()
      .from(cashier)
      .where(eq(cashier.staffNumber, KARI.staffNumber))
    expect(kari!.pinHash).toMatch(/^scrypt\$/)
    expect(kari!.pinHash).not.toContain(KARI.pin)
  })

  it('with a wrong PIN, or a staff number that does not exist, answers the same 401 and counts down', async () => {
    const wrong = await signIn('0000')
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error).toEqual({
      code: 'WRONG_PIN',
      message: 'Wrong staff number or PIN; 4 tries left before this till locks',
      field: 'pin',
    })
    expect(sessionCookieOf(wrong)).toBeUndefined()
    const unknown = await signIn(KARI.pin, 'till-1', '777')
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json().error.message).toBe(
      'Wrong staff number or PIN; 3 tries left before this till locks',
    )
  })

  it('at a till that does not exist says so, naming posId', async () => {
    const response = await signIn(KARI.pin, 'till-9')
    expect(response.statusCode).toBe(404)
    expect(response.json().error).toMatchObject({ code: 'UNKNOWN_TILL', field: 'posId' })
  })

  it('refuses a PIN that is not 4 to 8 digits before checking it', async () => {
    const response = await signIn('12')
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'pin' })
    expect(response.json().error.message).not.toContain('12"')
  })
})

describe('the PIN attempt limit', () => {
  it('locks the till after five wrong PINs in a row, even for the right PIN, until five minutes have passed', async () => {
    for (let i = 0; i < 4; i++) expect((await signIn('0000')).statusCode).toBe(401)
    const fifth = await signIn('0000')
    expect(fifth.statusCode).toBe(429)
    expect(fifth.headers['retry-after']).toBe('300')
    expect(fifth.json().error).toEqual({
      code: 'TILL_LOCKED',
      message: 'Too many wrong PINs at this till; try again in 5 minutes',
    })

    const right = await signIn(KARI.pin)
    expect(right.statusCode).toBe(429)
    expect(sessionCookieOf(right)).toBeUndefined()

    pos().clock.advance(4 * 60_000)
    const stillLocked = await signIn(KARI.pin)
    expect(stillLocked.statusCode).toBe(429)
    expect(stillLocked.headers['retry-after']).toBe('60')

    pos().clock.advance(60_000)
    expect((await signIn(KARI.pin)).statusCode).toBe(201)
  })

  it('is per till: the other till still takes PINs', async () => {
    for (let i = 0; i < 5; i++) await signIn('0000', 'till-1')
    expect((await signIn(KARI.pin, 'till-1')).statusCode).toBe(429)
    expect((await signIn(KARI.pin, 'till-2')).statusCode).toBe(201)
  })

  it('holds when the guesses arrive all at once', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signIn(String(1000 + i * 7).padStart(4, '0'))),
    )
    const statuses = guesses.map((g) => g.statusCode)
    expect(statuses.filter((s) => s === 401)).toHaveLength(4)
    expect(statuses.filter((s) => s === 429)).toHaveLength(8)
  })

  it('starts counting afresh after a right PIN, and forgets wrong PINs from long ago', async () => {
    for (let i = 0; i < 4; i++) await signIn('0000')
    expect((await signIn(KARI.pin)).statusCode).toBe(201)
    for (let i = 0; i < 4; i++) await signIn('0000')
    pos().clock.advance(16 * 60_000)
    const later = await signIn('0000')
    expect(later.statusCode).toBe(401)
    expect(later.json().error.message).toContain('4 tries left')
  })
})

describe('a session', () => {
  it('answers GET /api/session without the CSRF header, and 401 with no cookie', async () => {
    const kari = await pos().signIn()
    const me = await kari.request('GET', '/api/session', undefined, { csrf: false })
    expect(me.statusCode).toBe(200)
    expect(me.json().cashier.name).toBe('Kari Kasserer')
    expect(me.json().csrfToken).toBe(kari.csrfToken)

    const anonymous = await pos().app.inject({ method: 'GET', url: '/api/products' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.json().error.code).toBe('NOT_SIGNED_IN')
  })

  it('needs the session’s CSRF token in x-kasse-csrf for anything that changes something', async () => {
    const kari = await pos().signIn()
    const without = await kari.request('POST', '/api/sales', undefined, { csrf: false })
    expect(without.statusCode).toBe(403)
    expect(without.json().error.code).toBe('CSRF_TOKEN_INVALID')

    const forged = await pos().app.inject({
      method: 'POST',
      url: '/api/sales',
      cookies: { [SESSION_COOKIE]: kari.sessionToken },
      // The token with its last character changed (a token ending in x would otherwise be itself).
      headers: { [CSRF_HEADER]: `${kari.csrfToken.slice(0, -1)}${kari.csrfToken.endsWith('x') ? 'y' : 'x'}` },
    })
    expect(forged.statusCode).toBe(403)

    // The refused requests opened no sale.
    expect((await kari.request('GET', '/api/sales/current')).statusCode).toBe(404)
    expect((await kari.request('POST', '/api/sales')).statusCode).toBe(200)
  })

  it('ends on sign-out: the cookie is cleared and no longer works', async () => {
    const kari = await pos().signIn()
    const out = await kari.request('DELETE', '/api/session')
    expect(out.statusCode).toBe(204)
    expect(out.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('')
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(401)
  })

  it('ends on sign-out at once, though the session was in use a moment before', async () => {
    const kari = await pos().signIn()
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(200)
    expect((await kari.request('POST', '/api/sales')).statusCode).toBe(200)
    expect((await kari.request('DELETE', '/api/session')).statusCode).toBe(204)
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(401)
    expect((await kari.request('POST', '/api/sales')).statusCode).toBe(401)
  })

  it('ended by another till process, or by a cashier deactivated, is refused within seconds', async () => {
    const kari = await pos().signIn(KARI, 'till-1')
    const martin = await pos().signIn(MARTIN, 'till-2')
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(200)
    expect((await martin.request('GET', '/api/session')).statusCode).toBe(200)
    // What another process writes to the shared database: Kari signed out there, Martin deactivated.
    const db = pos().database.db
    await db.update(cashierSession).set({ endedAt: new Date(pos().clock.now()) })
    await db.update(cashier).set({ active: false }).where(eq(cashier.staffNumber, MARTIN.staffNumber))
    pos().clock.advance(ACTOR_STALENESS_MS)
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(401)
    expect((await martin.request('GET', '/api/session')).statusCode).toBe(401)
  })

  it('ends when another cashier signs in at the same till, not at the other till', async () => {
    const kari = await pos().signIn(KARI, 'till-1')
    const karisOtherTill = await pos().signIn(KARI, 'till-2')
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(200)
    expect((await karisOtherTill.request('GET', '/api/session')).statusCode).toBe(200)
    await pos().signIn(MARTIN, 'till-1')
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(401)
    expect((await karisOtherTill.request('GET', '/api/session')).statusCode).toBe(200)
  })

  it('expires after twelve hours on the clock', async () => {
    const kari = await pos().signIn()
    pos().clock.advance(12 * 3600_000 - 1)
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(200)
    pos().clock.advance(1)
    expect((await kari.request('GET', '/api/session')).statusCode).toBe(401)
  })
})

describe('the log', () => {
  it('carries no PIN, session token, CSRF token, phone number or cashier name', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const database = await openTestDatabase()
    try {
      await truncateAll(database)
      const clock = new ManualClock()
      await seedDemo(database.db, clock)
      // No time, pid or host in the lines: digits there could match a PIN by chance.
      const { app } = await buildPosApp({
        database,
        clock,
        logger: { level: 'trace', stream, timestamp: false, base: null },
      })
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { posId: 'till-1', staffNumber: '1', pin: '4321' },
      })
      expect(wrong.statusCode).toBe(401)
      const right = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { posId: 'till-1', staffNumber: '1', pin: KARI.pin },
      })
      const token = sessionCookieOf(right)!
      const csrf = right.json().csrfToken as string
      const phone = await app.inject({
        method: 'POST',
        url: '/api/phone-numbers/normalise',
        cookies: { [SESSION_COOKIE]: token },
        headers: { [CSRF_HEADER]: csrf },
        payload: { phoneNumber: '+47 481 23 456' },
      })
      expect(phone.json()).toEqual({ msisdn: '4748123456', country: 'NO' })
      await app.close()

      // responseTime is a float whose digits could match a PIN by chance.
      const log = lines
        .map((line) => JSON.stringify({ ...JSON.parse(line), responseTime: undefined }))
        .join('\n')
      expect(lines.length).toBeGreaterThan(3)
      for (const secret of ['4321', KARI.pin, token, csrf, '48123456', '481 23 456', 'Kari', 'Kasserer']) {
        expect(log).not.toContain(secret)
      }
    } finally {
      await database.close()
    }
  })
})
