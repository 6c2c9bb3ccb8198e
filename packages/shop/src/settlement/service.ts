/**
 * Did every order become money in the bank? For one of the shop's days, its
 * captured and refunded orders (the money operations that were done that
 * day) against the platform's settlement report for the same date, matched
 * by reference and pspReference with `reconcileSettlement` from @kasse/vipps:
 * matched, missing on either side, amounts that differ, the fees and the
 * payout. The till sells on the same MSN, so its payments on the ledger are
 * another sales channel, never "missing". Until the platform closes the date
 * (its 404) the day is "not settled yet" and only the shop's side is shown.
 */
import {
  reconcileSettlement,
  type SettlementReconciliation,
  type SettlementRecord,
  type VippsClient,
} from '@kasse/vipps'
import { and, eq, gte, inArray, isNotNull, lt } from 'drizzle-orm'
import type { Clock } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { order, payment, paymentOperation } from '../db/schema.ts'
import { ShopError } from '../errors.ts'
import type { OrderFlow } from '../orders/machine.ts'
import { isShopReference } from '../orders/service.ts'
import { localDate, localDayBounds } from './local-day.ts'

/** A capture or refund the shop did, with the order it belongs to. */
export interface ShopRecord extends SettlementRecord {
  orderId: string
  orderNumber: number
  flow: OrderFlow
  /** When the operation was done, as the shop recorded it. */
  doneAt: Date
}

/** not-settled: the platform has no report for the date yet; settling: it has, but the date is still open. */
export type SettlementStatus = 'not-settled' | 'settling' | 'settled'

export interface ShopDaySettlement {
  date: string
  status: SettlementStatus
  ledgerId: string | null
  /** The shop's captures and refunds of the day. */
  records: ShopRecord[]
  /** Present once the platform has a report for the date. */
  result: SettlementReconciliation<ShopRecord> | null
  /** The shop's orders by payment reference, for every shop reference on the ledger: names what the shop did not record. */
  orders: Map<string, { id: string; number: number }>
}

export class ShopSettlement {
  private ledgerId: string | undefined

  constructor(
    private readonly db: ShopDb,
    private readonly vipps: VippsClient,
    private readonly msn: string,
    private readonly clock: Clock,
  ) {}

  /** The shop's date today. */
  today(): string {
    return localDate(new Date(this.clock.now()))
  }

  /**
   * The day reconciled, or as far as it can be: VALIDATION_FAILED naming
   * `dato` for something that is not a date or a day that has not begun.
   * Errors reaching the platform are thrown as they are (VippsError).
   */
  async day(date: string): Promise<ShopDaySettlement> {
    const bounds = localDayBounds(date)
    if (!bounds)
      throw new ShopError('VALIDATION_FAILED', 'Datoen må skrives som 2026-03-02', { field: 'dato' })
    if (date > this.today()) {
      throw new ShopError('VALIDATION_FAILED', `${date} har ikke begynt ennå`, { field: 'dato' })
    }
    const records = await this.records(bounds.start, bounds.end)
    const notSettled = (ledgerId: string | null): ShopDaySettlement => ({
      date,
      status: 'not-settled',
      ledgerId,
      records,
      result: null,
      orders: new Map(records.map((r) => [r.reference, { id: r.orderId, number: r.orderNumber }])),
    })
    const ledgerId = await this.findLedger()
    if (!ledgerId) return notSettled(null)
    const funds = await this.vipps.report.forDate(ledgerId, 'funds', date)
    if (funds.status === 'not-ready') return notSettled(ledgerId)
    const fees = await this.vipps.report.forDate(ledgerId, 'fees', date)
    const result = reconcileSettlement({
      entries: funds.entries,
      feeEntries: fees.status === 'ready' ? fees.entries : [],
      records,
      isOwnReference: isShopReference,
    })
    const references = new Set(records.map((r) => r.reference))
    for (const entry of result.missingInRecords) if (entry.reference) references.add(entry.reference)
    return {
      date,
      status: funds.complete ? 'settled' : 'settling',
      ledgerId,
      records,
      result,
      orders: await this.ordersOf([...references]),
    }
  }

  /** The shop's NOK ledger on the platform (kept once found: a ledger does not move). */
  private async findLedger(): Promise<string | undefined> {
    if (this.ledgerId) return this.ledgerId
    for await (const ledger of this.vipps.report.allLedgers({
      settlesForRecipientHandles: `api:${this.msn}`,
    })) {
      if (!ledger.currency || ledger.currency === 'NOK') {
        this.ledgerId = ledger.ledgerId
        return ledger.ledgerId
      }
    }
    return undefined
  }

  /** Captures and refunds done within [start, end), oldest first. */
  private async records(start: Date, end: Date): Promise<ShopRecord[]> {
    const rows = await this.db
      .select({
        kind: paymentOperation.kind,
        amount: paymentOperation.amount,
        pspReference: paymentOperation.pspReference,
        doneAt: paymentOperation.updatedAt,
        reference: payment.reference,
        currency: order.currency,
        orderId: order.id,
        orderNumber: order.number,
        flow: order.flow,
      })
      .from(paymentOperation)
      .innerJoin(payment, eq(payment.orderId, paymentOperation.orderId))
      .innerJoin(order, eq(order.id, paymentOperation.orderId))
      .where(
        and(
          inArray(paymentOperation.kind, ['capture', 'refund']),
          eq(paymentOperation.state, 'done'),
          isNotNull(paymentOperation.amount),
          gte(paymentOperation.updatedAt, start),
          lt(paymentOperation.updatedAt, end),
        ),
      )
      .orderBy(paymentOperation.updatedAt)
    return rows.map((row) => ({
      kind: row.kind === 'refund' ? 'refund' : 'capture',
      reference: row.reference,
      pspReference: row.pspReference ?? undefined,
      amount: row.amount!,
      currency: row.currency,
      orderId: row.orderId,
      orderNumber: row.orderNumber,
      flow: row.flow,
      doneAt: row.doneAt,
    }))
  }

  private async ordersOf(references: string[]): Promise<Map<string, { id: string; number: number }>> {
    if (references.length === 0) return new Map()
    const rows = await this.db
      .select({ reference: payment.reference, id: order.id, number: order.number })
      .from(payment)
      .innerJoin(order, eq(order.id, payment.orderId))
      .where(inArray(payment.reference, references))
    return new Map(rows.map((row) => [row.reference, { id: row.id, number: row.number }]))
  }
}
