/**
 * Where the sandbox keeps ePayment payments: in memory, behind a small
 * interface, with O(1) lookups by MSN and reference and by landing token, and
 * an index of the payments on each user's phone.
 */
import type {
  CreatePaymentRequest,
  Currency,
  ModificationResponse,
  PaymentEvent,
  PaymentState,
  UserFlow,
} from '@kasse/vipps'
import type { Money } from './machine.ts'

/** A result kept for an Idempotency-Key, replayed when the same request comes again. */
export interface Replay {
  /** What identifies the request (its amount, its flag); another request under the key is a conflict. */
  fingerprint: string
  body: ModificationResponse
}

/** One payment as the sandbox holds it. Only the service changes it. */
export interface PaymentRecord {
  /** Creation order across the sandbox, for newest-first listings. */
  readonly seq: number
  readonly msn: string
  readonly reference: string
  readonly pspReference: string
  readonly currency: Currency
  /** The amount the payment was created for, in minor units. */
  readonly value: number
  readonly userFlow: UserFlow
  /** The create request as sent: kept (never copied) for idempotent replays and for the phone. */
  readonly request: CreatePaymentRequest
  /** The create's Idempotency-Key, echoed on the lifecycle events. */
  readonly createKey: string
  readonly createdAt: number
  readonly expiresAt: number
  /** The token in the landing, QR or deeplink URL; absent for PUSH_MESSAGE. */
  readonly token?: string
  readonly redirectUrl?: string
  state: PaymentState
  money: Money
  authorizedAt?: number
  /** The user whose phone shows the payment, once known. */
  msisdn?: string
  /** The pseudonymous user id, once the user approved a payment that asked for a profile scope. */
  sub?: string
  readonly events: PaymentEvent[]
  /** Accepted capture/cancel/refund results by operation and Idempotency-Key. */
  readonly replays: Map<string, Replay>
}

export interface PaymentStore {
  find(msn: string, reference: string): PaymentRecord | undefined
  findByToken(token: string): PaymentRecord | undefined
  add(payment: PaymentRecord): void
  /** Puts the payment on a user's phone (taking it off another's); returns the previous user. */
  assign(payment: PaymentRecord, msisdn: string): string | undefined
  /** The payments on a user's phone, newest first. */
  forUser(msisdn: string): PaymentRecord[]
  /** Every payment, newest first. */
  all(): PaymentRecord[]
  clear(): void
}

const newestFirst = (a: PaymentRecord, b: PaymentRecord) => b.seq - a.seq

export class MemoryPaymentStore implements PaymentStore {
  private byMsn = new Map<string, Map<string, PaymentRecord>>()
  private byToken = new Map<string, PaymentRecord>()
  private byUser = new Map<string, Set<PaymentRecord>>()

  find(msn: string, reference: string): PaymentRecord | undefined {
    return this.byMsn.get(msn)?.get(reference)
  }

  findByToken(token: string): PaymentRecord | undefined {
    return this.byToken.get(token)
  }

  add(payment: PaymentRecord): void {
    let references = this.byMsn.get(payment.msn)
    if (!references) {
      references = new Map()
      this.byMsn.set(payment.msn, references)
    }
    references.set(payment.reference, payment)
    if (payment.token) this.byToken.set(payment.token, payment)
    if (payment.msisdn) this.userSet(payment.msisdn).add(payment)
  }

  assign(payment: PaymentRecord, msisdn: string): string | undefined {
    const previous = payment.msisdn
    if (previous === msisdn) return previous
    if (previous) this.byUser.get(previous)?.delete(payment)
    payment.msisdn = msisdn
    this.userSet(msisdn).add(payment)
    return previous
  }

  forUser(msisdn: string): PaymentRecord[] {
    return [...(this.byUser.get(msisdn) ?? [])].sort(newestFirst)
  }

  all(): PaymentRecord[] {
    const payments: PaymentRecord[] = []
    for (const references of this.byMsn.values()) payments.push(...references.values())
    return payments.sort(newestFirst)
  }

  clear(): void {
    this.byMsn.clear()
    this.byToken.clear()
    this.byUser.clear()
  }

  private userSet(msisdn: string): Set<PaymentRecord> {
    let set = this.byUser.get(msisdn)
    if (!set) {
      set = new Set()
      this.byUser.set(msisdn, set)
    }
    return set
  }
}
