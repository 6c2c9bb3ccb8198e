/**
 * The Login domain: merchant-initiated logins (CIBA) from start to tokens, the
 * user's answer on the phone, the clock's expiry, the ID token and userinfo.
 *
 * Every command runs synchronously from its first read to its last write, so
 * two polls arriving together cannot both redeem a login.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import {
  BINDING_MESSAGE_PATTERN,
  type CibaAuthenticationResponse,
  type OAuthTokenResponse,
  type Userinfo,
} from '@kasse/vipps'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'
import { DueQueue } from '../epayment/due-queue.ts'
import { pseudonymousSub } from '../epayment/service.ts'
import { invalidField, ProblemError } from '../http/problem.ts'
import { type ConsentAnswers, ConsentScreens, delegatedConsents, resolveAnswers } from './consents.ts'
import { decidePoll, type LoginAction, nextState, unreachable } from './machine.ts'
import { invalidRequest, OAuthError } from './oauth.ts'
import { parseScope, scopedClaims } from './scopes.ts'
import { IdTokenSigner } from './signing-key.ts'
import { type LoginRecord, type LoginStore, MemoryLoginStore } from './store.ts'

/** How long the user has to answer, and the merchant to collect the tokens (the guide's example). */
export const LOGIN_LIFETIME_SECONDS = 600
/** The least time between two polls the platform asks for. */
export const POLL_INTERVAL_SECONDS = 5
/** A CIBA user access token lives five minutes (the guide's example); userinfo refuses it after. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 300
export const ID_TOKEN_LIFETIME_SECONDS = 3600
/**
 * Logins waiting on one user's phone at once; one more gets 429 with
 * Retry-After. The platform gives no number; three lets a till retry twice
 * after giving up on a login the user never answered.
 */
export const MAX_PENDING_LOGINS_PER_USER = 3
/** How long an ended login is remembered (polls, the phone's list, the control API). */
export const RETENTION_MS = 60 * 60_000
const MAX_PARAMETER_LENGTH = 2048

const NORWEGIAN_MSISDN = /^47\d{8}$/

/**
 * The MSISDN in a `login_hint`. `urn:msisdn:` with the full number is the
 * documented form; the older `urn:mobilenumber:` with eight Norwegian digits,
 * which the guide showed until 2023, is answered too: nothing says the
 * platform stopped taking it, and integrations written then still send it.
 *
 * @example
 * msisdnFromLoginHint('urn:mobilenumber:12345678') // '4712345678'
 */
export function msisdnFromLoginHint(hint: string | undefined): string {
  if (!hint) throw invalidRequest('login_hint is required, e.g. urn:msisdn:4712345678')
  const msisdn = /^urn:msisdn:(\d{10,15})$/.exec(hint)?.[1]
  const mobileNumber = /^urn:mobilenumber:(\d{8})$/.exec(hint)?.[1]
  const found = msisdn ?? (mobileNumber ? `47${mobileNumber}` : undefined)
  if (!found) {
    throw invalidRequest(
      'login_hint must be urn:msisdn: and the number with its country code, e.g. urn:msisdn:4712345678',
    )
  }
  return found
}

/** CIBA's `unknown_user_id` with Vipps' `error_code=invalid_user`: no account, inactive, or not eligible. */
const unknownUser = (description: string) =>
  new OAuthError(400, 'unknown_user_id', description, { errorCode: 'invalid_user' })

/** Filters for the control API's listing. */
export interface LoginFilter {
  msn?: string
  msisdn?: string
}

export class LoginService {
  readonly signer = new IdTokenSigner()
  readonly consentScreens = new ConsentScreens()
  private readonly expiries: DueQueue<LoginRecord>
  private readonly forgetting: DueQueue<LoginRecord>
  private seq = 0

  constructor(
    private readonly ctx: SandboxContext,
    readonly store: LoginStore = new MemoryLoginStore(),
  ) {
    this.expiries = new DueQueue(ctx.clock, (login) => this.settle(login))
    this.forgetting = new DueQueue(ctx.clock, (login) => this.store.remove(login))
  }

  /** Forgets every login and every consent screen set through the control API. */
  reset(): void {
    this.store.clear()
    this.expiries.clear()
    this.forgetting.clear()
    this.consentScreens.reset()
  }

  /** The issuer in discovery and in every ID token: the sandbox's own origin. */
  issuer(): string {
    return `${this.ctx.publicUrl}/access-management-1.0/access/`
  }

  /**
   * Starts a login (the backchannel authentication request): checks the form,
   * puts the request on the user's phone and answers the acknowledgement.
   */
  start(merchant: Merchant, form: Map<string, string>): CibaAuthenticationResponse {
    const scope = form.get('scope')
    if (!scope) throw invalidRequest('scope is required, e.g. "openid name phoneNumber"')
    const scopes = parseScope(scope)
    if (form.has('login_hint_token') || form.has('id_token_hint')) {
      throw invalidRequest(
        'Only login_hint identifies the user; login_hint_token and id_token_hint are not supported',
      )
    }
    const msisdn = msisdnFromLoginHint(form.get('login_hint'))
    const bindingMessage = form.get('binding_message')
    if (bindingMessage !== undefined && !new RegExp(BINDING_MESSAGE_PATTERN).test(bindingMessage)) {
      throw new OAuthError(
        400,
        'invalid_binding_message',
        'binding_message must be 5 to 8 capital letters, digits or dashes (^[A-Z0-9-]{5,8}$)',
      )
    }
    for (const name of ['state', 'nonce', 'redirect_uri']) {
      if ((form.get(name)?.length ?? 0) > MAX_PARAMETER_LENGTH) {
        throw invalidRequest(`${name} must be at most ${MAX_PARAMETER_LENGTH} characters`)
      }
    }
    const redirectUri = this.redirectUriOf(form)
    if (!NORWEGIAN_MSISDN.test(msisdn)) {
      throw unknownUser('Login from phone number reaches Norwegian mobile numbers (47 and 8 digits) only')
    }
    if (!this.ctx.directory.user(msisdn)) {
      throw unknownUser('No Vipps MobilePay user who can log in has this number')
    }
    this.refuseTooManyPending(msisdn)

    const now = this.ctx.clock.now()
    const nonce = form.get('nonce')
    const clientState = form.get('state')
    const login: LoginRecord = {
      seq: this.seq++,
      // 20 random bytes: 27 characters, as long as the platform's.
      authReqId: randomBytes(20).toString('base64url'),
      msn: merchant.msn,
      clientId: merchant.clientId,
      msisdn,
      scopes,
      ...(bindingMessage ? { bindingMessage } : {}),
      ...(clientState ? { clientState } : {}),
      ...(nonce ? { nonce } : {}),
      ...(redirectUri ? { redirectUri } : {}),
      createdAt: now,
      expiresAt: now + LOGIN_LIFETIME_SECONDS * 1000,
      ...(scopes.includes('delegatedConsents')
        ? { consentScreen: this.consentScreens.forMerchant(merchant) }
        : {}),
      state: 'pending',
      interval: POLL_INTERVAL_SECONDS,
    }
    this.store.add(login)
    this.expiries.add(login.expiresAt, login)
    this.forgetting.add(login.expiresAt + RETENTION_MS, login)
    this.phoneChanged(msisdn)
    return {
      auth_req_id: login.authReqId,
      expires_in: LOGIN_LIFETIME_SECONDS,
      interval: POLL_INTERVAL_SECONDS,
    }
  }

  /** A token request with the CIBA grant: the tokens once the user accepted, else the standard's error. */
  poll(merchant: Merchant, authReqId: string): OAuthTokenResponse {
    const login = this.store.get(authReqId)
    // Another client's login is as unknown to this one as a made-up id.
    if (!login || login.clientId !== merchant.clientId) {
      throw new OAuthError(400, 'invalid_grant', 'Unknown auth_req_id')
    }
    const now = this.ctx.clock.now()
    const decision = decidePoll(login, now)
    if (login.state === 'pending') login.lastPolledAt = now
    if ('interval' in decision && decision.interval !== undefined) login.interval = decision.interval
    const { answer } = decision
    switch (answer) {
      case 'tokens':
        return this.redeem(login, now)
      case 'authorization_pending':
        throw new OAuthError(400, answer, 'The authorization request is still pending')
      case 'slow_down':
        throw new OAuthError(
          400,
          answer,
          `Polled too often: wait at least ${login.interval} seconds between polls from now on`,
        )
      case 'access_denied':
        throw new OAuthError(400, answer, 'The user rejected the login')
      case 'expired_token':
        if (decision.next !== login.state) this.move(login, 'expire')
        throw new OAuthError(400, answer, 'The login request has expired; start a new one')
      case 'invalid_grant':
        throw new OAuthError(400, answer, 'The tokens for this auth_req_id have already been issued')
      default:
        return unreachable(answer)
    }
  }

  /** The `login_to_webpage` flow: trades the code from the redirect for the tokens, once. */
  exchangeCode(merchant: Merchant, code: string): OAuthTokenResponse {
    const login = this.store.byCode(code)
    if (!login || login.clientId !== merchant.clientId)
      throw new OAuthError(400, 'invalid_grant', 'Unknown code')
    this.settle(login)
    if (login.state !== 'accepted') {
      throw new OAuthError(
        400,
        'invalid_grant',
        `The code can no longer be used: the login is ${login.state}`,
      )
    }
    return this.redeem(login, this.ctx.clock.now())
  }

  /**
   * The user accepts on the phone, giving the consents they ticked (required
   * ones are given by accepting). 404 unless the login is on their phone;
   * 409 unless it still waits for an answer.
   */
  accept(msisdn: string, authReqId: string, given: ConsentAnswers = {}): LoginRecord {
    const login = this.pendingOnPhone(msisdn, authReqId)
    let consents: LoginRecord['consents']
    if (login.consentScreen) consents = resolveAnswers(login.consentScreen, given)
    else if (Object.keys(given).length > 0) {
      throw invalidField('consents', 'this login does not ask for consents (no delegatedConsents scope)')
    }
    if (consents) login.consents = consents
    login.answeredAt = this.ctx.clock.now()
    if (login.redirectUri) {
      login.code = randomBytes(24).toString('base64url')
      this.store.index(login)
    }
    this.move(login, 'accept')
    return login
  }

  /** The user rejects on the phone; the same errors as `accept`. */
  reject(msisdn: string, authReqId: string): LoginRecord {
    const login = this.pendingOnPhone(msisdn, authReqId)
    login.answeredAt = this.ctx.clock.now()
    this.move(login, 'reject')
    return login
  }

  /** The logins sent to a user's phone, newest first; 404 for an unknown user. */
  forUser(msisdn: string): LoginRecord[] {
    this.requireUser(msisdn)
    return this.store.forUser(msisdn).map((login) => this.settled(login))
  }

  /** Every remembered login matching the filter, newest first. */
  list(filter: LoginFilter = {}): LoginRecord[] {
    const logins = filter.msisdn ? this.store.forUser(filter.msisdn) : this.store.all()
    return logins
      .map((login) => this.settled(login))
      .filter((login) => !filter.msn || login.msn === filter.msn)
  }

  /** The claims a user access token may see, or undefined when the token is unknown or expired. */
  userinfo(accessToken: string): Userinfo | undefined {
    const login = this.store.byAccessToken(accessToken)
    if (!login || login.accessTokenExpiresAt === undefined) return undefined
    if (this.ctx.clock.now() >= login.accessTokenExpiresAt) return undefined
    const user = this.ctx.directory.user(login.msisdn)
    if (!user) return undefined
    const claims = scopedClaims(user, pseudonymousSub(login.msn, login.msisdn), login.scopes)
    if (login.scopes.includes('delegatedConsents') && login.consentScreen && login.consents) {
      claims.delegatedConsents = delegatedConsents(login.consentScreen, login.consents, login.answeredAt!)
    }
    return claims
  }

  /** The redirect to the merchant's page once a `login_to_webpage` login is accepted. */
  redirectUrl(login: LoginRecord): string | undefined {
    if (!login.redirectUri || !login.code) return undefined
    const url = new URL(login.redirectUri)
    url.searchParams.set('code', login.code)
    return url.toString()
  }

  /** Expires a pending or accepted login whose time has come; the due queue and every read call it. */
  settle(login: LoginRecord): void {
    if (this.ctx.clock.now() < login.expiresAt) return
    if (nextState(login.state, 'expire')) this.move(login, 'expire')
  }

  private settled(login: LoginRecord): LoginRecord {
    this.settle(login)
    return login
  }

  /** Issues the user access token and the signed ID token, moving the login to redeemed. */
  private redeem(login: LoginRecord, now: number): OAuthTokenResponse {
    this.move(login, 'redeem')
    const accessToken = `ciba.${randomBytes(32).toString('base64url')}`
    login.accessToken = accessToken
    login.accessTokenExpiresAt = now + ACCESS_TOKEN_LIFETIME_SECONDS * 1000
    this.store.index(login)
    const iat = Math.floor(now / 1000)
    const idToken = this.signer.sign({
      iss: this.issuer(),
      aud: login.clientId,
      sub: pseudonymousSub(login.msn, login.msisdn),
      iat,
      exp: iat + ID_TOKEN_LIFETIME_SECONDS,
      auth_time: Math.floor((login.answeredAt ?? now) / 1000),
      jti: randomUUID(),
      // The redirect flow's merchant must match this to its request; harmless in the poll flow.
      auth_req_id: login.authReqId,
      ...(login.nonce ? { nonce: login.nonce } : {}),
    })
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      id_token: idToken,
      scope: login.scopes.join(' '),
    }
  }

  /** Applies a transition the table allows; the phone hears of every change to what it shows. */
  private move(login: LoginRecord, action: LoginAction): void {
    const next = nextState(login.state, action)
    if (!next) throw new Error(`a ${login.state} login cannot ${action}`)
    const wasOnPhone = login.state === 'pending'
    login.state = next
    if (wasOnPhone) this.phoneChanged(login.msisdn)
  }

  private redirectUriOf(form: Map<string, string>): string | undefined {
    const flow = form.get('requested_flow')
    const redirectUri = form.get('redirect_uri')
    if (flow === undefined) {
      if (redirectUri !== undefined) {
        throw invalidRequest('redirect_uri is for requested_flow=login_to_webpage; send both or neither')
      }
      return undefined
    }
    if (flow !== 'login_to_webpage') throw invalidRequest('requested_flow must be login_to_webpage')
    if (!redirectUri) throw invalidRequest('redirect_uri is required with requested_flow=login_to_webpage')
    let url: URL
    try {
      url = new URL(redirectUri)
    } catch {
      throw invalidRequest('redirect_uri must be an absolute URL')
    }
    // The platform wants https in production; the sandbox also takes http, for pages on localhost.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalidRequest('redirect_uri must be an http(s) URL')
    }
    return redirectUri
  }

  private refuseTooManyPending(msisdn: string): void {
    const pending = this.store
      .forUser(msisdn)
      .map((login) => this.settled(login))
      .filter((login) => login.state === 'pending')
    if (pending.length < MAX_PENDING_LOGINS_PER_USER) return
    const firstFree = Math.min(...pending.map((login) => login.expiresAt))
    const retryAfter = Math.max(1, Math.ceil((firstFree - this.ctx.clock.now()) / 1000))
    throw new OAuthError(
      429,
      'too_many_requests',
      `${pending.length} logins are already waiting for this user; try again later`,
      { headers: { 'retry-after': String(retryAfter) } },
    )
  }

  private requireUser(msisdn: string): void {
    if (!this.ctx.directory.user(msisdn)) {
      throw new ProblemError(404, 'User not found', `No sandbox user has the number ${msisdn}`)
    }
  }

  private pendingOnPhone(msisdn: string, authReqId: string): LoginRecord {
    this.requireUser(msisdn)
    const login = this.store.get(authReqId)
    if (!login || login.msisdn !== msisdn) {
      throw new ProblemError(404, 'Login not found', `No login ${authReqId} is on the phone of ${msisdn}`)
    }
    this.settle(login)
    if (login.state !== 'pending') {
      throw new ProblemError(409, 'Login is not pending', `The login is ${login.state}`)
    }
    return login
  }

  private phoneChanged(msisdn: string): void {
    this.ctx.events.emit('phone.changed', { msisdn })
  }
}
