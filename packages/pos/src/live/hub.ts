/**
 * Live news for the cashiers' screens. A change to a payment or a sale sends
 * a PostgreSQL NOTIFY in the transaction that makes it, naming the till and
 * the thing that changed (never its contents: a notification is visible to
 * every session on the database). Every till process LISTENs, so a webhook
 * that lands on one process reaches the cashier whose screen is connected to
 * another. The subscriber then reads the current state itself, so a missed or
 * repeated notification costs at most a redraw.
 */
import { sql } from 'drizzle-orm'
import type { Db, PosDatabase } from '../db/database.ts'

export const LIVE_CHANNEL = 'kasse_live'

export type LiveTopic = 'payment' | 'sale' | 'enrolment'

export interface LiveNotice {
  tillId: string
  topic: LiveTopic
  /** The payment attempt's, the sale's or the club enrolment's id. */
  id: string
}

type Listener = (notice: LiveNotice) => void

export class LiveEvents {
  private readonly listeners = new Map<string, Set<Listener>>()
  private unlisten: (() => Promise<void>) | undefined

  constructor(private readonly database: PosDatabase) {}

  /** Starts listening for notifications from every process (this one included). */
  async start(): Promise<void> {
    if (this.unlisten) return
    this.unlisten = await this.database.listen(LIVE_CHANNEL, (payload) => this.dispatch(payload))
  }

  async close(): Promise<void> {
    const unlisten = this.unlisten
    this.unlisten = undefined
    this.listeners.clear()
    await unlisten?.()
  }

  /**
   * Announces a change, delivered when `tx` commits. Pass the transaction that
   * makes the change.
   */
  async notify(tx: Db, notice: LiveNotice): Promise<void> {
    await tx.execute(sql`SELECT pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(notice)})`)
  }

  /** Calls `listener` for every notice about `tillId` until the returned function is called. */
  subscribe(tillId: string, listener: Listener): () => void {
    let forTill = this.listeners.get(tillId)
    if (!forTill) {
      forTill = new Set()
      this.listeners.set(tillId, forTill)
    }
    forTill.add(listener)
    return () => {
      forTill.delete(listener)
      if (forTill.size === 0 && this.listeners.get(tillId) === forTill) this.listeners.delete(tillId)
    }
  }

  private dispatch(payload: string): void {
    let notice: LiveNotice
    try {
      notice = JSON.parse(payload) as LiveNotice
    } catch {
      return
    }
    for (const listener of this.listeners.get(notice.tillId) ?? []) listener(notice)
  }
}
