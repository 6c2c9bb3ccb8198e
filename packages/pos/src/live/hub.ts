/**
 * Live news for the cashiers' screens. A change to a payment or a sale sends
 * a PostgreSQL NOTIFY in the transaction that makes it, naming the till and
 * the thing that changed (never its contents: a notification is visible to
 * every session on the database). Every till process LISTENs, so a webhook
 * that lands on one process reaches the cashier whose screen is connected to
 * another. The subscriber then reads the current state itself, so a missed or
 * repeated notification costs at most a redraw.
 *
 * A transaction run through `transaction` sends one NOTIFY however many
 * things it changed, and may hand this process's subscribers each thing as
 * it wrote it ("current"), which saves them the read: the row is kept here
 * under a token the NOTIFY carries and given out only when that NOTIFY
 * arrives, i.e. after the commit and in commit order among all notices, so a
 * rolled-back change is never shown and a later change never arrives before
 * an earlier one. Other processes (or a notice without it) read as before.
 * On the embedded database (PGlite: one process only) such news needs no
 * NOTIFY at all: it is handed to the subscribers once the transaction has
 * committed.
 */
import { randomBytes } from 'node:crypto'
import { queryRows } from '@kasse/storage'
import type { Db, PosDatabase } from '../db/database.ts'

export const LIVE_CHANNEL = 'kasse_live'

/** Sends a notice (every transaction on PostgreSQL that changes something a screen shows runs it). */
const NOTIFY = 'SELECT pg_notify($1, $2)'

export type LiveTopic = 'payment' | 'sale' | 'enrolment'

export interface LiveNotice {
  tillId: string
  topic: LiveTopic
  /** The payment attempt's, the sale's or the club enrolment's id. */
  id: string
}

/**
 * Hears a notice; `current` is the thing as the announcing transaction wrote
 * it when that transaction ran in this process and passed it, else undefined (read it).
 */
type Listener = (notice: LiveNotice, current?: unknown) => void

/** A notice and, optionally, the thing as the transaction wrote it. */
export interface News {
  notice: LiveNotice
  current?: unknown
}

/** The news of one transaction: each thing once, as the transaction last wrote it. */
export class TransactionNews {
  readonly items: News[] = []

  add(notice: LiveNotice, current?: unknown): void {
    const key = keyOf(notice)
    const earlier = this.items.findIndex((item) => keyOf(item.notice) === key)
    if (earlier >= 0) this.items.splice(earlier, 1)
    this.items.push({ notice, current })
  }
}

/** What one NOTIFY carries: a transaction's notices, and the token of its rows kept in the sending process. */
interface Payload {
  token?: string
  notices: LiveNotice[]
}

/**
 * How many transactions' rows wait for their NOTIFY at most: one whose
 * commit failed never gets it, so the oldest are let go.
 */
const KEPT_CURRENT = 1_000

export class LiveEvents {
  private readonly listeners = new Map<string, Set<Listener>>()
  private unlisten: (() => Promise<void>) | undefined
  /** Tells this process's tokens from another's. */
  private readonly origin = randomBytes(6).toString('hex')
  private sent = 0
  /** The rows of this process's transactions whose NOTIFY has not arrived yet, by token. */
  private readonly current = new Map<string, Map<string, unknown>>()

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
    await this.publish(tx, [{ notice }])
  }

  /**
   * Runs `work` in a transaction of `db` whose news (what `work` adds to its
   * second argument) is announced once, when it commits: on PostgreSQL as one
   * NOTIFY; on the embedded database straight to this process's subscribers.
   */
  async transaction<T>(db: Db, work: (tx: Db, news: TransactionNews) => Promise<T>): Promise<T> {
    const news = new TransactionNews()
    const embedded = this.database.kind === 'pglite'
    const result = await db.transaction(async (tx) => {
      const done = await work(tx, news)
      if (!embedded) await this.publish(tx, news.items)
      return done
    })
    if (embedded)
      this.deliver(
        news.items.map((item) => item.notice),
        (key) => currentOf(news.items, key),
      )
    return result
  }

  /**
   * Announces a transaction's changes in one NOTIFY, delivered when `tx`
   * commits. With `current`, this process's subscribers get that row with
   * the notice instead of reading it (pass it as the transaction wrote it).
   */
  private async publish(tx: Db, news: readonly News[]): Promise<void> {
    if (news.length === 0) return
    const payload: Payload = { notices: news.map((item) => item.notice) }
    const rows = new Map<string, unknown>()
    for (const { notice, current } of news) if (current !== undefined) rows.set(keyOf(notice), current)
    if (rows.size > 0) {
      payload.token = `${this.origin}-${++this.sent}`
      if (this.current.size >= KEPT_CURRENT) this.current.delete(this.current.keys().next().value!)
      this.current.set(payload.token, rows)
    }
    await queryRows(tx, NOTIFY, [LIVE_CHANNEL, JSON.stringify(payload)])
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

  private dispatch(text: string): void {
    let payload: Payload
    try {
      payload = JSON.parse(text) as Payload
    } catch {
      return
    }
    if (!Array.isArray(payload?.notices)) return
    const rows = payload.token === undefined ? undefined : this.current.get(payload.token)
    if (rows) this.current.delete(payload.token!)
    this.deliver(payload.notices, (key) => rows?.get(key))
  }

  private deliver(notices: readonly LiveNotice[], currentFor: (key: string) => unknown): void {
    for (const notice of notices) {
      const current = currentFor(keyOf(notice))
      for (const listener of this.listeners.get(notice.tillId) ?? []) {
        try {
          listener(notice, current)
        } catch {
          // A screen that cannot take the news redraws on its next notice or reconnect; the change stands.
        }
      }
    }
  }
}

function currentOf(news: readonly News[], key: string): unknown {
  return news.find((item) => keyOf(item.notice) === key)?.current
}

/** What a notice names: a topic and an id. */
export function keyOf(notice: Pick<LiveNotice, 'topic' | 'id'>): string {
  return `${notice.topic} ${notice.id}`
}
