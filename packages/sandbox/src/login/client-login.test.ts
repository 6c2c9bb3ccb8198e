/**
 * The client library's Login API (`client.login`) end to end against a sandbox
 * listening on 127.0.0.1, as a till uses it: discovery and JWKS, a CIBA login
 * the customer accepts, rejects or lets expire, slow_down, client_secret_post,
 * the typed refusals, and userinfo. Every answer is checked against the
 * contract schemas (strict validation). The client's clock is the sandbox's,
 * and its sleeps move that clock, so polling takes no real time.
 */
import { VippsClient, type VippsClientOptions, VippsOAuthError } from '@kasse/vipps'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_MERCHANT } from '../config.ts'
import { type RunningSandbox, startSandbox } from '../server.ts'
import { MAX_PENDING_LOGINS_PER_USER } from './service.ts'
import { KARI, verifyJwt } from './test-helpers.ts'

let sandbox: RunningSandbox

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 })
})

afterAll(async () => {
  await sandbox?.close()
})

beforeEach(async () => {
  await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' })
})

/**
 * A client for the seeded merchant on the sandbox's clock. Each sleep (the wait
 * between polls) first runs `duringSleep` — the customer's doing — then moves
 * the sandbox clock on by the time slept.
 */
function clientFor(
  options: Partial<VippsClientOptions> = {},
  duringSleep: (slept: number) => Promise<void> = async () => {},
) {
  const { clientId, clientSecret, subscriptionKey, msn } = DEFAULT_MERCHANT
  let slept = 0
  return new VippsClient({
    host: sandbox.url as `http://${string}`,
    credentials: { clientId, clientSecret, subscriptionKey, msn },
    responseValidation: 'strict',
    clock: sandbox.ctx.clock,
    sleep: async (ms) => {
      await duringSleep(++slept)
      sandbox.ctx.clock.advance(ms)
    },
    ...options,
  })
}

async function onPhone(path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/users/${KARI}/logins${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`phone action ${path} failed: ${await response.text()}`)
}

/** The id of the one login waiting on Kari's phone. */
async function waitingLogin(): Promise<string> {
  const { logins } = await (await fetch(`${sandbox.url}/_sandbox/users/${KARI}/logins`)).json()
  const pending = logins.filter((login: { state: string }) => login.state === 'pending')
  if (pending.length !== 1) throw new Error(`expected one waiting login, found ${pending.length}`)
  return pending[0].authReqId
}

describe('client.login against the sandbox', () => {
  it('reads discovery and the JWKS', async () => {
    const client = clientFor()
    const discovery = await client.login.discover()
    expect(discovery.backchannel_authentication_endpoint).toBe(
      `${sandbox.url}/vipps-login-ciba/api/backchannel/authentication`,
    )
    expect(discovery.issuer).toBe(`${sandbox.url}/access-management-1.0/access/`)
    expect((await client.login.jwks()).keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' })
  })

  it('logs a customer in who accepts with the e-mail consent, and reads their userinfo', async () => {
    const client = clientFor({}, async (slept) => {
      // The customer answers while the till waits for its second poll.
      if (slept === 2) await onPhone(`/${await waitingLogin()}/accept`, { consents: { email: true } })
    })
    const started = await client.login.startCiba({
      msisdn: KARI,
      scope: ['openid', 'name', 'email', 'phoneNumber', 'delegatedConsents'],
      bindingMessage: 'KASSE-42',
      nonce: 'till-1-nonce',
    })
    expect(started).toMatchObject({ expires_in: 600, interval: 5 })

    const outcome = await client.login.waitForCiba(started)
    if (outcome.status !== 'authorized') throw new Error(`expected authorized, got ${outcome.status}`)
    const claims = verifyJwt(outcome.tokens.id_token!, await client.login.jwks())
    expect(claims).toMatchObject({
      aud: DEFAULT_MERCHANT.clientId,
      nonce: 'till-1-nonce',
      auth_req_id: started.auth_req_id,
    })

    const info = await client.login.userinfo(outcome.tokens.access_token)
    expect(info).toMatchObject({
      sub: claims.sub,
      name: 'Kari Nordmann',
      email: 'kari.nordmann@example.no',
      phone_number: KARI,
    })
    expect(info.delegatedConsents?.consents.find((c) => c.id === 'email')).toMatchObject({ accepted: true })
    expect(info.delegatedConsents?.consents.find((c) => c.id === 'sms')).toMatchObject({ accepted: false })
  })

  it('ends in access_denied when the customer rejects', async () => {
    const client = clientFor({}, async (slept) => {
      if (slept === 1) await onPhone(`/${await waitingLogin()}/reject`)
    })
    const started = await client.login.startCiba({ msisdn: KARI, scope: 'openid name' })
    expect(await client.login.waitForCiba(started)).toMatchObject({ status: 'access_denied' })
  })

  it('ends in expired_token when nobody answers in time', async () => {
    const client = clientFor()
    const started = await client.login.startCiba({ msisdn: KARI, scope: ['openid'] })
    expect((await client.login.waitForCiba(started)).status).toBe('expired_token')
    // The platform says so too, not only the client's own count.
    expect(await client.login.pollCiba(started.auth_req_id)).toMatchObject({ status: 'expired_token' })
  })

  it('is told to slow down when it polls faster than the interval', async () => {
    const client = clientFor()
    const started = await client.login.startCiba({ msisdn: KARI, scope: ['openid'] })
    expect(await client.login.pollCiba(started.auth_req_id)).toEqual({ status: 'authorization_pending' })
    expect(await client.login.pollCiba(started.auth_req_id)).toEqual({ status: 'slow_down' })
  })

  it('works with client_secret_post', async () => {
    const client = clientFor({ loginClientAuth: 'client_secret_post' }, async (slept) => {
      if (slept === 1) await onPhone(`/${await waitingLogin()}/accept`)
    })
    const started = await client.login.startCiba({ msisdn: KARI, scope: ['openid', 'name'] })
    expect((await client.login.waitForCiba(started)).status).toBe('authorized')
  })

  it('throws the typed refusals: an unknown customer, a bad binding message, too many logins at once', async () => {
    const client = clientFor()
    const unknown = await client.login.startCiba({ msisdn: '4799999999', scope: ['openid'] }).catch((e) => e)
    expect(unknown).toBeInstanceOf(VippsOAuthError)
    expect(unknown).toMatchObject({ status: 400, error: 'unknown_user_id', errorCode: 'invalid_user' })

    const badMessage = await client.login
      .startCiba({ msisdn: KARI, scope: ['openid'], bindingMessage: 'hello' })
      .catch((e) => e)
    expect(badMessage).toMatchObject({ status: 400, error: 'invalid_binding_message' })

    for (let i = 0; i < MAX_PENDING_LOGINS_PER_USER; i++)
      await client.login.startCiba({ msisdn: KARI, scope: ['openid'] })
    const busy = await client.login.startCiba({ msisdn: KARI, scope: ['openid'] }).catch((e) => e)
    expect(busy).toBeInstanceOf(VippsOAuthError)
    expect(busy.status).toBe(429)
    expect(busy.retryAfterMs).toBeGreaterThan(0)
  })

  it('throws invalid_client for wrong credentials', async () => {
    const client = clientFor({
      credentials: { ...DEFAULT_MERCHANT, clientSecret: 'wrong', msn: DEFAULT_MERCHANT.msn },
    })
    const error = await client.login.startCiba({ msisdn: KARI, scope: ['openid'] }).catch((e) => e)
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' })
  })
})
