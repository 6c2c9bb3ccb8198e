/**
 * Did every sale become money in the bank? Two checks for a business day
 * (manager):
 *
 * - Reconciliation: the till's captured sales and completed refunds of the
 *   day against the platform's settlement report for the same date (the
 *   Report API's funds and fees reports), matched by reference and
 *   pspReference with `reconcileSettlement` from @kasse/vipps. Payments of
 *   other sales channels on the same MSN (the web shop) are listed apart,
 *   never as missing. Until the platform closes the date (its 404) the day
 *   is "not settled yet".
 * - In-flight check: every payment attempt of the day against the payment
 *   as the platform has it now (ePayment GET). Differences come with what
 *   resolving does: bring a live attempt up to date through the payments
 *   machinery (it registers a capture made there, or captures an approval
 *   with its stored key — never a second charge), or release an approval
 *   for an attempt the till already closed.
 */
import {
  type GetPaymentResponse,
  reconcileSettlement,
  type SettlementReconciliation,
  type SettlementRecord,
  VippsApiError,
  type VippsClient,
  VippsError,
} from '@kasse/vipps'
import { and, eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm'
import { type Actor, requireManager } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { paymentAttempt, refund, sale, till } from '../db/schema.ts'
import { type BusinessDay, businessDay } from '../endofday/business-day.ts'
import { PosError } from '../errors.ts'
import { describeForLog } from '../payments/errors.ts'
import { isLive, type PaymentAttemptState, viewOfPayment } from '../payments/machine.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import { paymentReference } from '../payments/request.ts'
import type { Payments } from '../payments/service.ts'
import { type AttemptRow, lockAttempt } from '../payments/store.ts'

/** A capture or refund as the till registered it, with where to find it. */
export interface TillRecord extends SettlementRecord {
  saleId: string
  posId: string
  receiptNumber: number | null
  refundId: string | null
}

export type SettlementStatus = 'not-settled' | 'settling' | 'settled'

export interface DaySettlement {
  date: string
  status: SettlementStatus
  ledgerId: string | null
  records: TillRecord[]
  /** Present once the platform has a report for the date. */
  result: SettlementReconciliation<TillRecord> | null
}

/** How the till and the platform compare on one payment attempt. */
export const IN_FLIGHT_STATUSES = [
  'captured-not-registered',
  'approved-not-registered',
  'registered-not-captured',
  'refunds-differ',
  'unknown-to-platform',
  'platform-unreachable',
  'catching-up',
  'in-flight',
  'agrees',
] as const
export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number]

/** What resolving a difference does: follow the platform (a live attempt), release an approval, or nothing automatic. */
export type InFlightAction = 'follow' | 'release' | null

export interface InFlightItem {
  attempt: AttemptRow
  posId: string
  receiptNumber: number | null
  /** What the till has refunded (completed refunds). */
  tillRefunded: number
  platform: GetPaymentResponse | null
  status: InFlightStatus
  difference: boolean
  message: string
  action: InFlightAction
}

const DIFFERENCES: readonly InFlightStatus[] = [
  'captured-not-registered',
  'approved-not-registered',
  'registered-not-captured',
  'refunds-differ',
  'unknown-to-platform',
  'platform-unreachable',
]
/** Platform look-ups at a time: a day's attempts are checked a few at a time, not all at once. */
const LOOKUPS_AT_ONCE = 4

export class Reconciliation {
  private readonly ledgerIds = new Map<string, string>()

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platform: VippsPlatform,
    private readonly payments: Payments,
  ) {}

  // ── Settlement ────────────────────────────────────────────────────────────

  /** The day's settlement reconciled with the till's records. */
  async settlement(actor: Actor, date: string): Promise<DaySettlement> {
    requireManager(actor, 'reconcile the settlement')
    const day = businessDay(actor, this.clock, date)
    const client = this.platform.clientFor(actor.msn)
    const records = await this.records(actor.storeId, day)
    const ledgerId = await this.ledgerId(client, actor)
    if (!ledgerId) return { date, status: 'not-settled', ledgerId: null, records, result: null }
    const funds = await platformCall(() => client.report.forDate(ledgerId, 'funds', date))
    if (funds.status === 'not-ready') return { date, status: 'not-settled', ledgerId, records, result: null }
    const fees = await platformCall(() => client.report.forDate(ledgerId, 'fees', date))
    const isOwnReference = await this.referencePattern(actor.storeId)
    const result = reconcileSettlement({
      entries: funds.entries,
      feeEntries: fees.status === 'ready' ? fees.entries : [],
      records,
      isOwnReference: (reference) => isOwnReference.test(reference),
    })
    return { date, status: funds.complete ? 'settled' : 'settling', ledgerId, records, result }
  }

  /** The store's ledger on the platform (cached: a ledger does not move). */
  private async ledgerId(client: VippsClient, actor: Actor): Promise<string | undefined> {
    const cached = this.ledgerIds.get(actor.msn)
    if (cached) return cached
    const found = await platformCall(async () => {
      for await (const ledger of client.report.allLedgers({
        settlesForRecipientHandles: `api:${actor.msn}`,
      })) {
        if (!ledger.currency || ledger.currency === actor.currency) return ledger.ledgerId
      }
      return undefined
    })
    if (found) this.ledgerIds.set(actor.msn, found)
    return found
  }

  /**
   * The till's captures (sales registered paid on the day) and completed
   * refunds of the day, as settlement records.
   */
  private async records(storeId: string, day: BusinessDay): Promise<TillRecord[]> {
    const captured = await this.attemptsWhere(
      and(
        eq(paymentAttempt.storeId, storeId),
        eq(paymentAttempt.state, 'captured'),
        gte(sale.closedAt, day.start),
        lt(sale.closedAt, day.end),
      )!,
    )
    const refunded = await this.db
      .select({ refund, reference: paymentAttempt.reference, posId: till.posId })
      .from(refund)
      .innerJoin(paymentAttempt, eq(paymentAttempt.id, refund.attemptId))
      .innerJoin(sale, eq(sale.id, refund.saleId))
      .innerJoin(till, eq(till.id, sale.tillId))
      .where(
        and(
          eq(refund.storeId, storeId),
          eq(refund.state, 'refunded'),
          gte(refund.updatedAt, day.start),
          lt(refund.updatedAt, day.end),
        ),
      )
    return [
      ...captured.map(
        ({ attempt, posId, receiptNumber }): TillRecord => ({
          kind: 'capture',
          reference: attempt.reference,
          pspReference: attempt.pspReference ?? undefined,
          amount: attempt.capturedAmount,
          currency: attempt.currency,
          saleId: attempt.saleId,
          posId,
          receiptNumber,
          refundId: null,
        }),
      ),
      ...refunded.map(
        ({ refund: row, reference, posId }): TillRecord => ({
          kind: 'refund',
          reference,
          amount: row.amount,
          currency: row.currency,
          saleId: row.saleId,
          posId,
          receiptNumber: row.receiptNumber,
          refundId: row.id,
        }),
      ),
    ]
  }

  /** The references this store's tills make (`till-1-000042-1`): others on the ledger are other channels. */
  private async referencePattern(storeId: string): Promise<RegExp> {
    const tills = await this.db.select({ posId: till.posId }).from(till).where(eq(till.storeId, storeId))
    const prefixes = tills.map(({ posId }) =>
      escapeRegExp(paymentReference(posId, 0, 0).replace(/-000000-0$/, '')),
    )
    return prefixes.length ? new RegExp(`^(?:${prefixes.join('|')})-\\d{6,}-\\d+$`) : /$^/
  }

  // ── In-flight check ───────────────────────────────────────────────────────

  /** Every payment attempt of the day (made or ended on it) against the platform's state now, differences first. */
  async inFlight(actor: Actor, date: string): Promise<InFlightItem[]> {
    requireManager(actor, 'run the in-flight check')
    const day = businessDay(actor, this.clock, date)
    const client = this.platform.clientFor(actor.msn)
    const rows = await this.attemptsWhere(
      and(
        eq(paymentAttempt.storeId, actor.storeId),
        or(
          and(gte(paymentAttempt.createdAt, day.start), lt(paymentAttempt.createdAt, day.end)),
          and(gte(paymentAttempt.finalAt, day.start), lt(paymentAttempt.finalAt, day.end)),
        ),
      )!,
    )
    const refunded = await this.refundedByAttempt(rows.map((r) => r.attempt.id))
    const items = await inBatches(rows, LOOKUPS_AT_ONCE, async ({ attempt, posId, receiptNumber }) =>
      compare(attempt, posId, receiptNumber, refunded.get(attempt.id) ?? 0, await lookUp(client, attempt)),
    )
    return items.sort((a, b) => Number(b.difference) - Number(a.difference))
  }

  /**
   * Resolves a difference the in-flight check found, deciding afresh from the
   * platform's state now: a live attempt follows the platform through the
   * payments machinery (registering a capture made there once, or capturing
   * an approval with its stored key); an approval for an attempt the till
   * closed is released. NOTHING_TO_RESOLVE when the two agree (or nothing
   * automatic is safe: a capture for a closed attempt is refunded by a person).
   */
  async resolve(actor: Actor, attemptId: string): Promise<InFlightItem> {
    requireManager(actor, 'resolve a payment difference')
    const before = await this.item(actor, attemptId)
    switch (before.action) {
      case 'follow':
        await this.payments.followNow(attemptId)
        break
      case 'release':
        await this.db.transaction(async (tx) => {
          const row = await lockAttempt(tx, attemptId)
          if (row && !isLive(row.state as PaymentAttemptState) && row.state !== 'captured') {
            await this.payments.releases.enqueue(tx, row)
          }
        })
        await this.payments.releases.sweep()
        break
      case null:
        throw new PosError('NOTHING_TO_RESOLVE', before.message, { field: 'attemptId' })
    }
    return this.item(actor, attemptId)
  }

  /** One attempt of the actor's store, compared with the platform now. */
  private async item(actor: Actor, attemptId: string): Promise<InFlightItem> {
    const [row] = await this.attemptsWhere(
      and(eq(paymentAttempt.id, attemptId), eq(paymentAttempt.storeId, actor.storeId))!,
    )
    if (!row) {
      throw new PosError('PAYMENT_NOT_FOUND', 'No such payment attempt in this store', { field: 'attemptId' })
    }
    const refunded = await this.refundedByAttempt([attemptId])
    const platform = await lookUp(this.platform.clientFor(row.attempt.msn), row.attempt)
    return compare(row.attempt, row.posId, row.receiptNumber, refunded.get(attemptId) ?? 0, platform)
  }

  /** Attempts with their sale's till and receipt number, oldest first. */
  private attemptsWhere(condition: SQL) {
    return this.db
      .select({ attempt: paymentAttempt, posId: till.posId, receiptNumber: sale.receiptNumber })
      .from(paymentAttempt)
      .innerJoin(sale, eq(sale.id, paymentAttempt.saleId))
      .innerJoin(till, eq(till.id, sale.tillId))
      .where(condition)
      .orderBy(paymentAttempt.createdAt, paymentAttempt.id)
  }

  private async refundedByAttempt(ids: string[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>()
    if (ids.length === 0) return totals
    const rows = await this.db
      .select({ attemptId: refund.attemptId, amount: refund.amount })
      .from(refund)
      .where(and(inArray(refund.attemptId, ids), eq(refund.state, 'refunded')))
    for (const row of rows) totals.set(row.attemptId, (totals.get(row.attemptId) ?? 0) + row.amount)
    return totals
  }
}

type LookUp =
  | { kind: 'payment'; payment: GetPaymentResponse }
  | { kind: 'not-found' }
  | { kind: 'unreachable'; reason: string }

async function lookUp(client: VippsClient, attempt: AttemptRow): Promise<LookUp> {
  try {
    return { kind: 'payment', payment: await client.epayment.get(attempt.reference) }
  } catch (error) {
    if (error instanceof VippsApiError && error.status === 404) return { kind: 'not-found' }
    return { kind: 'unreachable', reason: describeForLog(error) }
  }
}

/** How the till's attempt and the platform's payment compare, and what resolving would do. */
export function compare(
  attempt: AttemptRow,
  posId: string,
  receiptNumber: number | null,
  tillRefunded: number,
  found: LookUp,
): InFlightItem {
  const state = attempt.state as PaymentAttemptState
  const live = isLive(state)
  const base = {
    attempt,
    posId,
    receiptNumber,
    tillRefunded,
    platform: found.kind === 'payment' ? found.payment : null,
  }
  const verdict = (status: InFlightStatus, message: string, action: InFlightAction = null): InFlightItem => ({
    ...base,
    status,
    difference: DIFFERENCES.includes(status),
    message,
    action,
  })
  if (found.kind === 'unreachable') {
    return verdict('platform-unreachable', `Vipps MobilePay could not be asked (${found.reason}); try again`)
  }
  if (found.kind === 'not-found') {
    if (state === 'captured') {
      return verdict(
        'unknown-to-platform',
        'Registered as paid here, but Vipps MobilePay has no such payment',
      )
    }
    return live
      ? verdict(
          'catching-up',
          'The request may not have reached Vipps MobilePay; the till is finding out',
          'follow',
        )
      : verdict('agrees', 'Never reached Vipps MobilePay, and closed here without payment')
  }
  const payment = found.payment
  const { capturedAmount, authorizedAmount, cancelledAmount, refundedAmount } = payment.aggregate
  const view = viewOfPayment(payment, attempt.amount)
  if (state === 'captured') {
    if (capturedAmount.value < attempt.amount) {
      return verdict(
        'registered-not-captured',
        `Registered as paid here, but Vipps MobilePay has captured ${capturedAmount.value} of ${attempt.amount}`,
      )
    }
    if (refundedAmount.value !== tillRefunded) {
      return verdict(
        'refunds-differ',
        `Refunded here ${tillRefunded}, at Vipps MobilePay ${refundedAmount.value}; a refund under way completes itself, otherwise look at the sale`,
      )
    }
    return verdict('agrees', 'Paid and captured')
  }
  if (capturedAmount.value > 0) {
    return live
      ? verdict(
          'captured-not-registered',
          'Captured at Vipps MobilePay but not registered here: resolving registers the sale (no new charge)',
          'follow',
        )
      : verdict(
          'captured-not-registered',
          `Captured at Vipps MobilePay for a payment request the till closed (${state}): refund it to the customer`,
        )
  }
  const reserved = authorizedAmount.value - capturedAmount.value - cancelledAmount.value
  if (view === 'authorized' && reserved > 0) {
    return live
      ? verdict(
          'approved-not-registered',
          'Approved by the customer but not yet captured: resolving captures it once and registers the sale',
          'follow',
        )
      : verdict(
          'approved-not-registered',
          `Approved by the customer for a payment request the till closed (${state}): resolving releases the reserved money`,
          'release',
        )
  }
  if (live) {
    return view === 'waiting'
      ? verdict('in-flight', 'Waiting for the customer')
      : verdict('catching-up', `Ended at Vipps MobilePay (${view}); the till is catching up`, 'follow')
  }
  return verdict('agrees', `Closed without payment here and at Vipps MobilePay (${view})`)
}

/** Runs `work` over `items`, `size` at a time, keeping their order. */
async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = []
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))))
  }
  return results
}

/** A Report API call; the platform being unreachable is 503 PLATFORM_UNAVAILABLE, not a 500. */
async function platformCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof VippsError) {
      throw new PosError(
        'PLATFORM_UNAVAILABLE',
        `Vipps MobilePay’s settlement report could not be read (${describeForLog(error)}); try again`,
      )
    }
    throw error
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
