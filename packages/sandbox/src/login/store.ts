/**
 * Where the sandbox keeps logins: in memory, behind a small interface, with
 * O(1) lookups by auth_req_id, by the redirect flow's code and by access
 * token, and an index of the logins on each user's phone.
 */
import type { ConsentId, MerchantConsentTexts } from '../config.ts'
import type { LoginState } from './machine.ts'
import type { GrantableScope } from './scopes.ts'

/** One login as the sandbox holds it. Only the service changes it. */
export interface LoginRecord {
  /** Start order across the sandbox, for newest-first listings. */
  readonly seq: number
  readonly authReqId: string
  readonly msn: string
  /** The client that started it; only that client may redeem it. */
  readonly clientId: string
  readonly msisdn: string
  /** The scopes asked for, in the order given; consent is all or nothing. */
  readonly scopes: readonly GrantableScope[]
  readonly bindingMessage?: string
  /** The client's `state`, echoed nowhere in CIBA but kept for the control API. */
  readonly clientState?: string
  readonly nonce?: string
  /** The `login_to_webpage` flow: where the browser goes once the user accepts. */
  readonly redirectUri?: string
  readonly createdAt: number
  readonly expiresAt: number
  /** The consent screen as the user was shown it, when the login asks for `delegatedConsents`. */
  readonly consentScreen?: MerchantConsentTexts
  state: LoginState
  /** Seconds the client must leave between polls; grows with each `slow_down`. */
  interval: number
  lastPolledAt?: number
  /** When the user accepted or rejected. */
  answeredAt?: number
  /** The user's answers to the consent screen, once accepted. */
  consents?: Record<ConsentId, boolean>
  /** The redirect flow's single-use code, once accepted. */
  code?: string
  /** The user access token issued on redemption, and when it stops working. */
  accessToken?: string
  accessTokenExpiresAt?: number
}

export interface LoginStore {
  get(authReqId: string): LoginRecord | undefined
  byCode(code: string): LoginRecord | undefined
  byAccessToken(token: string): LoginRecord | undefined
  add(login: LoginRecord): void
  /** Indexes a code or access token just set on the login. */
  index(login: LoginRecord): void
  /** The logins sent to a user, newest first. */
  forUser(msisdn: string): LoginRecord[]
  /** Every login, newest first. */
  all(): LoginRecord[]
  remove(login: LoginRecord): void
  clear(): void
}

const newestFirst = (a: LoginRecord, b: LoginRecord) => b.seq - a.seq

export class MemoryLoginStore implements LoginStore {
  private byId = new Map<string, LoginRecord>()
  private codes = new Map<string, LoginRecord>()
  private tokens = new Map<string, LoginRecord>()
  private byUser = new Map<string, Set<LoginRecord>>()

  get(authReqId: string): LoginRecord | undefined {
    return this.byId.get(authReqId)
  }

  byCode(code: string): LoginRecord | undefined {
    return this.codes.get(code)
  }

  byAccessToken(token: string): LoginRecord | undefined {
    return this.tokens.get(token)
  }

  add(login: LoginRecord): void {
    this.byId.set(login.authReqId, login)
    let set = this.byUser.get(login.msisdn)
    if (!set) {
      set = new Set()
      this.byUser.set(login.msisdn, set)
    }
    set.add(login)
    this.index(login)
  }

  index(login: LoginRecord): void {
    if (login.code) this.codes.set(login.code, login)
    if (login.accessToken) this.tokens.set(login.accessToken, login)
  }

  forUser(msisdn: string): LoginRecord[] {
    return [...(this.byUser.get(msisdn) ?? [])].sort(newestFirst)
  }

  all(): LoginRecord[] {
    return [...this.byId.values()].sort(newestFirst)
  }

  remove(login: LoginRecord): void {
    this.byId.delete(login.authReqId)
    if (login.code) this.codes.delete(login.code)
    if (login.accessToken) this.tokens.delete(login.accessToken)
    const set = this.byUser.get(login.msisdn)
    set?.delete(login)
    if (set?.size === 0) this.byUser.delete(login.msisdn)
  }

  clear(): void {
    this.byId.clear()
    this.codes.clear()
    this.tokens.clear()
    this.byUser.clear()
  }
}
