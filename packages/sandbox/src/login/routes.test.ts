/**
 * The Login API as a merchant meets it: discovery and JWKS, the CIBA start and
 * each way it is refused, the token poll through pending, slow_down, accept,
 * reject, expiry and a second redemption, the ID token checked against the
 * JWKS, and userinfo releasing exactly what the scopes allow.
 */
import {
  CIBA_GRANT_TYPE,
  CIBA_REDIRECT_GRANT_TYPE,
  type JsonWebKeySet,
  LOGIN_PATHS,
  type OpenIdConfiguration,
} from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'
import { MAX_PENDING_LOGINS_PER_USER } from './service.ts'
import {
  accept,
  basicAuth,
  control,
  KARI,
  OLA,
  OTHER_MERCHANT,
  pollToken,
  postForm,
  startCiba,
  startedLogin,
  verifyJwt,
} from './test-helpers.ts'

const jwksOf = async (sb: TestSandbox): Promise<JsonWebKeySet> =>
  (await sb.app.inject({ method: 'GET', url: LOGIN_PATHS.jwks })).json()

const loginsOf = async (sb: TestSandbox, msisdn = KARI) =>
  (await control(sb, 'GET', `/_sandbox/users/${msisdn}/logins`)).json().logins as Array<
    Record<string, unknown>
  >

/** Starts, accepts and redeems a login; returns the token response. */
async function loggedIn(
  sb: TestSandbox,
  form: Record<string, string> = {},
  consents?: Record<string, boolean>,
  merchant = DEFAULT_MERCHANT,
) {
  const id = await startedLogin(sb, form, { merchant })
  expect((await accept(sb, id, consents)).statusCode).toBe(200)
  const response = await pollToken(sb, id, { merchant })
  expect(response.statusCode).toBe(200)
  return { authReqId: id, ...response.json() }
}

const userinfo = (sb: TestSandbox, token: string | undefined, path: string = LOGIN_PATHS.userinfo) =>
  sb.app.inject({
    method: 'GET',
    url: path,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })

describe('discovery and JWKS', () => {
  it('describes the endpoints at the sandbox’s origin, the CIBA grant, both client auth methods and the scopes', async () => {
    const sb = await testSandbox({ publicUrl: 'http://127.0.0.1:4999' })
    const response = await sb.app.inject({ method: 'GET', url: LOGIN_PATHS.discovery })
    expect(response.statusCode).toBe(200)
    const doc = response.json() as OpenIdConfiguration
    expect(doc).toMatchObject({
      issuer: 'http://127.0.0.1:4999/access-management-1.0/access/',
      token_endpoint: `http://127.0.0.1:4999${LOGIN_PATHS.token}`,
      jwks_uri: `http://127.0.0.1:4999${LOGIN_PATHS.jwks}`,
      userinfo_endpoint: `http://127.0.0.1:4999${LOGIN_PATHS.userinfo}`,
      backchannel_authentication_endpoint: `http://127.0.0.1:4999${LOGIN_PATHS.cibaAuthentication}`,
      backchannel_token_delivery_modes_supported: ['poll'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    })
    expect(doc.grant_types_supported).toContain(CIBA_GRANT_TYPE)
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining([
        'openid',
        'name',
        'email',
        'phoneNumber',
        'address',
        'birthDate',
        'delegatedConsents',
      ]),
    )
  })

  it('publishes one RSA signing key with a kid', async () => {
    const sb = await testSandbox()
    const jwks = await jwksOf(sb)
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' })
    expect(jwks.keys[0]!.kid).toMatch(/\S/)
    expect(jwks.keys[0]!.n!.length).toBeGreaterThan(300)
    expect(await jwksOf(sb)).toEqual(jwks)
  })

  it('uses a different key in each sandbox', async () => {
    const [a, b] = await Promise.all([testSandbox(), testSandbox()])
    expect((await jwksOf(a)).keys[0]!.n).not.toBe((await jwksOf(b)).keys[0]!.n)
  })
})

describe('CIBA start', () => {
  it('answers auth_req_id, expires_in and interval, and puts the request on the user’s phone', async () => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { binding_message: 'KASSE-12', scope: 'openid name email' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const body = response.json()
    expect(body).toEqual({ auth_req_id: expect.any(String), expires_in: 600, interval: 5 })
    expect(body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    const [login] = await loginsOf(sb)
    expect(login).toMatchObject({
      authReqId: body.auth_req_id,
      merchantName: DEFAULT_MERCHANT.name,
      state: 'pending',
      bindingMessage: 'KASSE-12',
      requestedData: ['Name', 'E-mail address'],
    })
  })

  it('takes client_secret_post as well as client_secret_basic', async () => {
    const sb = await testSandbox()
    expect((await startCiba(sb, {}, { auth: 'post' })).statusCode).toBe(200)
  })

  it('takes the older urn:mobilenumber: login hint with eight Norwegian digits', async () => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { login_hint: 'urn:mobilenumber:12345678' })
    expect(response.statusCode).toBe(200)
    expect(await loginsOf(sb, KARI)).toHaveLength(1)
  })

  it('refuses missing or wrong client credentials with 401 invalid_client, by either method', async () => {
    const sb = await testSandbox()
    const wrong = { ...DEFAULT_MERCHANT, clientSecret: 'not-the-secret' }
    const none = await startCiba(sb, {}, { auth: 'none' })
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ error: 'invalid_client' })
    const basic = await startCiba(sb, {}, { auth: 'basic', merchant: wrong })
    expect(basic.statusCode).toBe(401)
    expect(basic.json().error).toBe('invalid_client')
    expect(basic.headers['www-authenticate']).toMatch(/^Basic /)
    const post = await startCiba(sb, {}, { auth: 'post', merchant: wrong })
    expect(post.statusCode).toBe(401)
    expect(post.json().error).toBe('invalid_client')
    const unknownClient = await startCiba(sb, {}, { merchant: { ...DEFAULT_MERCHANT, clientId: 'nobody' } })
    expect(unknownClient.statusCode).toBe(401)
    expect(await loginsOf(sb)).toEqual([])
  })

  it('refuses two client authentication methods at once', async () => {
    const sb = await testSandbox()
    const response = await startCiba(
      sb,
      { client_id: DEFAULT_MERCHANT.clientId, client_secret: DEFAULT_MERCHANT.clientSecret },
      { auth: 'basic' },
    )
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toBe('invalid_request')
  })

  it.each([
    ['missing', undefined],
    ['not a URN', '4712345678'],
    ['too short', 'urn:msisdn:12345'],
    ['letters', 'urn:msisdn:47abcdefgh'],
    ['mobilenumber with country code', 'urn:mobilenumber:4712345678'],
  ])('refuses a login_hint that is %s with invalid_request naming it', async (_case, hint) => {
    const sb = await testSandbox()
    const form: Record<string, string> = { scope: 'openid' }
    if (hint !== undefined) form.login_hint = hint
    const response = await postForm(sb, LOGIN_PATHS.cibaAuthentication, { form })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('login_hint'),
    })
  })

  it.each([
    ['without openid', 'name email', 'openid'],
    ['with an unknown scope', 'openid shoeSize', 'shoeSize'],
    ['with the legacy nnin', 'openid nnin', 'nnin'],
    ['with nin, which needs approval', 'openid nin', 'nin'],
  ])('refuses a scope %s with invalid_scope', async (_case, scope, named) => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { scope })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: 'invalid_scope',
      error_description: expect.stringContaining(named),
    })
  })

  it('refuses a request without scope with invalid_request', async () => {
    const sb = await testSandbox()
    const response = await postForm(sb, LOGIN_PATHS.cibaAuthentication, {
      form: { login_hint: `urn:msisdn:${KARI}` },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('scope'),
    })
  })

  it.each([
    'ABCD',
    'ABCDEFGHI',
    'kasse-1',
    'KASSE 1',
    'KASSE_1',
  ])('refuses the binding_message %j with invalid_binding_message', async (message) => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { binding_message: message })
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toBe('invalid_binding_message')
  })

  it('refuses a number with no user with unknown_user_id and Vipps’ error_code invalid_user', async () => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { login_hint: 'urn:msisdn:4799999999' })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: 'unknown_user_id', error_code: 'invalid_user' })
  })

  it('refuses a number outside Norway, which login from phone number cannot reach', async () => {
    const sb = await testSandbox()
    const response = await startCiba(sb, { login_hint: 'urn:msisdn:4512345678' })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: 'unknown_user_id',
      error_description: expect.stringContaining('Norwegian'),
    })
  })

  it('refuses a body that is not form-encoded', async () => {
    const sb = await testSandbox()
    const response = await sb.app.inject({
      method: 'POST',
      url: LOGIN_PATHS.cibaAuthentication,
      headers: { authorization: basicAuth(), 'content-type': 'application/json' },
      payload: { scope: 'openid', login_hint: `urn:msisdn:${KARI}` },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('x-www-form-urlencoded'),
    })
  })

  it('refuses a Merchant-Serial-Number that is not the client’s', async () => {
    const sb = await testSandbox()
    const response = await startCiba(sb, {}, { headers: { 'merchant-serial-number': '999999' } })
    expect(response.statusCode).toBe(400)
    expect(response.json().error_description).toContain('Merchant-Serial-Number')
    const own = await startCiba(sb, {}, { headers: { 'merchant-serial-number': DEFAULT_MERCHANT.msn } })
    expect(own.statusCode).toBe(200)
  })

  it('answers 429 with Retry-After when too many logins already wait for the user, until one is answered', async () => {
    const sb = await testSandbox()
    const ids: string[] = []
    for (let i = 0; i < MAX_PENDING_LOGINS_PER_USER; i++) ids.push(await startedLogin(sb))
    const refused = await startCiba(sb)
    expect(refused.statusCode).toBe(429)
    expect(refused.json().error).toBe('too_many_requests')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600)
    // Another user is not affected.
    expect((await startCiba(sb, { login_hint: `urn:msisdn:${OLA}` })).statusCode).toBe(200)
    await control(sb, 'POST', `/_sandbox/users/${KARI}/logins/${ids[0]}/reject`)
    expect((await startCiba(sb)).statusCode).toBe(200)
  })
})

describe('token polling with the CIBA grant', () => {
  it('is pending, slows a too-eager poller down by five seconds more each time, and gives the tokens once accepted', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb, { scope: 'openid name' })
    const first = await pollToken(sb, id)
    expect(first.statusCode).toBe(400)
    expect(first.json()).toEqual({
      error: 'authorization_pending',
      error_description: 'The authorization request is still pending',
    })

    const eager = await pollToken(sb, id)
    expect(eager.statusCode).toBe(400)
    expect(eager.json().error).toBe('slow_down')
    expect((await loginsOf(sb))[0]!.interval).toBe(10)

    // The old pace is now too fast: five seconds later is still slow_down, and the interval grows again.
    sb.ctx.clock.advance(5_000)
    expect((await pollToken(sb, id)).json().error).toBe('slow_down')
    expect((await loginsOf(sb))[0]!.interval).toBe(15)

    sb.ctx.clock.advance(15_000)
    expect((await pollToken(sb, id)).json().error).toBe('authorization_pending')

    await accept(sb, id)
    sb.ctx.clock.advance(15_000)
    const tokens = await pollToken(sb, id)
    expect(tokens.statusCode).toBe(200)
    expect(tokens.headers['cache-control']).toBe('no-store')
    expect(tokens.json()).toEqual({
      access_token: expect.stringMatching(/^ciba\./),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      scope: 'openid name',
    })
  })

  it('answers access_denied once the user rejected, on every poll', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    expect((await control(sb, 'POST', `/_sandbox/users/${KARI}/logins/${id}/reject`)).statusCode).toBe(200)
    for (let i = 0; i < 2; i++) {
      const response = await pollToken(sb, id)
      expect(response.statusCode).toBe(400)
      expect(response.json().error).toBe('access_denied')
    }
  })

  it('answers expired_token once the sandbox clock passes expires_in, and the phone no longer asks', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    // A little short of the expiry (the sandbox clock also runs in real time meanwhile).
    sb.ctx.clock.advance(590_000)
    expect((await pollToken(sb, id)).json().error).toBe('authorization_pending')
    sb.ctx.clock.advance(10_000)
    const response = await pollToken(sb, id)
    expect(response.statusCode).toBe(400)
    expect(response.json().error).toBe('expired_token')
    expect((await loginsOf(sb))[0]!.state).toBe('expired')
    expect((await accept(sb, id)).statusCode).toBe(409)
  })

  it('expires a login on the clock even when nobody polls', async () => {
    const sb = await testSandbox()
    await startedLogin(sb)
    const changes: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changes.push(msisdn))
    sb.ctx.clock.advance(600_000)
    expect(changes).toEqual([KARI])
    expect((await loginsOf(sb))[0]!.state).toBe('expired')
  })

  it('loses tokens not collected before the login expires', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    await accept(sb, id)
    sb.ctx.clock.advance(600_000)
    expect((await pollToken(sb, id)).json().error).toBe('expired_token')
  })

  it('hands the tokens out once: a second redemption is invalid_grant', async () => {
    const sb = await testSandbox()
    const { authReqId } = await loggedIn(sb)
    sb.ctx.clock.advance(5_000)
    const again = await pollToken(sb, authReqId)
    expect(again.statusCode).toBe(400)
    expect(again.json().error).toBe('invalid_grant')
  })

  it('answers invalid_grant for an unknown auth_req_id and for another merchant’s', async () => {
    const sb = await testSandbox()
    await control(sb, 'PUT', `/_sandbox/merchants/${OTHER_MERCHANT.msn}`, OTHER_MERCHANT)
    expect((await pollToken(sb, 'no-such-request')).json().error).toBe('invalid_grant')
    const id = await startedLogin(sb)
    await accept(sb, id)
    const stolen = await pollToken(sb, id, { merchant: OTHER_MERCHANT })
    expect(stolen.statusCode).toBe(400)
    expect(stolen.json().error).toBe('invalid_grant')
    expect((await pollToken(sb, id)).statusCode).toBe(200)
  })

  it('refuses a poll without client credentials, a missing auth_req_id and grants it does not know', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    const anonymous = await pollToken(sb, id, { auth: 'none' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.json().error).toBe('invalid_client')

    const noId = await postForm(sb, LOGIN_PATHS.token, { form: { grant_type: CIBA_GRANT_TYPE } })
    expect(noId.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('auth_req_id'),
    })
    const noGrant = await postForm(sb, LOGIN_PATHS.token, { form: { auth_req_id: id } })
    expect(noGrant.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('grant_type'),
    })
    for (const grant of ['authorization_code', 'client_credentials']) {
      const response = await postForm(sb, LOGIN_PATHS.token, { form: { grant_type: grant, code: 'x' } })
      expect(response.statusCode).toBe(400)
      expect(response.json().error).toBe('unsupported_grant_type')
    }
  })

  it('takes client_secret_post at the token endpoint too', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    await accept(sb, id)
    expect((await pollToken(sb, id, { auth: 'post' })).statusCode).toBe(200)
  })
})

describe('the ID token', () => {
  it('verifies against the JWKS key, for this client, with the user’s sub, the nonce and the auth_req_id', async () => {
    const sb = await testSandbox()
    const before = Math.floor(sb.ctx.clock.now() / 1000)
    const { authReqId, id_token } = await loggedIn(sb, { nonce: 'n-0S6_WzA2Mj' })
    const after = Math.floor(sb.ctx.clock.now() / 1000)
    const issuer = (await sb.app.inject({ method: 'GET', url: LOGIN_PATHS.discovery })).json().issuer
    const claims = verifyJwt(id_token, await jwksOf(sb))
    expect(claims).toMatchObject({
      iss: issuer,
      aud: DEFAULT_MERCHANT.clientId,
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      nonce: 'n-0S6_WzA2Mj',
      auth_req_id: authReqId,
    })
    expect(claims.iat as number).toBeGreaterThanOrEqual(before)
    expect(claims.iat as number).toBeLessThanOrEqual(after)
    expect(claims.exp as number).toBeGreaterThan(claims.iat as number)
  })

  it('does not verify once tampered with', async () => {
    const sb = await testSandbox()
    const { id_token } = await loggedIn(sb)
    const [header, payload, signature] = (id_token as string).split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')
    const jwks = await jwksOf(sb)
    expect(verifyJwt(id_token, jwks).sub).toBe(claims.sub)
    expect(() => verifyJwt(`${header}.${forged}.${signature}`, jwks)).toThrow(/bad signature/)
  })

  it('gives the same user the same sub at one merchant, and a different one at another', async () => {
    const sb = await testSandbox()
    await control(sb, 'PUT', `/_sandbox/merchants/${OTHER_MERCHANT.msn}`, OTHER_MERCHANT)
    const jwks = await jwksOf(sb)
    const subOf = async (merchant = DEFAULT_MERCHANT) =>
      verifyJwt((await loggedIn(sb, {}, undefined, merchant)).id_token, jwks).sub
    const first = await subOf()
    expect(await subOf()).toBe(first)
    const elsewhere = await subOf(OTHER_MERCHANT)
    expect(elsewhere).not.toBe(first)
    const claims = verifyJwt((await loggedIn(sb, {}, undefined, OTHER_MERCHANT)).id_token, jwks)
    expect(claims.aud).toBe(OTHER_MERCHANT.clientId)
  })
})

describe('userinfo', () => {
  it('gives only sub for openid alone', async () => {
    const sb = await testSandbox()
    const { access_token, id_token } = await loggedIn(sb, { scope: 'openid' })
    const response = await userinfo(sb, access_token)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ sub: verifyJwt(id_token, await jwksOf(sb)).sub })
  })

  it('gives exactly the claims of the scopes asked for', async () => {
    const sb = await testSandbox()
    const { access_token } = await loggedIn(sb, { scope: 'openid name email phoneNumber address birthDate' })
    const body = (await userinfo(sb, access_token)).json()
    expect(body).toEqual({
      sub: expect.any(String),
      name: 'Kari Nordmann',
      given_name: 'Kari',
      family_name: 'Nordmann',
      email: 'kari.nordmann@example.no',
      email_verified: true,
      phone_number: KARI,
      address: {
        address_type: 'home',
        country: 'NO',
        formatted: 'Robert Levins gate 5\n0154 Oslo\nNO',
        postal_code: '0154',
        region: 'Oslo',
        street_address: 'Robert Levins gate 5',
      },
      other_addresses: [],
      birthdate: '1985-04-12',
    })

    const { access_token: emailOnly } = await loggedIn(sb, { scope: 'openid email' })
    expect(Object.keys((await userinfo(sb, emailOnly)).json()).sort()).toEqual([
      'email',
      'email_verified',
      'sub',
    ])
  })

  it('gives the merchant’s consent screen with the user’s answers and the time of consent', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb, { scope: 'openid name delegatedConsents' })
    sb.ctx.clock.advance(30_000)
    const before = sb.ctx.clock.now()
    await accept(sb, id, { email: true })
    const after = sb.ctx.clock.now()
    const { access_token } = (await pollToken(sb, id)).json()
    const body = (await userinfo(sb, access_token)).json()
    expect(Object.keys(body).sort()).toEqual([
      'delegatedConsents',
      'family_name',
      'given_name',
      'name',
      'sub',
    ])
    expect(body.delegatedConsents).toMatchObject({
      language: 'NO',
      heading: expect.any(String),
      text: expect.stringContaining(DEFAULT_MERCHANT.name),
      termsDescription: expect.any(String),
      confirmConsentButtonText: expect.any(String),
      links: expect.objectContaining({ termsLinkUrl: expect.stringMatching(/^https:/) }),
      consents: [
        { id: 'personal', accepted: true, required: true, textDisplayedToUser: expect.any(String) },
        { id: 'email', accepted: true, required: false, textDisplayedToUser: 'Motta tilbud på e-post' },
        { id: 'sms', accepted: false, required: false, textDisplayedToUser: 'Motta tilbud på SMS' },
      ],
    })
    const time = body.delegatedConsents.timeOfConsent as string
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    // Whole seconds: the second the user accepted in.
    expect(Date.parse(time)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    expect(Date.parse(time)).toBeLessThanOrEqual(after)
  })

  it('answers the path with a trailing slash too', async () => {
    const sb = await testSandbox()
    const { access_token } = await loggedIn(sb)
    expect((await userinfo(sb, access_token, `${LOGIN_PATHS.userinfo}/`)).statusCode).toBe(200)
  })

  it('refuses no token, a merchant access token, a made-up one and an expired one with 401 and a Bearer challenge', async () => {
    const sb = await testSandbox()
    const { access_token } = await loggedIn(sb)
    const missing = await userinfo(sb, undefined)
    expect(missing.statusCode).toBe(401)
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(missing.json()).toMatchObject({ status: '401', title: 'Unauthorized' })
    for (const token of [await sb.token(), 'ciba.made-up']) {
      const response = await userinfo(sb, token)
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toContain('invalid_token')
    }
    sb.ctx.clock.advance(290_000)
    expect((await userinfo(sb, access_token)).statusCode).toBe(200)
    sb.ctx.clock.advance(10_000)
    expect((await userinfo(sb, access_token)).statusCode).toBe(401)
  })
})

describe('login ending on the merchant’s web page (login_to_webpage)', () => {
  const webpage = { requested_flow: 'login_to_webpage', redirect_uri: 'https://shop.example/after-login' }

  it('sends the user to redirect_uri with a code, which trades once for tokens carrying the auth_req_id', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb, webpage)
    const accepted = (await accept(sb, id)).json()
    const redirect = new URL(accepted.redirectUrl)
    expect(`${redirect.origin}${redirect.pathname}`).toBe('https://shop.example/after-login')
    const code = redirect.searchParams.get('code')!
    const exchange = () =>
      postForm(sb, LOGIN_PATHS.token, { form: { grant_type: CIBA_REDIRECT_GRANT_TYPE, code } })
    const tokens = await exchange()
    expect(tokens.statusCode).toBe(200)
    expect(verifyJwt(tokens.json().id_token, await jwksOf(sb)).auth_req_id).toBe(id)
    expect((await exchange()).json().error).toBe('invalid_grant')
  })

  it('refuses a redirect_uri without the flow, the flow without a redirect_uri, and a non-web redirect_uri', async () => {
    const sb = await testSandbox()
    const forms: Array<Record<string, string>> = [
      { redirect_uri: webpage.redirect_uri },
      { requested_flow: 'login_to_webpage' },
      { requested_flow: 'somewhere_else', redirect_uri: webpage.redirect_uri },
      { ...webpage, redirect_uri: 'javascript:alert(1)' },
    ]
    for (const form of forms) {
      const response = await startCiba(sb, form)
      expect(response.statusCode).toBe(400)
      expect(response.json().error).toBe('invalid_request')
    }
  })
})
