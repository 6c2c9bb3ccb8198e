/**
 * The till API's answers as the cashier app reads them (the OpenAPI document
 * at /docs/json is the source). Written out here, not imported from the
 * server's schemas, so the browser bundle carries no server code; a type test
 * (test/api-types.check.ts) holds them to the server's schemas.
 */

export type Role = 'cashier' | 'manager'

export interface Session {
  cashier: { id: string; name: string; role: Role }
  till: { posId: string; name: string }
  store: { id: string; name: string; msn: string; currency: string; country: string }
  csrfToken: string
  expiresAt: string
}

export interface Product {
  id: string
  name: string
  barcode: string
  grossPrice: number
  currency: string
  vatRate: number
  active: boolean
}

export type SaleState = 'open' | 'awaiting_payment' | 'paid' | 'voided'

export type LineDiscount = null | { kind: 'amount'; amount: number } | { kind: 'percent'; percent: number }

export interface SaleLine {
  id: string
  productId: string
  name: string
  barcode: string
  /** Including VAT, before discount, in minor units. */
  unitPrice: number
  quantity: number
  /** Percent. */
  vatRate: number
  discount: LineDiscount
  discountAmount: number
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface VatBreakdownEntry {
  vatRate: number
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface SaleCustomer {
  msisdn: string
  /** e.g. +47 123 45 678 */
  display: string
  source: 'typed' | 'qr'
  /** The customer's club membership, checked when the customer is set; `points` is the balance now. */
  member: MemberBadge | null
}

export interface Sale {
  id: string
  posId: string
  state: SaleState
  currency: string
  receiptNumber: number | null
  updatedAt: string
  /** Absent on a till without the payment flow; null before the customer is known. */
  customer?: SaleCustomer | null
  /** Club points the captured payment registered; null until the sale is paid to a member. */
  pointsEarned: number | null
  lines: SaleLine[]
  totals: {
    grossAmount: number
    vatAmount: number
    netAmount: number
    discountAmount: number
    vatBreakdown: VatBreakdownEntry[]
  }
}

export type AttemptState =
  | 'creating'
  | 'unknown'
  | 'waiting_for_customer'
  | 'authorized'
  | 'capturing'
  | 'cancelling'
  | 'captured'
  | 'declined'
  | 'expired'
  | 'cancelled'
  | 'failed'

export interface PaymentAttempt {
  id: string
  saleId: string
  reference: string
  state: AttemptState
  /** The state in the cashier's words, from the till. */
  stateText: string
  amount: number
  currency: string
  customer: { display: string; source: 'typed' | 'qr' } | null
  error?: { code: string; message: string; retryable: boolean }
  updatedAt: string
}

/** Every error the till answers with. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string }
}

export type RefundState = 'refunding' | 'refunded' | 'failed'

/** One sale in the journal (GET /api/sales). */
export interface JournalEntry {
  id: string
  posId: string
  receiptNumber: number | null
  state: SaleState
  currency: string
  grossAmount: number
  vatAmount: number
  openedAt: string
  closedAt: string | null
  customer: { display: string; source: 'typed' | 'qr' } | null
  payment: {
    id: string
    reference: string
    state: AttemptState
    stateText: string
    pspReference: string | null
    amount: number
    capturedAmount: number
    refundedAmount: number
    attempts: number
  } | null
  refunds: Array<{
    id: string
    state: RefundState
    amount: number
    receiptNumber: number | null
    createdAt: string
  }>
  /** The printable receipt, once paid. */
  receiptUrl: string | null
}

export interface Refund {
  id: string
  saleId: string
  state: RefundState
  amount: number
  currency: string
  receiptNumber: number | null
  /** The printable return receipt, once refunded. */
  receiptUrl: string | null
  lines: Array<{ lineId: string; quantity: number; grossAmount: number; vatAmount: number }>
  error?: { code: string; message: string }
}

/** Net, VAT and gross in minor units (takings may be below zero). */
export interface Amounts {
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface CountedAmounts extends Amounts {
  count: number
}

/** A business day's Z report (GET /api/end-of-day/:date), the store's or one till's. */
export interface ZReport {
  scope: { kind: 'store' } | { kind: 'till'; posId: string }
  store: { id: string; name: string; msn: string; currency: string; timeZone: string }
  date: string
  status: 'open' | 'closed'
  closed: { at: string; by: string } | null
  generatedAt: string
  sales: CountedAmounts & { items: number; discountAmount: number }
  refunds: CountedAmounts & { items: number }
  takings: Amounts
  byVatRate: Array<{ vatRate: number; sales: Amounts; refunds: Amounts; takings: Amounts }>
  byCashier: Array<{
    staffNumber: string
    name: string
    sales: CountedAmounts
    refunds: CountedAmounts
    takings: Amounts
  }>
  byTill: Array<{
    posId: string
    name: string
    sales: CountedAmounts
    refunds: CountedAmounts
    takings: Amounts
  }>
  byHour: Array<{ hour: number; sales: number; refunds: number; takings: number }>
  paymentRequestsWithoutPayment: { cancelled: number; declined: number; expired: number; failed: number }
  carriedOver: { sales: number; refunds: number }
}

export type SettlementLineStatus =
  | 'missing-on-platform'
  | 'missing-in-records'
  | 'amount-mismatch'
  | 'matched'
  | 'other-channel'
  | 'fee'
  | 'payout'
  | 'adjustment'

/** One line of the reconciliation: a till record, a ledger entry, or both matched. */
export interface SettlementLine {
  status: SettlementLineStatus
  difference: boolean
  kind: string
  reference: string
  pspReference: string
  currency: string
  recordedAmount: number | null
  settledAmount: number | null
  fee: number | null
  saleId: string | null
  refundId: string | null
  posId: string | null
  receiptNumber: number | null
  time: string | null
}

/** The day's settlement matched with the till (GET /api/reconciliation/:date). */
export interface Settlement {
  date: string
  status: 'not-settled' | 'settling' | 'settled'
  ledgerId: string | null
  differences: number
  recorded: { captures: { count: number; amount: number }; refunds: { count: number; amount: number } }
  totals: {
    captures: number
    refunds: number
    fees: number
    adjustments: number
    expectedPayout: number
    payout: number
    openingBalance: number
    closingBalance: number
  } | null
  otherChannels: { count: number; captures: number; refunds: number; net: number } | null
  lines: SettlementLine[]
}

export type InFlightStatus =
  | 'captured-not-registered'
  | 'approved-not-registered'
  | 'registered-not-captured'
  | 'refunds-differ'
  | 'unknown-to-platform'
  | 'platform-unreachable'
  | 'catching-up'
  | 'in-flight'
  | 'agrees'

/** One payment attempt of the day against the platform (GET /api/in-flight/:date). */
export interface InFlightPayment {
  attemptId: string
  saleId: string
  posId: string
  receiptNumber: number | null
  reference: string
  amount: number
  currency: string
  till: { state: AttemptState; stateText: string; capturedAmount: number; refundedAmount: number }
  platform: {
    state: string
    authorizedAmount: number
    capturedAmount: number
    cancelledAmount: number
    refundedAmount: number
  } | null
  status: InFlightStatus
  difference: boolean
  message: string
  /** What resolving does; null when a person must act. */
  action: 'follow' | 'release' | null
}

// ── The customer club (issue #5) ────────────────────────────────────────────

export interface MemberBadge {
  id: string
  name: string
  points: number
}

export interface MemberSummary {
  id: string
  name: string
  /** e.g. +47 912 34 567 */
  phoneDisplay: string
  points: number
  enrolledAt: string
}

export interface Consent {
  /** The consent's id from delegatedConsents (email, sms, personal, …). */
  id: string
  /** The merchant's consent text as the member saw it. */
  text: string
  accepted: boolean
  answeredAt: string
  withdrawnAt: string | null
}

export interface MemberPurchase {
  saleId: string
  receiptNumber: number
  at: string
  total: number
  currency: string
  pointsEarned: number
  pointsReturned: number
}

export interface PointsEntry {
  at: string
  /** Signed: + earned, − taken back. */
  points: number
  reason: 'purchase' | 'refund'
  saleId: string
  refundId: string | null
}

export interface MemberDetail extends MemberSummary {
  email: string | null
  birthDate: string | null
  /** What the member agreed to share, e.g. ['name', 'phoneNumber', 'email']. */
  sharedData: string[]
  consents: Consent[]
  purchases: MemberPurchase[]
  pointsHistory: PointsEntry[]
}

/** POST /api/club/lookup */
export interface MemberLookup {
  phoneDisplay: string
  member: MemberSummary | null
}

export type EnrolmentState = 'waiting' | 'accepted' | 'declined' | 'expired' | 'cancelled' | 'failed'

export interface Enrolment {
  id: string
  saleId: string | null
  state: EnrolmentState
  phoneDisplay: string
  /** Shown on the phone with the request; the cashier can read it aloud. */
  bindingMessage: string
  startedAt: string
  expiresAt: string
  finishedAt: string | null
  /** Set when accepted. */
  member: MemberSummary | null
  /** Set when failed. */
  error: { code: string; message: string } | null
}
