/**
 * Login: the CIBA start is a form post with the sales unit's own credentials,
 * polling honours `interval` and `slow_down`, and the standard's pending,
 * denied and expired answers come back as outcomes, not errors.
 */
import { describe, expect, it } from 'vitest'
import {
  CibaAuthenticationResponse,
  LOGIN_PATHS,
  OAuthErrorResponse,
  OAuthTokenResponse,
  OpenIdConfiguration,
  Userinfo,
  VippsNetworkError,
  VippsOAuthError,
} from '../src/index.ts'
import {
  CREDENTIALS,
  FakePlatform,
  FakeTime,
  fakeClient,
  fetchFailed,
  json,
} from './helpers/fake-platform.ts'

const started = { auth_req_id: 'VYGaaAMRkI6SyAm_uIywhxsN2K0', expires_in: 600, interval: 5 }
const tokens = {
  access_token: 'ciba.W_IfBcSr-user',
  token_type: 'Bearer',
  expires_in: 300,
  id_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
}
const oauthError = (error: string) =>
  json(400, { error, error_description: `the request is ${error}` }, OAuthErrorResponse)
const basic = `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`

describe('CIBA start', () => {
  it('posts a form with the login hint, scope and binding message, authenticated with Basic', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.cibaAuthentication, () =>
      json(200, started, CibaAuthenticationResponse),
    )
    const result = await fakeClient(platform).login.startCiba({
      msisdn: '4712345678',
      scope: ['openid', 'name', 'phoneNumber'],
      bindingMessage: 'KASSE-12',
    })
    expect(result).toEqual(started)
    const [request] = platform.calls('POST', LOGIN_PATHS.cibaAuthentication)
    expect(request!.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(request!.headers.get('authorization')).toBe(basic)
    expect(Object.fromEntries(request!.form())).toEqual({
      scope: 'openid name phoneNumber',
      login_hint: 'urn:msisdn:4712345678',
      binding_message: 'KASSE-12',
    })
    expect(platform.tokenRequests).toBe(0)
  })

  it('puts the credentials in the form with client_secret_post, and no Authorization header', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.cibaAuthentication, () =>
      json(200, started, CibaAuthenticationResponse),
    )
    await fakeClient(platform, new FakeTime(), { loginClientAuth: 'client_secret_post' }).login.startCiba({
      msisdn: '4712345678',
      scope: 'openid',
      redirectUri: 'https://shop.example/after-login',
    })
    const [request] = platform.calls('POST', LOGIN_PATHS.cibaAuthentication)
    expect(request!.headers.get('authorization')).toBeNull()
    expect(Object.fromEntries(request!.form())).toMatchObject({
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
      requested_flow: 'login_to_webpage',
      redirect_uri: 'https://shop.example/after-login',
    })
  })

  it('is never repeated once it may have reached the platform, not even after a 5xx or 429', async () => {
    for (const answer of [
      () => {
        throw fetchFailed('ECONNRESET')
      },
      () => json(500, { error: 'server_error' }),
      () => json(429, { error: 'too_many_requests' }, undefined, { 'retry-after': '2' }),
    ]) {
      const platform = new FakePlatform().on('POST', LOGIN_PATHS.cibaAuthentication, answer)
      const error = await fakeClient(platform)
        .login.startCiba({ msisdn: '4712345678', scope: 'openid' })
        .catch((e) => e)
      expect(error instanceof VippsNetworkError || error instanceof VippsOAuthError).toBe(true)
      expect(platform.calls('POST', LOGIN_PATHS.cibaAuthentication)).toHaveLength(1)
    }
  })

  it('reports Vipps-specific refusals with their error code', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.cibaAuthentication, () =>
      json(400, { error: 'invalid_request', error_code: 'invalid_user' }, OAuthErrorResponse),
    )
    const error = await fakeClient(platform)
      .login.startCiba({ msisdn: '4700000000', scope: 'openid' })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsOAuthError)
    expect(error).toMatchObject({ status: 400, error: 'invalid_request', errorCode: 'invalid_user' })
  })
})

describe('CIBA polling', () => {
  it('waits the interval, slows down by five seconds on slow_down, and returns the tokens', async () => {
    const answers = [
      () => oauthError('authorization_pending'),
      () => oauthError('slow_down'),
      () => oauthError('authorization_pending'),
      () => json(200, tokens, OAuthTokenResponse),
    ]
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.token, (_request, nth) => answers[nth]!())
    const time = new FakeTime()
    const outcome = await fakeClient(platform, time).login.waitForCiba(started)
    expect(outcome).toEqual({ status: 'authorized', tokens })
    expect(time.sleeps).toEqual([5000, 5000, 10_000, 10_000])
    const polls = platform.calls('POST', LOGIN_PATHS.token)
    expect(polls).toHaveLength(4)
    expect(Object.fromEntries(polls[0]!.form())).toEqual({
      grant_type: 'urn:openid:params:grant-type:ciba',
      auth_req_id: started.auth_req_id,
    })
    expect(polls[0]!.headers.get('authorization')).toBe(basic)
  })

  it('returns access_denied when the customer refuses', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.token, (_request, nth) =>
      nth === 0 ? oauthError('authorization_pending') : oauthError('access_denied'),
    )
    const outcome = await fakeClient(platform).login.waitForCiba(started)
    expect(outcome).toMatchObject({ status: 'access_denied' })
  })

  it('returns expired_token when the platform says the request expired', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.token, () => oauthError('expired_token'))
    expect(await fakeClient(platform).login.waitForCiba(started)).toMatchObject({ status: 'expired_token' })
  })

  it('stops polling at expires_in by its own clock', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.token, () =>
      oauthError('authorization_pending'),
    )
    const time = new FakeTime()
    const outcome = await fakeClient(platform, time).login.waitForCiba({ ...started, expires_in: 12 })
    expect(outcome).toEqual({ status: 'expired_token' })
    expect(platform.calls('POST', LOGIN_PATHS.token)).toHaveLength(2)
  })

  it('throws any other OAuth error', async () => {
    const platform = new FakePlatform().on('POST', LOGIN_PATHS.token, () => oauthError('invalid_grant'))
    const error = await fakeClient(platform)
      .login.pollCiba(started.auth_req_id)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsOAuthError)
    expect(error.error).toBe('invalid_grant')
  })
})

describe('OIDC', () => {
  it('reads the discovery document without credentials', async () => {
    const document = {
      issuer: 'https://vipps.fake/access-management-1.0/access/',
      authorization_endpoint: 'https://vipps.fake/access-management-1.0/access/oauth2/auth',
      token_endpoint: 'https://vipps.fake/access-management-1.0/access/oauth2/token',
      jwks_uri: 'https://vipps.fake/access-management-1.0/access/.well-known/jwks.json',
      backchannel_authentication_endpoint:
        'https://vipps.fake/vipps-login-ciba/api/backchannel/authentication',
      response_types_supported: ['code'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
    }
    const platform = new FakePlatform().on('GET', LOGIN_PATHS.discovery, () =>
      json(200, document, OpenIdConfiguration),
    )
    expect(await fakeClient(platform).login.discover()).toEqual(document)
    expect(platform.requests[0]!.headers.get('authorization')).toBeNull()
  })

  it('exchanges an authorization code and fetches userinfo with the user token', async () => {
    const userinfo = {
      sub: 'c06c4afe-d9e1-4c5d-939a-177d752a0944',
      name: 'Kari Nordmann',
      phone_number: '4712345678',
      delegatedConsents: {
        consents: [{ id: 'email', accepted: true, required: true, textDisplayedToUser: 'Offers by email' }],
      },
    }
    const platform = new FakePlatform()
      .on('POST', LOGIN_PATHS.token, () => json(200, tokens, OAuthTokenResponse))
      .on('GET', LOGIN_PATHS.userinfo, () => json(200, userinfo, Userinfo))
    const client = fakeClient(platform)
    const issued = await client.login.exchangeAuthorizationCode({
      code: 'the-code',
      redirectUri: 'https://shop.example/callback',
    })
    expect(Object.fromEntries(platform.calls('POST', LOGIN_PATHS.token)[0]!.form())).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://shop.example/callback',
    })
    expect(await client.login.userinfo(issued.access_token)).toEqual(userinfo)
    const [request] = platform.calls('GET', LOGIN_PATHS.userinfo)
    expect(request!.headers.get('authorization')).toBe(`Bearer ${tokens.access_token}`)
  })
})
