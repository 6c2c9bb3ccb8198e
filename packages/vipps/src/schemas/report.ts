/**
 * Report API v2 and settlement ledgers, written from specs/report-v2.yaml 2.0
 * and research/vipps-api.md §7. Amounts are integers in minor units; a ledger
 * date is a settlement day in the merchant's time zone (YYYY-MM-DD).
 *
 * The spec marks nothing required; the schemas require what every answer has
 * in the spec's examples and descriptions, so a missing field is drift.
 */
import { type Static, Type } from '@sinclair/typebox'

export const REPORT_TOPICS = ['funds', 'fees'] as const
/** `funds`: sales, refunds and fee totals; `fees`: each fee charged. */
export type ReportTopic = (typeof REPORT_TOPICS)[number]

export const LEDGER_DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'

export const REPORT_ENTRY_TYPES = [
  'capture',
  'refund',
  'fees-retained',
  'fees-invoiced',
  'scheduled-for-payout',
  'payout-aborted',
  'retained-disputed-capture',
  'returned-disputed-capture',
  'correction',
  'capture-fee',
  'top-up',
  // Not in spec 2.0's enum, but listed by the live entry-type reference
  // (developer.vippsmobilepay.com …/report-api/api-guide/entry-types): the payout
  // entry under its newer name, and credits against top-up and fee invoices.
  'payout-scheduled',
  'credit-note',
] as const
export type ReportEntryType = (typeof REPORT_ENTRY_TYPES)[number]

export const BankAccount = Type.Object({
  /** e.g. `BBAN:NO` */
  scheme: Type.String(),
  id: Type.String(),
})

export const LedgerOwner = Type.Object({
  /** `business:NO:ORG`, `business:DK:CVR` or `business:FI:Y-tunnus`. */
  scheme: Type.String(),
  id: Type.String(),
})

/** One settlement account. `settlesForRecipientHandles` are `api:{msn}` for ePayment/eCom sales units. */
export const Ledger = Type.Object({
  ledgerId: Type.String({ minLength: 1 }),
  /** In the spec's example though not its schema. */
  currency: Type.Optional(Type.String()),
  payoutBankAccount: BankAccount,
  owner: LedgerOwner,
  settlesForRecipientHandles: Type.Array(Type.String()),
})
export type Ledger = Static<typeof Ledger>

/** `GET /settlement/v1/ledgers`; `cursor` is empty or absent on the last page. */
export const LedgerList = Type.Object({
  cursor: Type.Optional(Type.String()),
  items: Type.Array(Ledger),
})
export type LedgerList = Static<typeof LedgerList>

/** One ledger entry. Payout and fee rows have no payment, so no `reference`/`pspReference`. */
export const LedgerEntry = Type.Object({
  pspReference: Type.Optional(Type.String()),
  time: Type.String(),
  ledgerDate: Type.String({ pattern: LEDGER_DATE_PATTERN }),
  entryType: Type.Union(REPORT_ENTRY_TYPES.map((t) => Type.Literal(t))),
  reference: Type.Optional(Type.String()),
  currency: Type.String(),
  amount: Type.Integer(),
  balanceBefore: Type.Integer(),
  balanceAfter: Type.Integer(),
  /** The sales unit, e.g. `NO:123455`. */
  recipientHandle: Type.Optional(Type.String()),
})
export type LedgerEntry = Static<typeof LedgerEntry>

/**
 * A page of a report. By date: `hasMore` says whether to fetch `cursor` next, and
 * `tryLater` that the day is not closed yet. Feed: `cursor` is always there;
 * `tryLater` marks the end of the feed for now.
 */
export const ReportPage = Type.Object({
  cursor: Type.Optional(Type.String()),
  hasMore: Type.Optional(Type.Boolean()),
  tryLater: Type.Optional(Type.Boolean()),
  items: Type.Array(LedgerEntry),
})
export type ReportPage = Static<typeof ReportPage>

/** The Report API's 500 body (not RFC 7807). */
export const ReportServerError = Type.Object({
  errorCode: Type.Optional(Type.Number()),
  errorMessage: Type.Optional(Type.String()),
  contextId: Type.Optional(Type.String()),
})
export type ReportServerError = Static<typeof ReportServerError>

/** A feed page: the same, but the cursor is always there (to resume from, even at the end). */
export const ReportFeedPage = Type.Object({ ...ReportPage.properties, cursor: Type.String() })
export type ReportFeedPage = Static<typeof ReportFeedPage>
