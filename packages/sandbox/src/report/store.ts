/**
 * Where the sandbox keeps settlement: ledgers with their two books (funds and
 * fees), each an append-only list of entries indexed by ledger date, and the
 * payouts. In memory, behind a small interface. Balances are kept here, by the
 * one function that appends, so every entry's balanceBefore is the previous
 * entry's balanceAfter and balanceAfter = balanceBefore + amount, to the øre.
 */
import { randomBytes } from 'node:crypto'
import type { Currency, Ledger, LedgerEntry, ReportTopic } from '@kasse/vipps'
import type { Market } from './business-days.ts'
import type { LedgerDateState, PayoutState } from './machine.ts'

/** One topic of a ledger: its entries in the order booked (the feed) and by ledger date. */
export interface TopicBook {
  readonly entries: LedgerEntry[]
  /** Positions in `entries` for each ledger date, in order. */
  readonly byDate: Map<string, number[]>
  /** The balance after the last entry; 0 before the first. */
  balance: number
}

export interface LedgerRecord {
  /** As `GET /settlement/v1/ledgers` shows it. */
  readonly ledger: Ledger
  readonly msn: string
  readonly currency: Currency
  readonly market: Market
  readonly books: Record<ReportTopic, TopicBook>
  /** The ledger dates that have entries, and whether each has closed. */
  readonly dates: Map<string, LedgerDateState>
  /** The captures and refunds already booked (kind and pspReference): a repeated event books nothing. */
  readonly booked: Set<string>
}

export interface PayoutRecord {
  /** Sequential per sandbox, as the platform numbers payouts. */
  readonly payoutNumber: number
  /** `<ledgerId>-<payoutNumber>`, as on the `scheduled-for-payout` entry. */
  readonly pspReference: string
  readonly ledgerId: string
  /** The ledger date whose close decided the payout; it covers that date and any unpaid before it. */
  readonly ledgerDate: string
  /** What leaves the ledger for the bank, positive, in minor units. */
  readonly amount: number
  readonly currency: Currency
  /** When it was decided: the close of `ledgerDate`. */
  readonly scheduledAt: number
  /** The business day the bank transfer happens: two business days after `ledgerDate`. */
  readonly payoutDate: string
  /** The start of `payoutDate` in the merchant's time zone, when it becomes paid. */
  readonly dueAt: number
  state: PayoutState
  paidAt?: number
}

/** An entry before booking: the book sets its currency and balances. */
export type UnbookedEntry = Omit<LedgerEntry, 'currency' | 'balanceBefore' | 'balanceAfter'>

/**
 * Books an entry on a topic: the only way entries are made, so the balances
 * always add up. The entry, a fresh object from the caller, is completed in
 * place (currency and balances after its own fields) rather than copied.
 */
export function append(record: LedgerRecord, topic: ReportTopic, entry: UnbookedEntry): LedgerEntry {
  if (!Number.isSafeInteger(entry.amount)) throw new RangeError('amounts are whole minor units')
  const book = record.books[topic]
  const booked = entry as LedgerEntry
  booked.currency = record.currency
  booked.balanceBefore = book.balance
  booked.balanceAfter = book.balance + entry.amount
  book.balance = booked.balanceAfter
  let positions = book.byDate.get(booked.ledgerDate)
  if (!positions) {
    positions = []
    book.byDate.set(booked.ledgerDate, positions)
  }
  positions.push(book.entries.length)
  book.entries.push(booked)
  return booked
}

export const emptyBook = (): TopicBook => ({ entries: [], byDate: new Map(), balance: 0 })

export interface LedgerStore {
  /** Changes on every clear, so cursors from before a reset are recognised. */
  readonly generation: string
  find(ledgerId: string): LedgerRecord | undefined
  add(record: LedgerRecord): void
  /** The MSN's ledgers, oldest first. */
  forMsn(msn: string): LedgerRecord[]
  all(): LedgerRecord[]
  addPayout(payout: PayoutRecord): void
  /** Payouts, oldest first; of one ledger when given. */
  payouts(ledgerId?: string): PayoutRecord[]
  /** The next payout number. */
  nextPayoutNumber(): number
  clear(): void
}

/** Payout numbers start here, like the platform's seven-digit ones. */
const FIRST_PAYOUT_NUMBER = 2_000_001

export class MemoryLedgerStore implements LedgerStore {
  generation = randomBytes(6).toString('hex')
  private ledgers = new Map<string, LedgerRecord>()
  private payoutList: PayoutRecord[] = []
  private payoutNumber = FIRST_PAYOUT_NUMBER

  find(ledgerId: string): LedgerRecord | undefined {
    return this.ledgers.get(ledgerId)
  }

  add(record: LedgerRecord): void {
    this.ledgers.set(record.ledger.ledgerId, record)
  }

  forMsn(msn: string): LedgerRecord[] {
    return this.all().filter((record) => record.msn === msn)
  }

  all(): LedgerRecord[] {
    return [...this.ledgers.values()]
  }

  addPayout(payout: PayoutRecord): void {
    this.payoutList.push(payout)
  }

  payouts(ledgerId?: string): PayoutRecord[] {
    return ledgerId ? this.payoutList.filter((p) => p.ledgerId === ledgerId) : [...this.payoutList]
  }

  nextPayoutNumber(): number {
    return this.payoutNumber++
  }

  clear(): void {
    this.ledgers.clear()
    this.payoutList = []
    this.payoutNumber = FIRST_PAYOUT_NUMBER
    this.generation = randomBytes(6).toString('hex')
  }
}
