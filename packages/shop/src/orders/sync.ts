/**
 * The status sync: the owner of everything the shop does not know yet. It
 * looks up orders still waiting for payment (a webhook or callback may never
 * come: the platform requires polling too) and sends open money operations
 * again with their stored keys. Runs on a timer in a running shop; tests call
 * `sweep` when they want it.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { REQUESTED_GRACE_MS } from './operations.ts'
import type { Orders } from './service.ts'
import { openOperations, ordersAwaitingPayment } from './store.ts'

export interface SweepResult {
  orders: number
  operations: number
}

export interface StatusSyncOptions {
  /** An order waiting this long since it last changed is looked up. Default 5 s. */
  pendingAfterMs?: number
}

export class StatusSync {
  private readonly pendingAfterMs: number
  private running: Promise<SweepResult> | undefined

  constructor(
    private readonly db: ShopDb,
    private readonly orders: Orders,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    options: StatusSyncOptions = {},
  ) {
    this.pendingAfterMs = options.pendingAfterMs ?? 5_000
  }

  /** One pass over what is open; a pass already running is joined, not doubled. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async pass(): Promise<SweepResult> {
    const now = this.clock.now()
    const orderIds = await ordersAwaitingPayment(this.db, new Date(now - this.pendingAfterMs))
    for (const id of orderIds) {
      await this.orders.refreshPayment(id).catch((error: unknown) => this.failed('order', error))
    }
    const operations = await openOperations(this.db, new Date(now - REQUESTED_GRACE_MS))
    for (const op of operations) {
      await this.orders.resend(op.id).catch((error: unknown) => this.failed('operation', error))
    }
    return { orders: orderIds.length, operations: operations.length }
  }

  /**
   * Sweeps every `intervalMs` until the returned function is called.
   *
   * @example
   * const stop = sync.start(5_000)
   * await app.close(); stop()
   */
  start(intervalMs: number): () => void {
    const timer = setInterval(() => void this.sweep(), intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  private failed(what: string, error: unknown): void {
    // Only the kind of failure: a message may carry a name or an address.
    this.log.error({ err: { type: (error as Error)?.name, what } }, 'status sync step failed')
  }
}
