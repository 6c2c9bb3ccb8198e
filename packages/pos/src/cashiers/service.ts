/**
 * Signing cashiers in and out at a till, and who may do what.
 *
 * A cashier signs in at a till with their staff number and PIN and gets a
 * session bound to that till. The session's token lives only in an HttpOnly
 * cookie; the database keeps its SHA-256, so a copy of the database signs no
 * one in. Wrong PINs are counted per till: after five in a row the till
 * refuses every PIN for five minutes (on the injected clock).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { PosError } from '../errors.ts'
import { UNMATCHABLE_PIN_HASH, verifyPin } from './pin.ts'
import { SessionCache } from './session-cache.ts'
import { type Actor, CashierStore } from './store.ts'

export type { Actor } from './store.ts'

export interface SignInPolicy {
  /** Wrong PINs in a row at one till before it locks. */
  maxFailedSignIns: number
  lockoutMs: number
  /** A wrong PIN older than this no longer counts towards the lock. */
  failureWindowMs: number
  /** How long a session lasts: a long shift. */
  sessionLifetimeMs: number
}

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = {
  maxFailedSignIns: 5,
  lockoutMs: 5 * 60_000,
  failureWindowMs: 15 * 60_000,
  sessionLifetimeMs: 12 * 60 * 60_000,
}

export interface SignInResult {
  /** The secret for the cookie; shown to no one and stored nowhere else. */
  token: string
  actor: Actor
}

/** The session id stored for a token: its SHA-256, hex. */
export function sessionIdFor(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export class Cashiers {
  private readonly store: CashierStore
  private readonly sessions: SessionCache

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly policy: SignInPolicy = DEFAULT_SIGN_IN_POLICY,
  ) {
    this.store = new CashierStore(db)
    this.sessions = new SessionCache(clock)
  }

  /**
   * Signs a cashier in at the till `posId`, ending the session open there before.
   * Throws UNKNOWN_TILL, WRONG_PIN (the same for an unknown staff number, so
   * the answer does not tell which numbers exist) or TILL_LOCKED.
   */
  async signIn(input: { posId: string; staffNumber: string; pin: string }): Promise<SignInResult> {
    const now = new Date(this.clock.now())
    const attempt = await this.store.countAttempt(input.posId, now, this.policy.failureWindowMs)
    switch (attempt.kind) {
      case 'unknown-till':
        throw new PosError('UNKNOWN_TILL', `There is no till '${input.posId}'`, { field: 'posId' })
      case 'locked':
        throw lockedError(attempt.until, now)
      case 'counted':
        break
      default: {
        const unknown: never = attempt
        throw new Error(`unhandled attempt ${JSON.stringify(unknown)}`)
      }
    }

    const cashier = await this.store.findActiveCashier(attempt.till.storeId, input.staffNumber)
    const pinIsRight = await verifyPin(input.pin, cashier?.pinHash ?? UNMATCHABLE_PIN_HASH)
    if (!cashier || !pinIsRight) {
      if (attempt.failuresInARow >= this.policy.maxFailedSignIns) {
        const until = new Date(now.getTime() + this.policy.lockoutMs)
        await this.store.lockTill(attempt.till.id, until)
        throw lockedError(until, now)
      }
      const left = this.policy.maxFailedSignIns - attempt.failuresInARow
      throw new PosError(
        'WRONG_PIN',
        `Wrong staff number or PIN; ${left} ${left === 1 ? 'try' : 'tries'} left before this till locks`,
        { field: 'pin' },
      )
    }

    const token = randomBytes(32).toString('base64url')
    const session = {
      id: sessionIdFor(token),
      cashierId: cashier.id,
      tillId: attempt.till.id,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.policy.sessionLifetimeMs),
    }
    await this.store.openSession(session)
    // After the write: a look-up that began before it is not kept either (see SessionCache.mark).
    this.sessions.forgetTill(session.tillId)
    const actor = await this.store.findActor(session.id, now)
    if (!actor) throw new Error('a session just opened was not found')
    return { token, actor }
  }

  /**
   * The signed-in cashier behind a cookie's token, or undefined if there is
   * none or it has ended. Kept for a moment (session-cache.ts): what ends on
   * this process is refused at once, what ends on another within seconds.
   */
  async actorFor(token: string | undefined): Promise<Actor | undefined> {
    if (!token) return undefined
    const sessionId = sessionIdFor(token)
    const known = this.sessions.get(sessionId)
    if (known) return known
    const mark = this.sessions.mark
    const actor = await this.store.findActor(sessionId, new Date(this.clock.now()))
    if (actor) this.sessions.remember(actor, mark)
    return actor
  }

  /** Ends the session; signing out twice is harmless. */
  async signOut(actor: Actor): Promise<void> {
    await this.store.endSession(actor.sessionId, new Date(this.clock.now()))
    this.sessions.forgetSession(actor.sessionId)
  }

  /** How long a session lasts, for the cookie's Max-Age. */
  get sessionLifetimeMs(): number {
    return this.policy.sessionLifetimeMs
  }
}

/**
 * Throws MANAGER_REQUIRED unless the actor is a manager. Services call it for
 * every manager-only action, so the rule holds whichever route reaches them.
 */
export function requireManager(actor: Actor, action: string): void {
  if (actor.role !== 'manager') {
    throw new PosError('MANAGER_REQUIRED', `Only a manager may ${action}; ask a manager to sign in`)
  }
}

function lockedError(until: Date, now: Date): PosError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))
  const minutes = Math.ceil(seconds / 60)
  return new PosError(
    'TILL_LOCKED',
    `Too many wrong PINs at this till; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    { retryAfterSeconds: seconds },
  )
}
