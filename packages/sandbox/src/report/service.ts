/**
 * Settlement on the sandbox platform: every CAPTURED and REFUNDED ePayment
 * event, and every capture and refund of a legacy eCom v2 order, becomes an
 * entry on its merchant's ledger, with a fee per capture on
 * the fees book. At the end of each ledger date (local midnight) the date
 * closes: the day's fees are retained from the funds and, if the balance is
 * positive, all of it is scheduled for payout; the transfer reaches the bank
 * two business days after the ledger date. Time passes only on the sandbox
 * clock: closes and payouts run when it reaches them, and every read first
 * catches up with it, so an answer never depends on a timer having fired.
 */
import type {
  Currency,
  EPaymentWebhookEvent,
  LedgerList,
  ReportFeedPage,
  ReportPage,
  ReportTopic,
} from '@kasse/vipps'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'
import type { EcomMoneyEvent } from '../events.ts'
import { invalidField, ProblemError } from '../http/problem.ts'
import {
  addBusinessDays,
  endOfDate,
  isLedgerDate,
  ledgerDateOf,
  MARKET_FOR_CURRENCY,
  startOfDate,
} from './business-days.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { captureFee, DEFAULT_FEES, type FeeModel } from './fees.ts'
import { ledgerIdFor, ownerFor, payoutBankAccountFor, recipientHandleFor } from './ledger-identity.ts'
import { canMoveDate, type LedgerDateState, movePayout, reportReadable } from './machine.ts'
import {
  append,
  emptyBook,
  type LedgerRecord,
  type LedgerStore,
  MemoryLedgerStore,
  type PayoutRecord,
  type UnbookedEntry,
} from './store.ts'

/** Money a merchant moved, whichever API moved it: what settlement books. */
export interface MoneyMovement {
  kind: 'capture' | 'refund'
  msn: string
  /** The merchant's reference (ePayment) or orderId (eCom). */
  reference: string
  /** Unique per capture or refund. */
  pspReference: string
  /** Minor units, positive. */
  amount: number
  currency: Currency
  /** ISO 8601; the sandbox clock's now when unreadable. */
  timestamp: string
}

/** Rows per page, as the platform documents it. */
export const DEFAULT_PAGE_SIZE = 1000

/** How the Report API writes a time: UTC with microseconds, as in the spec's examples. */
export const entryTime = (instant: number): string => new Date(instant).toISOString().replace(/Z$/, '000Z')

const HANDLE_PATTERN = /^[A-Za-z]+:\S+$/

const ledgerNotFound = (ledgerId: string) =>
  new ProblemError(404, 'Ledger not found', `No ledger ${ledgerId} is available to these API keys`)

/**
 * The settlement domain of one sandbox: books ePayment's money events, closes
 * dates and pays payouts on the clock, and answers the Report API's reads.
 *
 * @example
 * const service = new ReportService(ctx)
 * ctx.events.on('epayment.event', (event) => service.record(event))
 * ctx.events.on('ecom.money', (event) => service.recordEcom(event))
 * service.datePage(merchant, '578123456', 'funds', '2025-03-14') // 404 until Oslo's midnight
 */
export class ReportService {
  private readonly store: LedgerStore = new MemoryLedgerStore()
  private readonly feeModels = new Map<string, FeeModel>()
  /** Rows per page of every list; the control API lowers it so tests can page through a few entries. */
  pageSize = DEFAULT_PAGE_SIZE
  /**
   * No open date closes and no scheduled payout is paid before this instant (a
   * lower bound, exact after each settleDue), so settleDue is O(1) until then.
   */
  private nextDueAt = Number.POSITIVE_INFINITY

  constructor(private readonly ctx: SandboxContext) {}

  /** Books a successful CAPTURED or REFUNDED ePayment event; every other event moves no money. */
  record(event: EPaymentWebhookEvent): void {
    if (!event.success || (event.name !== 'CAPTURED' && event.name !== 'REFUNDED')) return
    this.book({
      kind: event.name === 'CAPTURED' ? 'capture' : 'refund',
      msn: event.msn,
      reference: event.reference,
      pspReference: event.pspReference,
      amount: event.amount.value,
      currency: event.amount.currency,
      timestamp: event.timestamp,
    })
  }

  /**
   * Books an eCom v2 capture or refund exactly like ePayment's: the orderId is
   * the reference and the operation's transaction id the pspReference, as the
   * platform's reports show legacy orders.
   */
  recordEcom(event: EcomMoneyEvent): void {
    this.book({
      kind: event.operation === 'CAPTURE' ? 'capture' : 'refund',
      msn: event.msn,
      reference: event.orderId,
      pspReference: event.transactionId,
      amount: event.amount,
      currency: event.currency,
      timestamp: event.timestamp,
    })
  }

  /** Books money a merchant captured or refunded, once per pspReference, with its fee for a capture. */
  book(movement: MoneyMovement): void {
    const at = Date.parse(movement.timestamp)
    const time = Number.isFinite(at) ? at : this.ctx.clock.now()
    // Close what ended before this event first, so it lands after them in the feed.
    this.settleDue(time)
    const record = this.ensureLedger(movement.msn, movement.currency)
    const key = `${movement.kind} ${movement.pspReference}`
    if (record.booked.has(key)) return
    record.booked.add(key)
    const ledgerDate = this.openDateFor(record, time)
    const { pspReference, reference } = movement
    const entryAt = entryTime(time)
    const recipientHandle = recipientHandleFor(movement.msn)
    // Each entry a fresh literal in its key order, not a spread of a shared part:
    // every capture books here, and spreads made each entry a slow, reshaped object.
    const entry = (entryType: 'capture' | 'refund' | 'capture-fee', amount: number): UnbookedEntry => ({
      pspReference,
      reference,
      time: entryAt,
      ledgerDate,
      recipientHandle,
      entryType,
      amount,
    })
    if (movement.kind === 'refund') {
      append(record, 'funds', entry('refund', -movement.amount))
      return
    }
    append(record, 'funds', entry('capture', movement.amount))
    const fee = captureFee(movement.amount, this.feeModel(movement.msn, record.currency))
    if (fee !== 0) append(record, 'fees', entry('capture-fee', -fee))
  }

  /** Closes every ledger date that has ended and pays every payout that is due, oldest first. */
  settleDue(now: number = this.ctx.clock.now()): void {
    // Every capture and every read comes here; before the next close or payout there is nothing to do.
    if (now < this.nextDueAt) return
    for (const record of this.store.all()) {
      const due = [...record.dates]
        .filter(([date, state]) => state === 'open' && endOfDate(date, record.market.timeZone) <= now)
        .map(([date]) => date)
        .sort()
      for (const date of due) this.close(record, date)
    }
    for (const payout of this.store.payouts()) {
      if (payout.state === 'scheduled' && payout.dueAt <= now) {
        movePayout(payout, 'paid')
        payout.paidAt = payout.dueAt
      }
    }
    this.nextDueAt = this.earliestDue()
  }

  /** `GET /settlement/v1/ledgers`: the merchant's ledgers, optionally only those settling for a handle. */
  ledgers(merchant: Merchant, query: { settlesForRecipientHandles?: string; cursor?: string }): LedgerList {
    const handle = query.settlesForRecipientHandles
    if (handle !== undefined && !HANDLE_PATTERN.test(handle)) {
      throw invalidField('settlesForRecipientHandles', 'must be a handle such as api:123456 or NO:123456')
    }
    this.ensureLedger(merchant.msn, merchant.currency)
    const all = this.store
      .forMsn(merchant.msn)
      .filter((record) => !handle || record.ledger.settlesForRecipientHandles.includes(handle))
    const scope = `ledgers ${merchant.msn} ${handle ?? ''}`
    const start = query.cursor ? decodeCursor(query.cursor, this.store.generation, scope, all.length) : 0
    const page = all.slice(start, start + this.pageSize)
    const end = start + page.length
    // The platform's last page has an empty cursor.
    const cursor = end < all.length ? encodeCursor(this.store.generation, { scope, position: end }) : ''
    return { cursor, items: page.map((record) => record.ledger) }
  }

  /** A page of a ledger date's report; 404 until the date has closed. */
  datePage(
    merchant: Merchant,
    ledgerId: string,
    topic: ReportTopic,
    date: string,
    cursor?: string,
  ): ReportPage {
    if (!isLedgerDate(date)) throw invalidField('ledgerDate', 'must be a calendar date written YYYY-MM-DD')
    const now = this.ctx.clock.now()
    this.settleDue(now)
    const record = this.readable(merchant, ledgerId)
    const closesAt = endOfDate(date, record.market.timeZone)
    const state: LedgerDateState = now >= closesAt ? 'closed' : 'open'
    if (!reportReadable(state)) {
      throw new ProblemError(
        404,
        'Report not ready',
        `The ${topic} report for ${date} is not available until the date closes at ${new Date(closesAt).toISOString()} (midnight ${record.market.timeZone}); try again later`,
      )
    }
    const book = record.books[topic]
    const positions = book.byDate.get(date) ?? []
    const scope = `date ${ledgerId} ${topic} ${date}`
    const start = cursor ? decodeCursor(cursor, this.store.generation, scope, positions.length) : 0
    const items = positions.slice(start, start + this.pageSize).map((position) => book.entries[position]!)
    const end = start + items.length
    const hasMore = end < positions.length
    return {
      // Present only when there is more, as the spec says of the dates endpoint.
      ...(hasMore ? { cursor: encodeCursor(this.store.generation, { scope, position: end }) } : {}),
      hasMore,
      tryLater: false,
      items,
    }
  }

  /**
   * A page of the feed after `cursor`. The cursor is always there; at the end
   * `tryLater` is true and the same cursor gives what comes next.
   */
  feedPage(merchant: Merchant, ledgerId: string, topic: ReportTopic, cursor?: string): ReportFeedPage {
    this.settleDue()
    const record = this.readable(merchant, ledgerId)
    const { entries } = record.books[topic]
    const scope = `feed ${ledgerId} ${topic}`
    const start = cursor ? decodeCursor(cursor, this.store.generation, scope, entries.length) : 0
    const items = entries.slice(start, start + this.pageSize)
    const end = start + items.length
    return {
      cursor: encodeCursor(this.store.generation, { scope, position: end }),
      tryLater: end >= entries.length,
      items,
    }
  }

  /** The fee model charged on the merchant's next captures. */
  feeModel(msn: string, currency?: Currency): FeeModel {
    const merchant = this.ctx.directory.merchant(msn)
    const fallback = DEFAULT_FEES[currency ?? merchant?.currency ?? 'NOK']
    return this.feeModels.get(msn) ?? merchant?.fees ?? fallback
  }

  /** Sets the fee model for the merchant's captures from now on; booked fees stay as they were. */
  setFeeModel(msn: string, model: FeeModel): FeeModel {
    this.merchantOrNotFound(msn)
    const copy = { percentBasisPoints: model.percentBasisPoints, fixedMinorUnits: model.fixedMinorUnits }
    this.feeModels.set(msn, copy)
    return copy
  }

  /** Everything about a merchant's settlement, for people and tests: books, balances, payouts. */
  ledgersOf(msn: string): { records: LedgerRecord[]; payouts: Map<string, PayoutRecord[]> } {
    const merchant = this.merchantOrNotFound(msn)
    this.settleDue()
    this.ensureLedger(merchant.msn, merchant.currency)
    const records = this.store.forMsn(msn)
    return {
      records,
      payouts: new Map(records.map((r) => [r.ledger.ledgerId, this.store.payouts(r.ledger.ledgerId)])),
    }
  }

  /** The sandbox merchant with this MSN, or 404. */
  merchantOrNotFound(msn: string): Merchant {
    const merchant = this.ctx.directory.merchant(msn)
    if (!merchant) throw new ProblemError(404, 'Merchant not found', `No sandbox merchant has MSN ${msn}`)
    return merchant
  }

  /** Forgets every ledger, payout and run-time fee model; cursors given out before stop working. */
  reset(): void {
    this.store.clear()
    this.feeModels.clear()
    this.pageSize = DEFAULT_PAGE_SIZE
    this.nextDueAt = Number.POSITIVE_INFINITY
  }

  /** The ledger, if these keys may read it; another merchant's is as unknown as a missing one. */
  private readable(merchant: Merchant, ledgerId: string): LedgerRecord {
    // The merchant's own ledger exists from the start, before its first sale, as it does when listed.
    const own = ledgerIdFor(merchant.msn, merchant.currency)
    const record =
      ledgerId === own ? this.ensureLedger(merchant.msn, merchant.currency) : this.store.find(ledgerId)
    if (!record?.ledger.settlesForRecipientHandles.includes(recipientHandleFor(merchant.msn))) {
      throw ledgerNotFound(ledgerId)
    }
    return record
  }

  private ensureLedger(msn: string, currency: Currency): LedgerRecord {
    const ledgerId = ledgerIdFor(msn, currency)
    const existing = this.store.find(ledgerId)
    if (existing) return existing
    const market = MARKET_FOR_CURRENCY[currency]
    const record: LedgerRecord = {
      ledger: {
        ledgerId,
        currency,
        payoutBankAccount: payoutBankAccountFor(msn, market.country),
        owner: ownerFor(msn, market.country),
        settlesForRecipientHandles: [recipientHandleFor(msn)],
      },
      msn,
      currency,
      market,
      books: { funds: emptyBook(), fees: emptyBook() },
      dates: new Map(),
      booked: new Set(),
    }
    this.store.add(record)
    return record
  }

  /**
   * The ledger date an entry at `time` lands on: its local date, or the next
   * open one if that has closed ("entries arriving after the cutoff go onto
   * the next date"). Opening a date schedules its close on the clock.
   */
  private openDateFor(record: LedgerRecord, time: number): string {
    const { timeZone } = record.market
    let date = ledgerDateOf(time, timeZone)
    while (record.dates.get(date) === 'closed') date = ledgerDateOf(endOfDate(date, timeZone), timeZone)
    if (!record.dates.has(date)) {
      record.dates.set(date, 'open')
      const closesAt = endOfDate(date, timeZone)
      this.nextDueAt = Math.min(this.nextDueAt, closesAt)
      this.ctx.clock.schedule(closesAt, () => this.settleDue())
    }
    return date
  }

  /** When the next open date closes or the next scheduled payout is paid; infinity when nothing waits. */
  private earliestDue(): number {
    let earliest = Number.POSITIVE_INFINITY
    for (const record of this.store.all()) {
      for (const [date, state] of record.dates) {
        if (state === 'open') earliest = Math.min(earliest, endOfDate(date, record.market.timeZone))
      }
    }
    for (const payout of this.store.payouts()) {
      if (payout.state === 'scheduled') earliest = Math.min(earliest, payout.dueAt)
    }
    return earliest
  }

  /**
   * Closes a ledger date: retains the fees owed from the funds (the same
   * entry, opposite signs, on both books) and, when the funds balance is
   * positive, schedules all of it for payout, as the date's last entry.
   */
  private close(record: LedgerRecord, date: string): void {
    if (!canMoveDate(record.dates.get(date) ?? 'open', 'closed')) return
    record.dates.set(date, 'closed')
    const { ledgerId } = record.ledger
    const { timeZone, country } = record.market
    const closedAt = endOfDate(date, timeZone)
    const time = entryTime(closedAt)
    const owed = -record.books.fees.balance
    if (owed !== 0) {
      const pspReference = `${ledgerId}-fees-${date.replaceAll('-', '')}`
      const retained = { pspReference, time, ledgerDate: date, entryType: 'fees-retained' as const }
      append(record, 'funds', { ...retained, amount: -owed })
      append(record, 'fees', { ...retained, amount: owed })
    }
    const balance = record.books.funds.balance
    // A zero or negative balance pays nothing; it rolls into the next date that pays out.
    if (balance <= 0) return
    const payoutNumber = this.store.nextPayoutNumber()
    const payoutDate = addBusinessDays(date, 2, country)
    const payout: PayoutRecord = {
      payoutNumber,
      pspReference: `${ledgerId}-${payoutNumber}`,
      ledgerId,
      ledgerDate: date,
      amount: balance,
      currency: record.currency,
      scheduledAt: closedAt,
      payoutDate,
      dueAt: startOfDate(payoutDate, timeZone),
      state: 'scheduled',
    }
    append(record, 'funds', {
      pspReference: payout.pspReference,
      // The text the bank transfer carries, so the merchant can find it on the statement.
      reference: `Vipps utbet. ${payoutNumber} Vippsnr ${record.msn}`,
      time,
      ledgerDate: date,
      entryType: 'scheduled-for-payout',
      amount: -balance,
    })
    this.store.addPayout(payout)
    this.nextDueAt = Math.min(this.nextDueAt, payout.dueAt)
    this.ctx.clock.schedule(payout.dueAt, () => this.settleDue())
  }
}
