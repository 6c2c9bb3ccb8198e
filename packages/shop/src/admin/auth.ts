/**
 * The order admin's sign-in: one login from the configuration, a session
 * cookie (HttpOnly, SameSite=Strict, only sent to /admin) whose token the
 * database keeps hashed, and a CSRF token every admin form carries.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { eq, lt } from 'drizzle-orm'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { adminSession } from '../db/schema.ts'
import { ShopError } from '../errors.ts'

export const ADMIN_COOKIE = 'kasse_shop_admin'
/** A working day. */
export const ADMIN_SESSION_MS = 8 * 3600_000

export interface AdminSession {
  csrfToken: string
}

const sha256 = (text: string) => createHash('sha256').update(text).digest()

/** Compares in constant time whatever the lengths (by comparing digests). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected))
}

export class AdminAuth {
  constructor(
    private readonly db: ShopDb,
    private readonly clock: Clock,
    private readonly login: { username: string; password: string },
    private readonly cookieSecure: boolean,
  ) {}

  /** Checks the login and starts a session on the reply; WRONG_ADMIN_LOGIN otherwise. */
  async signIn(reply: FastifyReply, username: string, password: string): Promise<void> {
    // Both compared, always, so the time taken does not say which was wrong.
    const userOk = sameSecret(username, this.login.username)
    const passwordOk = sameSecret(password, this.login.password)
    if (!userOk || !passwordOk) {
      throw new ShopError('WRONG_ADMIN_LOGIN', 'Feil brukernavn eller passord', { field: 'password' })
    }
    const token = randomBytes(32).toString('base64url')
    const now = this.clock.now()
    await this.db.delete(adminSession).where(lt(adminSession.expiresAt, new Date(now)))
    await this.db.insert(adminSession).values({
      id: sha256(token).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: new Date(now),
      expiresAt: new Date(now + ADMIN_SESSION_MS),
    })
    reply.setCookie(ADMIN_COOKIE, token, {
      path: '/admin',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.cookieSecure,
      maxAge: ADMIN_SESSION_MS / 1000,
    })
  }

  /** The request's session, if it has a live one. */
  async session(request: FastifyRequest): Promise<AdminSession | undefined> {
    const token = request.cookies[ADMIN_COOKIE]
    if (!token) return undefined
    const [found] = await this.db
      .select()
      .from(adminSession)
      .where(eq(adminSession.id, sha256(token).toString('base64url')))
    if (!found || found.expiresAt.getTime() <= this.clock.now()) return undefined
    return { csrfToken: found.csrfToken }
  }

  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = request.cookies[ADMIN_COOKIE]
    if (token)
      await this.db.delete(adminSession).where(eq(adminSession.id, sha256(token).toString('base64url')))
    reply.clearCookie(ADMIN_COOKIE, { path: '/admin' })
  }

  /** Refuses a form without the session's CSRF token (403). */
  checkCsrf(session: AdminSession, given: string | undefined): void {
    if (!given || !sameSecret(given, session.csrfToken)) {
      throw new ShopError('CSRF_TOKEN_INVALID', 'Skjemaet er utløpt; last siden på nytt og prøv igjen', {
        field: 'csrf',
      })
    }
  }
}
