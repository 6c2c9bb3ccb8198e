/**
 * Enrolment by consent on the customer's phone: the till sends a Login CIBA
 * request to the sale customer's number (name, phone number, e-mail and the
 * merchant's consents), polls the token endpoint as CIBA says — every
 * `interval` seconds, five more after each `slow_down` — and, when the
 * customer accepts, reads userinfo and enrols the member with the consents
 * and their times; the sale's customer becomes that member.
 *
 * The enrolment row is its own work item, like a payment attempt: any till
 * process claims it when due (FOR UPDATE SKIP LOCKED, with a lease), so two
 * processes never poll it at once. The tokens are handed out once, so the
 * user access token is stored the moment it arrives; a process that dies
 * before enrolling leaves it for the next claimer, and the member is created
 * in one transaction with the enrolment's move to `accepted`: exactly once.
 */
import { randomInt } from 'node:crypto'
import {
  type CibaPollResult,
  type LoginScope,
  type Userinfo,
  VippsHttpError,
  VippsOAuthError,
} from '@kasse/vipps'
import type { SQL } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { dueCheck, releaseAllClaims, sweepDue } from '../db/claims.ts'
import type { Db } from '../db/database.ts'
import { member, memberConsent } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import type { LiveEvents } from '../live/hub.ts'
import { describeForLog } from '../payments/errors.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import { silentLog, type WorkLog } from '../payments/service.ts'
import { lockSale, updateSale } from '../sales/store.ts'
import { canMoveEnrolment, type EnrolmentState, SLOW_DOWN_STEP_SECONDS } from './enrolment-machine.ts'
import { startRefusalOf } from './start-refusal.ts'
import {
  type EnrolmentChanges,
  type EnrolmentRow,
  findEnrolment,
  findMember,
  findMemberByMsisdn,
  insertEnrolment,
  latestEnrolmentOfSale,
  lockEnrolment,
  type MemberRow,
  updateEnrolment,
  waitingEnrolmentOfSale,
} from './store.ts'
import { memberFromUserinfo } from './userinfo.ts'

/** What the till asks the customer to share: who they are, how to reach them, and the club's consents. */
export const CLUB_SCOPES: readonly LoginScope[] = [
  'openid',
  'name',
  'phoneNumber',
  'email',
  'delegatedConsents',
]

export interface EnrolmentTimings {
  /** How long a process holds an enrolment while it calls the platform about it. */
  leaseMs: number
  /** The longest wait between retries of a poll or userinfo that failed on the way. */
  maxBackoffMs: number
}

export const DEFAULT_ENROLMENT_TIMINGS: EnrolmentTimings = { leaseMs: 30_000, maxBackoffMs: 30_000 }

/** Until the platform answers the start: CIBA's usual interval and lifetime. */
const DEFAULT_INTERVAL_SECONDS = 5
const DEFAULT_LIFETIME_SECONDS = 600

interface Decision {
  state?: EnrolmentState
  changes?: EnrolmentChanges
  /** Overrides the schedule: when to poll next (waiting only). */
  nextCheckAt?: Date
  /** Keep this process's claim (it goes on working on the row at once). */
  keepClaim?: boolean
}

export class Enrolments {
  private readonly timings: EnrolmentTimings

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platform: VippsPlatform,
    private readonly live: LiveEvents,
    private readonly claimer: string,
    private readonly log: WorkLog = silentLog,
    timings: Partial<EnrolmentTimings> = {},
  ) {
    this.timings = { ...DEFAULT_ENROLMENT_TIMINGS, ...timings }
  }

  // ── The cashier's commands ────────────────────────────────────────────────

  /**
   * Sends the consent request to the sale customer's phone. The enrolment is
   * stored (and held by this process) before the call, so a double click
   * sends one request; a refusal marks it failed and answers the cashier.
   */
  async start(actor: Actor, saleId: string): Promise<EnrolmentRow> {
    const login = this.platform.loginFor(actor.msn) // refuses at once if the till has no platform settings
    const now = this.now()
    const row = await this.db.transaction(async (tx) => {
      const locked = await lockSale(tx, saleId)
      if (!locked || locked.tillId !== actor.tillId) {
        throw new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} at this till`, { field: 'saleId' })
      }
      if (!locked.customerMsisdn) {
        throw new PosError(
          'NO_CUSTOMER',
          'Identify the customer first: scan their QR code or type their number',
          {
            field: 'saleId',
          },
        )
      }
      if (await findMemberByMsisdn(tx, actor.storeId, locked.customerMsisdn)) {
        throw new PosError('ALREADY_MEMBER', 'The customer is already a member of the club', {
          field: 'saleId',
        })
      }
      if (await waitingEnrolmentOfSale(tx, saleId)) {
        throw new PosError(
          'ENROLMENT_IN_PROGRESS',
          'A membership request is already waiting on the customer’s phone; wait for it or cancel it',
          { field: 'saleId' },
        )
      }
      const leaseEnd = new Date(now.getTime() + this.timings.leaseMs)
      const inserted = await insertEnrolment(tx, {
        id: newId('enr'),
        storeId: actor.storeId,
        tillId: actor.tillId,
        saleId,
        msn: actor.msn,
        msisdn: locked.customerMsisdn,
        bindingMessage: newBindingMessage(),
        state: 'waiting',
        pollIntervalSeconds: DEFAULT_INTERVAL_SECONDS,
        startedAt: now,
        expiresAt: new Date(now.getTime() + DEFAULT_LIFETIME_SECONDS * 1000),
        updatedAt: now,
        // Held while the start is on its way; if this process dies, the sweeper fails it after the lease.
        claimedBy: this.claimer,
        claimedUntil: leaseEnd,
        nextCheckAt: leaseEnd,
      })
      await this.notify(tx, inserted)
      return inserted
    })

    let started: { auth_req_id: string; expires_in: number; interval?: number | undefined }
    try {
      started = await login.startCiba({
        msisdn: row.msisdn,
        scope: CLUB_SCOPES,
        bindingMessage: row.bindingMessage,
      })
    } catch (error) {
      const refusal = startRefusalOf(error)
      this.log.warn({ enrolmentId: row.id, reason: describeForLog(error) }, 'membership request not sent')
      await this.move(row.id, (current) =>
        current.state === 'waiting'
          ? { state: 'failed', changes: { errorCode: refusal.code, errorMessage: refusal.message } }
          : undefined,
      )
      throw new PosError(refusal.code, refusal.message, {
        ...(refusal.field ? { field: refusal.field } : {}),
        ...(refusal.retryAfterSeconds ? { retryAfterSeconds: refusal.retryAfterSeconds } : {}),
      })
    }
    const interval = started.interval ?? DEFAULT_INTERVAL_SECONDS
    return this.move(row.id, (current) =>
      current.state === 'waiting'
        ? {
            changes: {
              authReqId: started.auth_req_id,
              pollIntervalSeconds: interval,
              expiresAt: new Date(now.getTime() + started.expires_in * 1000),
            },
            nextCheckAt: new Date(this.clock.now() + interval * 1000),
          }
        : undefined,
    )
  }

  /** An enrolment of the actor's store; NOT_FOUND otherwise. */
  async get(actor: Actor, enrolmentId: string): Promise<EnrolmentRow> {
    const row = await findEnrolment(this.db, enrolmentId)
    if (!row || row.storeId !== actor.storeId) throw enrolmentNotFound(enrolmentId)
    return row
  }

  /** The enrolment with its member (once accepted), for the view. */
  async withMember(row: EnrolmentRow): Promise<{ row: EnrolmentRow; member: MemberRow | undefined }> {
    return { row, member: row.memberId ? await findMember(this.db, row.storeId, row.memberId) : undefined }
  }

  /** The row behind a live notice (no actor: the stream already knows the till). */
  find(id: string): Promise<EnrolmentRow | undefined> {
    return findEnrolment(this.db, id)
  }

  latestForSale(saleId: string): Promise<EnrolmentRow | undefined> {
    return latestEnrolmentOfSale(this.db, saleId)
  }

  /**
   * The cashier gives up waiting. CIBA has no cancel at the platform: the
   * till stops polling and ignores whatever the customer answers later.
   */
  async cancel(actor: Actor, enrolmentId: string): Promise<EnrolmentRow> {
    await this.get(actor, enrolmentId)
    let wasWaiting = false
    const row = await this.move(enrolmentId, (current) => {
      wasWaiting = current.state === 'waiting'
      return wasWaiting ? { state: 'cancelled' } : undefined
    })
    if (!wasWaiting) {
      throw new PosError('ENROLMENT_FINISHED', `The membership request has already ended (${row.state})`, {
        field: 'enrolmentId',
      })
    }
    return row
  }

  // ── The work: polling, enrolling ──────────────────────────────────────────

  /** Whether an enrolment is due now (the worker's look before it sweeps). */
  dueCheck(): SQL {
    return dueCheck('club_enrolment', { states: ['waiting'], now: this.now() })
  }

  /** Claims the due enrolments (in this process or another) and moves each on. Returns how many. */
  async sweep(limit = 20): Promise<number> {
    return sweepDue(
      this.db,
      'club_enrolment',
      { claimer: this.claimer, states: ['waiting'], now: this.now(), leaseMs: this.timings.leaseMs, limit },
      (id) => this.advanceClaimed(id),
      (id, error) => {
        this.log.error({ enrolmentId: id, err: describeForLog(error) }, 'enrolment work failed')
        return this.backOff(id)
      },
    )
  }

  /** Gives up this process's claims (at shutdown). */
  async releaseClaims(): Promise<void> {
    await releaseAllClaims(this.db, 'club_enrolment', this.claimer)
  }

  private async advanceClaimed(id: string): Promise<EnrolmentRow> {
    const row = await findEnrolment(this.db, id)
    if (!row) throw new Error(`enrolment ${id} vanished`)
    if (row.state !== 'waiting') return this.move(id, () => undefined)
    if (row.accessToken) return this.enrol(row, row.accessToken)
    if (!row.authReqId) {
      // Its start was under way in a process that stopped: whether it reached the phone is unknown,
      // and without its id it cannot be followed.
      return this.move(id, (current) =>
        current.state === 'waiting' && !current.authReqId
          ? {
              state: 'failed',
              changes: {
                errorCode: 'PLATFORM_UNAVAILABLE',
                errorMessage: 'The membership request could not be followed; ask the customer again',
              },
            }
          : undefined,
      )
    }
    let result: CibaPollResult
    try {
      result = await this.platform.loginFor(row.msn).pollCiba(row.authReqId)
    } catch (error) {
      if (error instanceof VippsOAuthError && error.status === 400) {
        // invalid_grant and the like: the platform will never hand this request's answer out.
        this.log.warn({ enrolmentId: id, reason: describeForLog(error) }, 'membership request refused')
        return this.move(id, (current) =>
          current.state === 'waiting'
            ? {
                state: 'failed',
                changes: {
                  errorCode: 'PLATFORM_UNAVAILABLE',
                  errorMessage:
                    'Vipps MobilePay no longer knows the membership request; ask the customer again',
                },
              }
            : undefined,
        )
      }
      this.log.warn({ enrolmentId: id, reason: describeForLog(error) }, 'membership request poll failed')
      return this.backOff(id)
    }
    switch (result.status) {
      case 'authorization_pending':
        return this.move(id, (current) =>
          this.clock.now() >= current.expiresAt.getTime()
            ? { state: 'expired' }
            : { nextCheckAt: this.inSeconds(current.pollIntervalSeconds) },
        )
      case 'slow_down':
        return this.move(id, (current) => {
          const interval = current.pollIntervalSeconds + SLOW_DOWN_STEP_SECONDS
          return { changes: { pollIntervalSeconds: interval }, nextCheckAt: this.inSeconds(interval) }
        })
      case 'access_denied':
        return this.move(id, () => ({ state: 'declined' }))
      case 'expired_token':
        return this.move(id, () => ({ state: 'expired' }))
      case 'authorized': {
        const token = result.tokens.access_token
        // Kept at once: the platform hands the tokens out only once.
        const kept = await this.move(id, (current) =>
          current.state === 'waiting' ? { changes: { accessToken: token }, keepClaim: true } : undefined,
        )
        if (kept.state !== 'waiting') return kept // cancelled meanwhile: the answer is ignored
        return this.enrol(kept, token)
      }
      default: {
        const unknown: never = result
        throw new Error(`unknown CIBA poll result ${JSON.stringify(unknown)}`)
      }
    }
  }

  /**
   * Reads what the customer shared and enrols them, in one transaction with
   * the enrolment's move to accepted: the member with name, number, e-mail
   * and birth date if shared, and every consent answered (given or not) with
   * its time. A member enrolled meanwhile under the same number (another
   * till) is the member. The sale's customer becomes the member.
   */
  private async enrol(row: EnrolmentRow, accessToken: string): Promise<EnrolmentRow> {
    let info: Userinfo
    try {
      info = await this.platform.loginFor(row.msn).userinfo(accessToken)
    } catch (error) {
      this.log.warn({ enrolmentId: row.id, reason: describeForLog(error) }, 'userinfo failed')
      if (error instanceof VippsHttpError && (error.status === 401 || error.status === 403)) {
        // The access token has run out: what the customer shared can no longer be read.
        return this.move(row.id, (current) =>
          current.state === 'waiting'
            ? {
                state: 'failed',
                changes: {
                  errorCode: 'PLATFORM_UNAVAILABLE',
                  errorMessage: 'The customer’s details could not be read in time; ask them again',
                },
              }
            : undefined,
        )
      }
      return this.backOff(row.id)
    }
    return this.db.transaction(async (tx) => {
      const current = await lockEnrolment(tx, row.id)
      if (!current) throw new Error(`enrolment ${row.id} vanished`)
      if (current.state !== 'waiting') return this.apply(tx, current, {}, true)
      const enrolled = await this.createMember(tx, current, info)
      if (current.saleId) {
        const onSale = await lockSale(tx, current.saleId)
        if (
          onSale &&
          onSale.customerMsisdn === current.msisdn &&
          (onSale.state === 'open' || onSale.state === 'awaiting_payment')
        ) {
          await updateSale(tx, onSale.id, { memberId: enrolled.id, updatedAt: this.now() })
          await this.live.notify(tx, { tillId: onSale.tillId, topic: 'sale', id: onSale.id })
        }
      }
      return this.apply(tx, current, { state: 'accepted', changes: { memberId: enrolled.id } }, true)
    })
  }

  private async createMember(tx: Db, enrolment: EnrolmentRow, info: Userinfo): Promise<MemberRow> {
    const existing = await findMemberByMsisdn(tx, enrolment.storeId, enrolment.msisdn)
    if (existing) return existing
    const { values, consents } = memberFromUserinfo(info, {
      id: newId('mbr'),
      storeId: enrolment.storeId,
      msisdn: enrolment.msisdn,
      now: this.now(),
    })
    const [inserted] = await tx
      .insert(member)
      .values(values)
      .onConflictDoNothing({ target: [member.storeId, member.msisdn] })
      .returning()
    if (!inserted) {
      // Enrolled at this moment by another request under the same number: that one is the member.
      const winner = await findMemberByMsisdn(tx, enrolment.storeId, enrolment.msisdn)
      if (!winner) throw new Error('a member just enrolled was not found')
      return winner
    }
    if (consents.length > 0) await tx.insert(memberConsent).values(consents)
    return inserted
  }

  private backOff(id: string): Promise<EnrolmentRow> {
    return this.move(id, (current) => {
      if (this.clock.now() >= current.expiresAt.getTime() && !current.accessToken) return { state: 'expired' }
      const delay = Math.min(1000 * 2 ** Math.min(current.checks, 10), this.timings.maxBackoffMs)
      const wait = Math.max(delay, current.pollIntervalSeconds * 1000)
      return { changes: { checks: current.checks + 1 }, nextCheckAt: new Date(this.clock.now() + wait) }
    })
  }

  // ── Moving the machine ────────────────────────────────────────────────────

  /** Locks the enrolment, asks `decide` what to do, applies it, and releases this process's claim. */
  private move(id: string, decide: (row: EnrolmentRow) => Decision | undefined): Promise<EnrolmentRow> {
    return this.db.transaction(async (tx) => {
      const row = await lockEnrolment(tx, id)
      if (!row) throw new Error(`enrolment ${id} vanished`)
      const decision = decide(row) ?? {}
      return this.apply(tx, row, decision, !decision.keepClaim)
    })
  }

  /**
   * Writes a decision in the caller's transaction: the state move (only from
   * waiting to an end), the next poll, the claim, and the news to the till's
   * screen. An end drops the access token and the schedule.
   */
  private async apply(
    tx: Db,
    row: EnrolmentRow,
    decision: Decision,
    release: boolean,
  ): Promise<EnrolmentRow> {
    const now = this.now()
    const to = decision.state ?? row.state
    if (to !== row.state && !canMoveEnrolment(row.state, to)) {
      throw new Error(`enrolment ${row.id} cannot move from ${row.state} to ${to}`)
    }
    const changes: EnrolmentChanges = { ...decision.changes, updatedAt: now }
    if (to !== row.state) {
      changes.state = to
      changes.finishedAt = now
      changes.accessToken = null
      changes.nextCheckAt = null
    } else if (decision.nextCheckAt) {
      changes.nextCheckAt = decision.nextCheckAt
    }
    if (release && row.claimedBy === this.claimer) {
      changes.claimedBy = null
      changes.claimedUntil = null
    }
    const updated = await updateEnrolment(tx, row.id, changes)
    if (updated.state !== row.state) await this.notify(tx, updated)
    return updated
  }

  private async notify(tx: Db, row: EnrolmentRow): Promise<void> {
    await this.live.notify(tx, { tillId: row.tillId, topic: 'enrolment', id: row.id })
  }

  private inSeconds(seconds: number): Date {
    return new Date(this.clock.now() + seconds * 1000)
  }

  private now(): Date {
    return new Date(this.clock.now())
  }
}

/** A short code shown on the phone with the request, which the cashier can read aloud: `K-4821`. */
export function newBindingMessage(): string {
  return `K-${String(randomInt(0, 10_000)).padStart(4, '0')}`
}

function enrolmentNotFound(enrolmentId: string): PosError {
  return new PosError('NOT_FOUND', `There is no membership request ${enrolmentId}`, { field: 'enrolmentId' })
}
