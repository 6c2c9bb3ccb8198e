/**
 * Where the sandbox keeps eCom orders and the consents users gave in express
 * checkout: in memory, with O(1) lookups by MSN and orderId and by landing
 * token, and an index of the orders on each user's phone.
 */
import type {
  EcomAddress,
  EcomInitiatePaymentRequest,
  EcomShippingOption,
  EcomTransactionLogEntry,
  EcomUserDetails,
} from '@kasse/vipps'
import type { EcomMoney, EcomOrderState } from './machine.ts'

/**
 * Where an express order's shipping options stand. The merchant is asked once
 * the user (and so the address) is known, unless it gave static options.
 */
export const SHIPPING_STATUSES = ['awaiting-user', 'fetching', 'ready', 'failed'] as const
export type ShippingStatus = (typeof SHIPPING_STATUSES)[number]

export interface ShippingOffer {
  status: ShippingStatus
  /** As the merchant gave them, in its order; views sort them by priority. */
  options: EcomShippingOption[]
  /** Why there are no options: the merchant's answer or its absence, in the app's words and ours. */
  error?: string
}

/** An accepted request's answer, replayed for a repeat with the same X-Request-Id. */
export interface Replay {
  /** What identifies the request; another request under the same id is refused. */
  fingerprint: string
  body: unknown
}

/** One order as the sandbox holds it. Only the service changes it. */
export interface EcomOrderRecord {
  /** Creation order across the sandbox, for newest-first listings. */
  readonly seq: number
  readonly msn: string
  readonly orderId: string
  /** The initiate request as sent (validated, never copied). */
  readonly request: EcomInitiatePaymentRequest
  readonly express: boolean
  /** The amount initiated, in øre, without shipping. */
  readonly amount: number
  /** The id of the INITIATE and RESERVE entries and of the callback, as on the platform. */
  readonly transactionId: string
  /** The token in the landing or deeplink URL. */
  readonly token: string
  readonly url: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly initiateRequestId?: string
  state: EcomOrderState
  money: EcomMoney
  /** The user whose phone shows the order, once known. */
  msisdn?: string
  /** Express only. */
  shipping?: ShippingOffer
  /** The option the user approved with (express). */
  chosen?: EcomShippingOption
  /** What the user shared with the merchant by approving an express order: who, and where to ship. */
  shared?: { user: EcomUserDetails; address: EcomAddress }
  /** For userinfo, once approved with a `scope`. */
  sub?: string
  /** Oldest first; the API shows it newest first. */
  readonly log: EcomTransactionLogEntry[]
  /** Accepted writes by endpoint and X-Request-Id. */
  readonly replays: Map<string, Replay>
}

/** A user's consent to share their profile with a merchant, given by approving an express order. */
export interface EcomConsent {
  readonly msisdn: string
  readonly msn: string
  readonly userId: string
  /** From the latest express order the user approved at this merchant. */
  consentRemovalPrefix: string
  authToken?: string
  givenAt: number
}

const orderKey = (msn: string, orderId: string) => `${msn}\n${orderId}`

export class EcomStore {
  private orders = new Map<string, EcomOrderRecord>()
  private tokens = new Map<string, EcomOrderRecord>()
  private phones = new Map<string, Set<EcomOrderRecord>>()
  private consentsByUser = new Map<string, Map<string, EcomConsent>>()

  find(msn: string, orderId: string): EcomOrderRecord | undefined {
    return this.orders.get(orderKey(msn, orderId))
  }

  findByToken(token: string): EcomOrderRecord | undefined {
    return this.tokens.get(token)
  }

  add(order: EcomOrderRecord): void {
    this.orders.set(orderKey(order.msn, order.orderId), order)
    this.tokens.set(order.token, order)
  }

  /** Puts the order on a user's phone, taking it off another's; returns the previous user. */
  assign(order: EcomOrderRecord, msisdn: string): string | undefined {
    const previous = order.msisdn
    if (previous === msisdn) return previous
    if (previous) this.phones.get(previous)?.delete(order)
    order.msisdn = msisdn
    entryOf(this.phones, msisdn, () => new Set()).add(order)
    return previous
  }

  /** The orders on a user's phone, newest first. */
  forUser(msisdn: string): EcomOrderRecord[] {
    return newestFirst([...(this.phones.get(msisdn) ?? [])])
  }

  /** Every order, newest first. */
  all(): EcomOrderRecord[] {
    return newestFirst([...this.orders.values()])
  }

  /** Records (or renews) a user's consent towards a merchant. */
  saveConsent(consent: EcomConsent): void {
    entryOf(this.consentsByUser, consent.msisdn, () => new Map()).set(consent.msn, consent)
  }

  consents(msisdn: string): EcomConsent[] {
    return [...(this.consentsByUser.get(msisdn)?.values() ?? [])]
  }

  /** Forgets a consent; returns it, or undefined when there was none. */
  removeConsent(msisdn: string, msn: string): EcomConsent | undefined {
    const consent = this.consentsByUser.get(msisdn)?.get(msn)
    if (consent) this.consentsByUser.get(msisdn)?.delete(msn)
    return consent
  }

  clear(): void {
    this.orders.clear()
    this.tokens.clear()
    this.phones.clear()
    this.consentsByUser.clear()
  }
}

const newestFirst = (orders: EcomOrderRecord[]) => orders.sort((a, b) => b.seq - a.seq)

/** The value under `key`, made and stored first when there is none. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
