/**
 * Report API v2 and settlement ledgers (production only on the real platform):
 * what was settled, for reconciliation. Everything here is a read, retried
 * freely. Pages are linked by opaque cursors; the iterators follow them.
 */
import {
  type Ledger,
  LedgerList,
  ReportFeedPage,
  type ReportPage,
  ReportPage as ReportPageSchema,
  type ReportTopic,
} from '../schemas/report.ts'
import type { CallOptions } from './config.ts'
import type { Transport } from './transport.ts'

/** A day's report: `complete` is false while the day is still open (`tryLater`). */
export type DateReport =
  | { status: 'not-ready' }
  | { status: 'ready'; complete: boolean; entries: ReportPage['items'] }

export interface FeedOptions extends CallOptions {
  /** Where to resume: the `cursor` of the last page processed. Default: the feed's start. */
  cursor?: string
  /** At the end, wait and keep reading instead of stopping. Default false. */
  follow?: boolean
  /** The wait at the end when following; the platform asks for at least 1 s. Default 5 s. */
  pollIntervalMs?: number
}

export class ReportApi {
  constructor(private readonly transport: Transport) {}

  /** One page of the ledgers these keys may read. */
  async ledgers(
    query: { settlesForRecipientHandles?: string; cursor?: string } = {},
    options: CallOptions = {},
  ): Promise<LedgerList> {
    const reply = await this.transport.send({
      operation: 'report.ledgers',
      method: 'GET',
      path: '/settlement/v1/ledgers',
      query,
      auth: 'merchant-no-msn',
      retry: 'safe',
      success: [200],
      schema: LedgerList,
      options,
    })
    return reply.body as LedgerList
  }

  /**
   * Every ledger, across pages.
   *
   * @example
   * for await (const ledger of client.report.allLedgers({ settlesForRecipientHandles: 'api:123456' })) …
   */
  async *allLedgers(
    query: { settlesForRecipientHandles?: string } = {},
    options: CallOptions = {},
  ): AsyncGenerator<Ledger> {
    let cursor: string | undefined
    do {
      const page = await this.ledgers({ ...query, ...(cursor ? { cursor } : {}) }, options)
      yield* page.items
      cursor = page.cursor || undefined
    } while (cursor)
  }

  /** One page of the report for a ledger date; `undefined` when the day's report is not there yet (404). */
  async datePage(
    ledgerId: string,
    topic: ReportTopic,
    ledgerDate: string,
    cursor?: string,
    options: CallOptions = {},
  ): Promise<ReportPage | undefined> {
    const reply = await this.transport.send({
      operation: `report.${topic}.date`,
      method: 'GET',
      path: `/report/v2/ledgers/${encodeURIComponent(ledgerId)}/${topic}/dates/${encodeURIComponent(ledgerDate)}`,
      query: { cursor },
      auth: 'merchant-no-msn',
      retry: 'safe',
      success: [200],
      passthrough: [404],
      schema: ReportPageSchema,
      options,
    })
    return reply.status === 404 ? undefined : (reply.body as ReportPage)
  }

  /**
   * The whole report for a ledger date (`YYYY-MM-DD`), every page. Poll again
   * later while it is `not-ready` or not `complete`.
   *
   * @example
   * const day = await client.report.forDate(ledgerId, 'funds', '2025-03-14')
   * if (day.status === 'ready' && day.complete) reconcile(day.entries)
   */
  async forDate(
    ledgerId: string,
    topic: ReportTopic,
    ledgerDate: string,
    options: CallOptions = {},
  ): Promise<DateReport> {
    const entries: ReportPage['items'] = []
    let cursor: string | undefined
    let complete = true
    for (;;) {
      const page = await this.datePage(ledgerId, topic, ledgerDate, cursor, options)
      if (!page) return { status: 'not-ready' }
      entries.push(...page.items)
      if (page.tryLater) complete = false
      if (!page.hasMore || !page.cursor) return { status: 'ready', complete, entries }
      cursor = page.cursor || cursor
    }
  }

  /** One page of the feed after `cursor` (from the start without one). */
  async feedPage(
    ledgerId: string,
    topic: ReportTopic,
    cursor?: string,
    options: CallOptions = {},
  ): Promise<ReportFeedPage> {
    const reply = await this.transport.send({
      operation: `report.${topic}.feed`,
      method: 'GET',
      path: `/report/v2/ledgers/${encodeURIComponent(ledgerId)}/${topic}/feed`,
      query: { cursor },
      auth: 'merchant-no-msn',
      retry: 'safe',
      success: [200],
      schema: ReportFeedPage,
      options,
    })
    return reply.body as ReportFeedPage
  }

  /**
   * The feed, page by page, from `cursor`. Ends at the end of the feed (an empty
   * page or `tryLater`) unless `follow` is set, in which case it waits and reads
   * on. Each page's `cursor` resumes after it: store it once the page is processed.
   *
   * @example
   * for await (const page of client.report.feed(ledgerId, 'funds', { cursor: saved })) {
   *   await book(page.items)
   *   await saveCursor(page.cursor)
   * }
   */
  async *feed(
    ledgerId: string,
    topic: ReportTopic,
    options: FeedOptions = {},
  ): AsyncGenerator<ReportFeedPage> {
    let cursor = options.cursor
    const pause = Math.max(1_000, options.pollIntervalMs ?? 5_000)
    for (;;) {
      const page = await this.feedPage(ledgerId, topic, cursor, options)
      if (page.items.length > 0) yield page
      cursor = page.cursor || cursor
      if (page.tryLater || page.items.length === 0) {
        if (!options.follow) return
        await this.transport.sleep(pause, options.signal)
      }
    }
  }
}
