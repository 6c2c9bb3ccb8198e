/**
 * Login API: OpenID discovery, merchant-initiated login (CIBA, "login from phone
 * number"), the token endpoint and userinfo. The token and CIBA endpoints
 * authenticate the sales unit with its client_id/secret (Basic, or in the form
 * with `loginClientAuth: 'client_secret_post'`), not with the access token.
 *
 * The client calls the endpoints at their documented paths below the host
 * rather than following discovery, so a till needs no discovery round-trip;
 * `discover()` is there for whoever wants the document.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import {
  CIBA_GRANT_TYPE,
  CIBA_POLL_ERRORS,
  CIBA_REDIRECT_GRANT_TYPE,
  CibaAuthenticationResponse,
  type CibaPollError,
  JsonWebKeySet,
  LOGIN_PATHS,
  type LoginScope,
  OAuthTokenResponse,
  OpenIdConfiguration,
  Userinfo,
} from '../schemas/login.ts'
import type { CallOptions } from './config.ts'
import { httpError, type Transport } from './transport.ts'

export interface CibaStartRequest {
  /** The customer's phone number as MSISDN (`4712345678`); sent as `login_hint=urn:msisdn:…`. */
  msisdn: string
  /** Scopes, e.g. `['openid', 'name', 'phoneNumber', 'delegatedConsents']`, or a space-separated string. */
  scope: readonly LoginScope[] | string
  /** Shown in the app so the customer can match it with the till; `^[A-Z0-9-]{5,8}$`. */
  bindingMessage?: string
  state?: string
  nonce?: string
  /** Send the customer to this page after confirming (the `login_to_webpage` flow). */
  redirectUri?: string
}

/** One poll of the token endpoint for a CIBA login; the standard's names. */
export type CibaPollResult =
  | { status: 'authorized'; tokens: OAuthTokenResponse }
  | { status: 'authorization_pending' }
  | { status: 'slow_down' }
  | { status: 'access_denied'; description?: string }
  | { status: 'expired_token'; description?: string }

/** How a CIBA login ended. */
export type CibaOutcome = Extract<
  CibaPollResult,
  { status: 'authorized' | 'access_denied' | 'expired_token' }
>

/** The CIBA standard: after `slow_down`, poll this much less often from then on. */
const SLOW_DOWN_STEP_MS = 5_000
const DEFAULT_INTERVAL_S = 5

export class LoginApi {
  constructor(private readonly transport: Transport) {}

  /** The OpenID Connect discovery document. */
  discover(options: CallOptions = {}): Promise<OpenIdConfiguration> {
    return this.publicDocument('login.discover', LOGIN_PATHS.discovery, OpenIdConfiguration, options)
  }

  /** The keys ID tokens are signed with. */
  jwks(options: CallOptions = {}): Promise<JsonWebKeySet> {
    return this.publicDocument('login.jwks', LOGIN_PATHS.jwks, JsonWebKeySet, options)
  }

  private async publicDocument<S extends TSchema>(
    operation: string,
    path: string,
    schema: S,
    options: CallOptions,
  ): Promise<Static<S>> {
    const reply = await this.transport.send({
      operation,
      method: 'GET',
      path,
      auth: 'none',
      retry: 'safe',
      success: [200],
      schema,
      options,
    })
    return reply.body as Static<S>
  }

  /**
   * Sends a login request to the customer's phone. Never retried once it may
   * have arrived: a repeat would push a second request to the customer. A 429
   * (another login to the same customer is running) is thrown with `retryAfterMs`.
   *
   * @example
   * const started = await client.login.startCiba({ msisdn: '4712345678', scope: ['openid', 'name'] })
   * const outcome = await client.login.waitForCiba(started)
   * if (outcome.status === 'authorized') await client.login.userinfo(outcome.tokens.access_token)
   */
  async startCiba(request: CibaStartRequest, options: CallOptions = {}): Promise<CibaAuthenticationResponse> {
    const scope = typeof request.scope === 'string' ? request.scope : request.scope.join(' ')
    const reply = await this.transport.send({
      operation: 'login.startCiba',
      method: 'POST',
      path: LOGIN_PATHS.cibaAuthentication,
      form: {
        scope,
        login_hint: `urn:msisdn:${request.msisdn}`,
        binding_message: request.bindingMessage,
        state: request.state,
        nonce: request.nonce,
        ...(request.redirectUri
          ? { requested_flow: 'login_to_webpage', redirect_uri: request.redirectUri }
          : {}),
      },
      auth: 'login-client',
      retry: 'never',
      success: [200],
      schema: CibaAuthenticationResponse,
      options,
    })
    return reply.body as CibaAuthenticationResponse
  }

  /**
   * One poll of the token endpoint. Pending, slow-down, denied and expired are
   * results, not errors; any other OAuth error is thrown as VippsOAuthError.
   * Retried like a read: a lost success cannot be replayed (the platform hands
   * tokens out once), but a retry does no harm.
   */
  async pollCiba(authReqId: string, options: CallOptions = {}): Promise<CibaPollResult> {
    const reply = await this.transport.send({
      operation: 'login.pollCiba',
      method: 'POST',
      path: LOGIN_PATHS.token,
      form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId },
      auth: 'login-client',
      retry: 'safe',
      success: [200],
      passthrough: [400],
      schema: OAuthTokenResponse,
      options,
    })
    if (reply.status === 200) return { status: 'authorized', tokens: reply.body as OAuthTokenResponse }
    const body = reply.body as { error?: unknown; error_description?: unknown } | undefined
    const error = typeof body?.error === 'string' ? body.error : undefined
    if (error && (CIBA_POLL_ERRORS as readonly string[]).includes(error)) {
      const status = error as CibaPollError
      const description = typeof body?.error_description === 'string' ? body.error_description : undefined
      if (status === 'access_denied' || status === 'expired_token') {
        return description ? { status, description } : { status }
      }
      return { status }
    }
    throw httpError(reply.status, reply.text, reply.request)
  }

  /**
   * Polls a started CIBA login until the customer confirms or refuses or it
   * expires, waiting `interval` seconds between polls and five more after each
   * `slow_down`, as the standard requires.
   */
  async waitForCiba(started: CibaAuthenticationResponse, options: CallOptions = {}): Promise<CibaOutcome> {
    let intervalMs = (started.interval ?? DEFAULT_INTERVAL_S) * 1000
    const expiresAt = this.transport.now() + started.expires_in * 1000
    for (;;) {
      await this.transport.sleep(intervalMs, options.signal)
      if (this.transport.now() >= expiresAt) return { status: 'expired_token' }
      const result = await this.pollCiba(started.auth_req_id, options)
      switch (result.status) {
        case 'authorized':
        case 'access_denied':
        case 'expired_token':
          return result
        case 'slow_down':
          intervalMs += SLOW_DOWN_STEP_MS
          break
        case 'authorization_pending':
          break
        default: {
          const unreachable: never = result
          throw new Error(`unknown CIBA poll result ${JSON.stringify(unreachable)}`)
        }
      }
    }
  }

  /** The CIBA variant that ends on the merchant's page: trade the `code` it got for tokens. */
  exchangeCibaRedirectCode(code: string, options: CallOptions = {}): Promise<OAuthTokenResponse> {
    return this.token(
      'login.exchangeCibaRedirectCode',
      { grant_type: CIBA_REDIRECT_GRANT_TYPE, code },
      options,
    )
  }

  /** The browser flow: trade an authorization code for tokens. */
  exchangeAuthorizationCode(
    request: { code: string; redirectUri: string; codeVerifier?: string },
    options: CallOptions = {},
  ): Promise<OAuthTokenResponse> {
    return this.token(
      'login.exchangeAuthorizationCode',
      {
        grant_type: 'authorization_code',
        code: request.code,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
      },
      options,
    )
  }

  /** What the user consented to share, with the user's access token from a login. */
  async userinfo(accessToken: string, options: CallOptions = {}): Promise<Userinfo> {
    const reply = await this.transport.send({
      operation: 'login.userinfo',
      method: 'GET',
      path: LOGIN_PATHS.userinfo,
      auth: { userToken: accessToken },
      retry: 'safe',
      success: [200],
      schema: Userinfo,
      options,
    })
    return reply.body as Userinfo
  }

  /** Userinfo for a `sub` from an ePayment with `profile.scope`, with the merchant's token. */
  async userinfoBySub(sub: string, options: CallOptions = {}): Promise<Userinfo> {
    const reply = await this.transport.send({
      operation: 'login.userinfoBySub',
      method: 'GET',
      path: `${LOGIN_PATHS.userinfo}/${encodeURIComponent(sub)}`,
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: Userinfo,
      options,
    })
    return reply.body as Userinfo
  }

  // A code is single-use, so a retry after a lost answer gets invalid_grant; it
  // cannot do harm, and a retry of a request that never arrived succeeds.
  private async token(
    operation: string,
    form: Record<string, string | undefined>,
    options: CallOptions,
  ): Promise<OAuthTokenResponse> {
    const reply = await this.transport.send({
      operation,
      method: 'POST',
      path: LOGIN_PATHS.token,
      form,
      auth: 'login-client',
      retry: 'safe',
      success: [200],
      schema: OAuthTokenResponse,
      options,
    })
    return reply.body as OAuthTokenResponse
  }
}
