/**
 * Refunds: a manager gives money back for some or all of a paid sale's
 * lines. The refund is stored with its own idempotency key, and the
 * quantities it takes, before the platform is called, under the sale's row
 * lock, so two managers refunding the same lines at once cannot give back
 * more than was paid. A call whose outcome is unknown is repeated by the
 * sweeper with the same key: the platform refunds once.
 */
import { newIdempotencyKey, type VippsClient } from '@kasse/vipps'
import { eq, type SQL } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import { requireManager } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { claimDue, dueCheck, releaseAllClaims } from '../db/claims.ts'
import type { Db } from '../db/database.ts'
import { paymentAttempt } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import type { LiveEvents } from '../live/hub.ts'
import { classifyCallError, describeForLog } from '../payments/errors.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import type { WorkLog } from '../payments/service.ts'
import { tillOfSale } from '../payments/store.ts'
import type { Sale, Sales } from '../sales/service.ts'
import { lockSale, takeReceiptNumber } from '../sales/store.ts'
import { canMoveRefund, type RefundState } from './machine.ts'
import { refundShare } from './pricing.ts'
import {
  capturedAttemptOf,
  findRefund,
  heldRefundAmount,
  insertRefund,
  linesOfRefunds,
  lockRefund,
  type RefundChanges,
  type RefundLineRow,
  type RefundRow,
  refundedQuantities,
  refundsOfSale,
  updateRefund,
} from './store.ts'

export type RefundInput = { all: true } | { lines: Array<{ lineId: string; quantity: number }> }

export interface RefundWithLines extends RefundRow {
  lines: RefundLineRow[]
}

const LEASE_MS = 30_000
/** The state whose refunds the sweeper repeats: a call sent, its outcome not yet known. */
const SWEPT_STATES = ['refunding'] as const

/** The customer club's side of a refund (club/service.ts). */
export interface RefundPoints {
  /** Takes back the refund's share of the sale's points, in the transaction that registers the refund. */
  takeBackForRefund(
    tx: Db,
    refund: { id: string; saleId: string; attemptId: string; refundedOnPayment: number },
  ): Promise<void>
}

export class Refunds {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sales: Sales,
    private readonly platform: VippsPlatform,
    private readonly live: LiveEvents,
    private readonly log: WorkLog,
    private readonly claimer: string,
    private readonly points?: RefundPoints,
  ) {}

  /**
   * Refunds the given quantities of the sale's lines (or everything not yet
   * refunded) through ePayment. Manager only. Returns the refund: `refunded`
   * with its return receipt number, `refunding` if the platform's answer was
   * lost (the sweeper completes it), or `failed` with the platform's reason.
   */
  async create(actor: Actor, saleId: string, input: RefundInput): Promise<RefundWithLines> {
    requireManager(actor, 'refund sales')
    const now = this.now()
    const created = await this.db.transaction(async (tx) => {
      const sale = await lockSale(tx, saleId)
      if (!sale || sale.storeId !== actor.storeId) {
        throw new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} in this store`, { field: 'saleId' })
      }
      const attempt = sale.state === 'paid' ? await capturedAttemptOf(tx, saleId) : undefined
      if (!attempt) throw new PosError('SALE_NOT_PAID', 'Only a paid sale can be refunded')
      const full = await this.sales.load(saleId, tx)
      const refunded = await refundedQuantities(tx, saleId)
      const wanted = wantedQuantities(full, refunded, input)
      const lines: RefundLineRow[] = []
      const id = newId('rfd')
      for (const [lineId, quantity] of wanted) {
        const line = full.lines.find((l) => l.id === lineId)!
        const share = refundShare(
          { grossAmount: line.price.grossAmount, vatAmount: line.price.vatAmount, quantity: line.quantity },
          refunded.get(lineId) ?? 0,
          quantity,
        )
        lines.push({ refundId: id, saleLineId: lineId, quantity, ...share })
      }
      const amount = lines.reduce((sum, line) => sum + line.grossAmount, 0)
      if (amount <= 0) {
        throw new PosError('REFUND_TOO_LARGE', 'There is nothing left to refund on these lines', {
          field: 'lines',
        })
      }
      const left = attempt.capturedAmount - (await heldRefundAmount(tx, saleId))
      if (amount > left) {
        throw new PosError('REFUND_TOO_LARGE', `Only ${left} minor units are left to refund on this sale`, {
          field: 'lines',
        })
      }
      await insertRefund(
        tx,
        {
          id,
          saleId,
          attemptId: attempt.id,
          storeId: sale.storeId,
          state: 'refunding',
          currency: attempt.currency,
          amount,
          idempotencyKey: newIdempotencyKey(),
          requestedBy: actor.cashierId,
          claimedBy: this.claimer,
          claimedUntil: new Date(now.getTime() + LEASE_MS),
          nextCheckAt: new Date(now.getTime() + LEASE_MS),
          createdAt: now,
          updatedAt: now,
        },
        lines,
      )
      return id
    })
    await this.send(created)
    return this.withLines((await findRefund(this.db, created))!)
  }

  /** The sale's refunds, oldest first (store-wide: any till may show them). */
  async forSale(actor: Actor, saleId: string): Promise<RefundWithLines[]> {
    await this.saleInStore(actor, saleId)
    const rows = await refundsOfSale(this.db, saleId)
    const lines = await linesOfRefunds(
      this.db,
      rows.map((r) => r.id),
    )
    return rows.map((row) => ({ ...row, lines: lines.filter((l) => l.refundId === row.id) }))
  }

  async get(actor: Actor, saleId: string, refundId: string): Promise<RefundWithLines> {
    await this.saleInStore(actor, saleId)
    const row = await findRefund(this.db, refundId)
    if (!row || row.saleId !== saleId) {
      throw new PosError('REFUND_NOT_FOUND', `The sale has no refund ${refundId}`, { field: 'refundId' })
    }
    return this.withLines(row)
  }

  /** Whether a refund is due now (the worker's look before it sweeps). */
  dueCheck(): SQL {
    return dueCheck('refund', { states: SWEPT_STATES, now: this.now() })
  }

  /** Repeats the calls of refunds whose outcome is unknown (same key: refunded once). */
  async sweep(limit = 10): Promise<number> {
    const ids = await claimDue(this.db, 'refund', {
      claimer: this.claimer,
      states: SWEPT_STATES,
      now: this.now(),
      leaseMs: LEASE_MS,
      limit,
    })
    for (const id of ids) await this.send(id)
    return ids.length
  }

  async releaseClaims(): Promise<void> {
    await releaseAllClaims(this.db, 'refund', this.claimer)
  }

  private async send(id: string): Promise<void> {
    const row = await findRefund(this.db, id)
    if (!row || row.state !== 'refunding') return
    const [attempt] = await this.db.select().from(paymentAttempt).where(eq(paymentAttempt.id, row.attemptId))
    let client: VippsClient
    try {
      client = this.platform.clientFor(attempt!.msn)
      const answer = await client.epayment.refund(
        attempt!.reference,
        { currency: row.currency, value: row.amount },
        { idempotencyKey: row.idempotencyKey },
      )
      await this.settle(id, 'refunded', { attemptRefunded: answer.aggregate.refundedAmount.value })
    } catch (error) {
      const failure = classifyCallError(error)
      if (failure.kind === 'unknown') {
        this.log.warn({ refundId: id, reason: failure.reason }, 'refund outcome unknown; will repeat')
        await this.settle(id, 'refunding', {})
        return
      }
      this.log.warn({ refundId: id, reason: describeForLog(error) }, 'refund refused')
      await this.settle(id, 'failed', { errorCode: failure.error.code, errorMessage: failure.error.message })
    }
  }

  private async settle(
    id: string,
    to: RefundState,
    detail: { attemptRefunded?: number; errorCode?: string; errorMessage?: string },
  ): Promise<void> {
    const now = this.now()
    await this.db.transaction(async (tx) => {
      const row = await lockRefund(tx, id)
      if (!row || row.state !== 'refunding') return
      const changes: RefundChanges = { updatedAt: now, claimedBy: null, claimedUntil: null }
      if (to === 'refunding') {
        changes.nextCheckAt = new Date(now.getTime() + 5_000)
      } else {
        if (!canMoveRefund(row.state, to)) throw new Error(`refund ${id} cannot move to ${to}`)
        changes.state = to
        changes.nextCheckAt = null
        if (to === 'refunded') {
          changes.receiptNumber = await takeReceiptNumber(tx, row.storeId)
          await tx
            .update(paymentAttempt)
            .set({ refundedAmount: detail.attemptRefunded!, updatedAt: now })
            .where(eq(paymentAttempt.id, row.attemptId))
          await this.points?.takeBackForRefund(tx, {
            id,
            saleId: row.saleId,
            attemptId: row.attemptId,
            refundedOnPayment: detail.attemptRefunded!,
          })
        } else {
          changes.errorCode = detail.errorCode ?? null
          changes.errorMessage = detail.errorMessage ?? null
        }
      }
      await updateRefund(tx, id, changes)
      const tillId = await tillOfSale(tx, row.saleId)
      await this.live.notify(tx, { tillId, topic: 'payment', id: row.attemptId })
    })
  }

  private async withLines(row: RefundRow): Promise<RefundWithLines> {
    return { ...row, lines: await linesOfRefunds(this.db, [row.id]) }
  }

  private async saleInStore(actor: Actor, saleId: string): Promise<Sale> {
    const sale = await this.sales.load(saleId).catch(() => undefined)
    if (!sale || sale.storeId !== actor.storeId) {
      throw new PosError('SALE_NOT_FOUND', `There is no sale ${saleId} in this store`, { field: 'saleId' })
    }
    return sale
  }

  private now(): Date {
    return new Date(this.clock.now())
  }
}

/** The quantity to refund per line: everything not yet refunded, or what was asked (checked). */
function wantedQuantities(
  sale: Sale,
  refunded: Map<string, number>,
  input: RefundInput,
): Map<string, number> {
  const wanted = new Map<string, number>()
  if ('all' in input) {
    for (const line of sale.lines) {
      const left = line.quantity - (refunded.get(line.id) ?? 0)
      if (left > 0) wanted.set(line.id, left)
    }
    return wanted
  }
  input.lines.forEach(({ lineId, quantity }, index) => {
    const line = sale.lines.find((l) => l.id === lineId)
    if (!line) {
      throw new PosError('LINE_NOT_FOUND', `The sale has no line ${lineId}`, {
        field: `lines.${index}.lineId`,
      })
    }
    if (wanted.has(lineId)) {
      throw new PosError('VALIDATION_FAILED', 'Each line may appear once', { field: `lines.${index}.lineId` })
    }
    const left = line.quantity - (refunded.get(lineId) ?? 0)
    if (quantity > left) {
      throw new PosError(
        'REFUND_TOO_LARGE',
        left === 0
          ? `${line.name} is already refunded`
          : `Only ${left} of ${line.name} ${left === 1 ? 'is' : 'are'} left to refund`,
        { field: `lines.${index}.quantity` },
      )
    }
    wanted.set(lineId, quantity)
  })
  return wanted
}
