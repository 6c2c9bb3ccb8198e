/**
 * The customer club's answers (issue #5), as the contract with the till's
 * club routes describes them. A stand-in for the same types in
 * api-types.ts, which arrive with the server side: the sale's customer gains
 * its member badge and the sale the points it earned (declared onto
 * api-types.ts's Sale and SaleCustomer below).
 */

export interface MemberBadge {
  id: string
  name: string
  /** The balance now. */
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
  /** The consent's id from the platform's delegatedConsents. */
  id: string
  /** The merchant's consent text as the customer saw it. */
  text: string
  /** The customer's answer at enrolment. */
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
  /** The scopes the member agreed to share, e.g. ['name', 'phoneNumber', 'email']. */
  sharedData: string[]
  consents: Consent[]
  purchases: MemberPurchase[]
  pointsHistory: PointsEntry[]
}

export type EnrolmentState = 'waiting' | 'accepted' | 'declined' | 'expired' | 'cancelled' | 'failed'

export interface Enrolment {
  id: string
  saleId: string | null
  state: EnrolmentState
  phoneDisplay: string
  /** What the customer's phone shows, for the cashier to read aloud. */
  bindingMessage: string
  startedAt: string
  expiresAt: string
  finishedAt: string | null
  /** Set when accepted. */
  member: MemberSummary | null
  /** Set when failed. */
  error: { code: string; message: string } | null
}

declare module './api-types.ts' {
  interface SaleCustomer {
    /** The customer's club membership, checked whenever the customer is set. */
    member?: MemberBadge | null
  }
  interface Sale {
    /** Null until the sale is paid by a member; then the points registered for it. */
    pointsEarned?: number | null
  }
}
