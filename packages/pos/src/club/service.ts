/**
 * The store's customer club at the till: the membership check, the member
 * pages (profile, consents, purchases, points), withdrawing a consent,
 * deleting a member, and the points a captured purchase earns and its
 * refunds take back — each written in the transaction that registers the
 * payment or the refund, so points never come before the money, nor twice.
 * Enrolment by consent on the phone is `enrolments` (enrolments.ts).
 */
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import { requireManager } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { clubEnrolment, member, memberConsent, paymentAttempt, sale } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import type { LiveEvents } from '../live/hub.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import type { WorkLog } from '../payments/service.ts'
import { Enrolments, type EnrolmentTimings } from './enrolments.ts'
import { pointsFor, pointsToTakeBack } from './points.ts'
import {
  addToBalance,
  type ConsentRow,
  consentsOf,
  findMember,
  findMemberByMsisdn,
  insertPointsEntryOnce,
  lockMember,
  lockPurchaseEntry,
  type MemberPurchaseRow,
  type MemberRow,
  type PointsEntryRow,
  pointsHeldBySale,
  pointsHistoryOf,
  purchasesOf,
  searchMembers,
  spendPerPointOf,
} from './store.ts'

export interface MemberDetail {
  member: MemberRow
  consents: ConsentRow[]
  purchases: MemberPurchaseRow[]
  pointsHistory: PointsEntryRow[]
}

/** The sale states whose customer is history: a deleted member's personal data is removed from them. */
const FINISHED_SALE_STATES = ['paid', 'voided'] as const

export class Club {
  /** Consent requests to customers' phones, and their polling (a sweeper for the worker). */
  readonly enrolments: Enrolments

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    platform: VippsPlatform,
    live: LiveEvents,
    options: { claimer: string; log: WorkLog; timings?: Partial<EnrolmentTimings> },
  ) {
    this.enrolments = new Enrolments(db, clock, platform, live, options.claimer, options.log, options.timings)
  }

  /** The store's member with this MSISDN, if any. */
  memberByMsisdn(actor: Actor, msisdn: string, db: Db = this.db): Promise<MemberRow | undefined> {
    return findMemberByMsisdn(db, actor.storeId, msisdn)
  }

  async members(actor: Actor, query: string, limit: number): Promise<MemberRow[]> {
    return searchMembers(this.db, actor.storeId, query, limit)
  }

  /** A member's page; NOT_FOUND for a member of another store or one deleted. */
  async detail(actor: Actor, memberId: string): Promise<MemberDetail> {
    const found = await findMember(this.db, actor.storeId, memberId)
    if (!found) throw memberNotFound(memberId)
    const history = await pointsHistoryOf(this.db, memberId)
    return {
      member: found,
      consents: await consentsOf(this.db, memberId),
      purchases: await purchasesOf(this.db, memberId, history),
      // A purchase too small for a point still shows among the purchases; the history lists changes.
      pointsHistory: history.filter((entry) => entry.points !== 0),
    }
  }

  /**
   * Withdraws a consent the member gave: dated, kept (when it was given and
   * withdrawn is the record). Withdrawing again, or a consent the member
   * declined, changes nothing.
   */
  async withdrawConsent(actor: Actor, memberId: string, consentId: string): Promise<MemberDetail> {
    await this.db.transaction(async (tx) => {
      if (!(await lockMember(tx, actor.storeId, memberId))) throw memberNotFound(memberId)
      const [consent] = await tx
        .select()
        .from(memberConsent)
        .where(and(eq(memberConsent.memberId, memberId), eq(memberConsent.consentId, consentId)))
      if (!consent) {
        throw new PosError('NOT_FOUND', `The member has no consent ${consentId}`, { field: 'consentId' })
      }
      if (!consent.accepted || consent.withdrawnAt !== null) return
      const now = this.now()
      await tx
        .update(memberConsent)
        .set({ withdrawnAt: now })
        .where(and(eq(memberConsent.memberId, memberId), eq(memberConsent.consentId, consentId)))
      await tx.update(member).set({ updatedAt: now }).where(eq(member.id, memberId))
    })
    return this.detail(actor, memberId)
  }

  /**
   * Deletes a member (manager only): the member's row with name, number,
   * e-mail, birth date, Vipps subject and consents goes; their finished sales
   * stay for the books but lose the link and the customer's number (on the
   * sale and its payment attempts); their points entries stay as anonymous
   * numbers; their ended enrolments go. A sale still under way keeps its
   * customer (the payment needs the number) but is no longer a member's.
   */
  async deleteMember(actor: Actor, memberId: string): Promise<void> {
    requireManager(actor, 'delete club members')
    await this.db.transaction(async (tx) => {
      const found = await lockMember(tx, actor.storeId, memberId)
      if (!found) throw memberNotFound(memberId)
      const finished = tx
        .select({ id: sale.id })
        .from(sale)
        .where(and(eq(sale.memberId, memberId), inArray(sale.state, [...FINISHED_SALE_STATES])))
      await tx
        .update(paymentAttempt)
        .set({
          customerMsisdn: null,
          customerSource: null,
          createRequest: sql`${paymentAttempt.createRequest} - 'customer'`,
        })
        .where(inArray(paymentAttempt.saleId, finished))
      await tx
        .update(sale)
        .set({ customerMsisdn: null, customerSource: null, customerPersonalQr: null, memberId: null })
        .where(and(eq(sale.memberId, memberId), inArray(sale.state, [...FINISHED_SALE_STATES])))
      await tx
        .delete(clubEnrolment)
        .where(
          and(
            eq(clubEnrolment.storeId, actor.storeId),
            eq(clubEnrolment.msisdn, found.msisdn),
            sql`${clubEnrolment.state} <> 'waiting'`,
          ),
        )
      // Consents go with the row; points entries and open sales lose the link (ON DELETE).
      await tx.delete(member).where(eq(member.id, memberId))
    })
  }

  // ── Points, in the payment flow's transactions ────────────────────────────

  /**
   * Registers the points of a captured sale on its member's account, in the
   * transaction that registers the sale paid. Once per sale: a second call
   * finds the purchase entry and adds nothing. A sale without a member earns
   * nothing (its `pointsEarned` stays null).
   */
  async registerPurchase(tx: Db, saleId: string, capturedAmount: number): Promise<void> {
    const [paid] = await tx
      .select({ memberId: sale.memberId, storeId: sale.storeId })
      .from(sale)
      .where(eq(sale.id, saleId))
    if (!paid?.memberId) return
    const spendPerPoint = await spendPerPointOf(tx, paid.storeId)
    const points = pointsFor(capturedAmount, spendPerPoint)
    const now = this.now()
    const fresh = await insertPointsEntryOnce(tx, {
      id: newId('pts'),
      storeId: paid.storeId,
      memberId: paid.memberId,
      saleId,
      refundId: null,
      reason: 'purchase',
      points,
      spendPerPoint,
      createdAt: now,
    })
    if (fresh) await addToBalance(tx, paid.memberId, points, now)
  }

  /**
   * Takes back a refund's share of the sale's points, in the transaction that
   * registers the refund: whatever the sale holds above what its net captured
   * amount earns at the purchase's rate. Refunds of one sale queue on its
   * purchase entry's row lock.
   */
  async takeBackForRefund(
    tx: Db,
    refund: { id: string; saleId: string; attemptId: string; refundedOnPayment: number },
  ): Promise<void> {
    const purchase = await lockPurchaseEntry(tx, refund.saleId)
    if (!purchase) return
    const [attempt] = await tx
      .select({ captured: paymentAttempt.capturedAmount })
      .from(paymentAttempt)
      .where(eq(paymentAttempt.id, refund.attemptId))
    if (!attempt) return
    const back = pointsToTakeBack({
      captured: attempt.captured,
      refunded: refund.refundedOnPayment,
      held: await pointsHeldBySale(tx, refund.saleId),
      spendPerPoint: purchase.spendPerPoint,
    })
    if (back === 0) return
    const now = this.now()
    const fresh = await insertPointsEntryOnce(tx, {
      id: newId('pts'),
      storeId: purchase.storeId,
      memberId: purchase.memberId,
      saleId: refund.saleId,
      refundId: refund.id,
      reason: 'refund',
      points: -back,
      spendPerPoint: purchase.spendPerPoint,
      createdAt: now,
    })
    if (fresh && purchase.memberId) await addToBalance(tx, purchase.memberId, -back, now)
  }

  private now(): Date {
    return new Date(this.clock.now())
  }
}

export function memberNotFound(memberId: string): PosError {
  return new PosError('NOT_FOUND', `There is no member ${memberId} in this store's club`, {
    field: 'memberId',
  })
}
