/**
 * Calls to the Login API and its control routes for the tests beside this
 * file, as the seeded merchant unless told otherwise, through a
 * contract-checked test sandbox (test/helpers.ts).
 */
import { createPublicKey, verify } from 'node:crypto'
import { CIBA_GRANT_TYPE, type JsonWebKeySet, LOGIN_PATHS } from '@kasse/vipps'
import type { LightMyRequestResponse } from 'fastify'
import type { TestSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT, type MerchantConfig } from '../config.ts'

export const KARI = '4712345678'
export const OLA = '4791234567'

/** A second Norwegian sales unit, for "another merchant" tests. */
export const OTHER_MERCHANT: MerchantConfig = {
  msn: '654321',
  name: 'Annen Butikk',
  clientId: 'other-client-id',
  clientSecret: 'other-client-secret',
  subscriptionKey: 'other-subscription-key',
  currency: 'NOK',
}

export const basicAuth = (merchant: MerchantConfig = DEFAULT_MERCHANT) =>
  `Basic ${Buffer.from(`${merchant.clientId}:${merchant.clientSecret}`).toString('base64')}`

export type ClientAuth = 'basic' | 'post' | 'none'

export interface FormCall {
  form: Record<string, string>
  merchant?: MerchantConfig
  auth?: ClientAuth
  headers?: Record<string, string>
}

/** A form post to a Login endpoint, authenticated as `merchant` (Basic unless told otherwise). */
export function postForm(sb: TestSandbox, url: string, call: FormCall): Promise<LightMyRequestResponse> {
  const merchant = call.merchant ?? DEFAULT_MERCHANT
  const auth = call.auth ?? 'basic'
  const form = new URLSearchParams(call.form)
  if (auth === 'post') {
    form.set('client_id', merchant.clientId)
    form.set('client_secret', merchant.clientSecret)
  }
  return sb.app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth === 'basic' ? { authorization: basicAuth(merchant) } : {}),
      ...call.headers,
    },
    payload: form.toString(),
  })
}

/** A CIBA start for Kari with `openid name` unless the form says otherwise. */
export function startCiba(
  sb: TestSandbox,
  form: Record<string, string> = {},
  call: Omit<FormCall, 'form'> = {},
): Promise<LightMyRequestResponse> {
  return postForm(sb, LOGIN_PATHS.cibaAuthentication, {
    ...call,
    form: { scope: 'openid name', login_hint: `urn:msisdn:${KARI}`, ...form },
  })
}

/** Starts a login and returns its auth_req_id, failing the test if it is refused. */
export async function startedLogin(
  sb: TestSandbox,
  form: Record<string, string> = {},
  call: Omit<FormCall, 'form'> = {},
): Promise<string> {
  const response = await startCiba(sb, form, call)
  if (response.statusCode !== 200) throw new Error(`CIBA start failed: ${response.body}`)
  return response.json().auth_req_id
}

/** One token poll with the CIBA grant. */
export function pollToken(
  sb: TestSandbox,
  authReqId: string,
  call: Omit<FormCall, 'form'> = {},
): Promise<LightMyRequestResponse> {
  return postForm(sb, LOGIN_PATHS.token, {
    ...call,
    form: { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId },
  })
}

/** A control API call (no credentials). */
export function control(
  sb: TestSandbox,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return sb.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) })
}

/** The user accepts on the phone, ticking `consents`. */
export function accept(
  sb: TestSandbox,
  authReqId: string,
  consents?: Record<string, boolean>,
  msisdn = KARI,
): Promise<LightMyRequestResponse> {
  return control(
    sb,
    'POST',
    `/_sandbox/users/${msisdn}/logins/${authReqId}/accept`,
    consents ? { consents } : undefined,
  )
}

/** The claims of a JWT, unverified. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
}

/**
 * Verifies an RS256 JWT against a JWKS the way a merchant would (the key by
 * `kid`, node:crypto), returning its claims, or throwing why not.
 */
export function verifyJwt(jwt: string, jwks: JsonWebKeySet): Record<string, unknown> {
  const [header, payload, signature] = jwt.split('.')
  if (!header || !payload || !signature) throw new Error('not a compact JWS')
  const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
  if (alg !== 'RS256') throw new Error(`unexpected alg ${alg}`)
  const jwk = jwks.keys.find((key) => key.kid === kid)
  if (!jwk) throw new Error(`no key ${kid} in the JWKS`)
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    key,
    Buffer.from(signature, 'base64url'),
  )
  if (!valid) throw new Error('bad signature')
  return jwtClaims(jwt)
}
