/**
 * The ePayment requests the bench sends, the same bytes to every server: the
 * sandbox, Prism and the bare ceiling. A test merchant's credentials, a
 * WEB_REDIRECT create (no customer: Prism's reading of the spec's `customer`
 * oneOf refuses a phone number), approve through the test endpoint, capture, get.
 */
import type { Scenario } from './load.ts'

/** The sandbox's seeded test merchant (README: test credentials). */
export const TEST_MERCHANT = {
  msn: '123456',
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  subscriptionKey: 'test-subscription-key',
}
/** Kari Nordmann, a seeded test user; the approve endpoint puts the payment on her phone. */
const TEST_USER_PHONE = '4712345678'

/** The headers of every API call, as the kasse client sends them. */
export function apiHeaders(accessToken: string): Record<string, string> {
  return {
    authorization: `Bearer ${accessToken}`,
    'ocp-apim-subscription-key': TEST_MERCHANT.subscriptionKey,
    'merchant-serial-number': TEST_MERCHANT.msn,
    'vipps-system-name': 'kasse-bench',
    'vipps-system-version': '0.1.0',
  }
}

/** An access token from the sandbox, fetched once per server (the client caches it for an hour). */
export async function fetchAccessToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/accesstoken/get`, {
    method: 'POST',
    headers: {
      client_id: TEST_MERCHANT.clientId,
      client_secret: TEST_MERCHANT.clientSecret,
      'ocp-apim-subscription-key': TEST_MERCHANT.subscriptionKey,
      'merchant-serial-number': TEST_MERCHANT.msn,
    },
  })
  const body = (await response.json()) as { access_token?: string }
  if (!response.ok || !body.access_token)
    throw new Error(`no access token from ${baseUrl}: ${response.status}`)
  return body.access_token
}

const json = { 'content-type': 'application/json' }

export function createBody(reference: string): string {
  return JSON.stringify({
    amount: { currency: 'NOK', value: 4990 },
    paymentMethod: { type: 'WALLET' },
    reference,
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://shop.example/return',
    paymentDescription: 'Kaffe og bolle',
  })
}

const approveBody = JSON.stringify({ customer: { phoneNumber: TEST_USER_PHONE } })
const captureBody = JSON.stringify({ modificationAmount: { currency: 'NOK', value: 4990 } })

/** A payment reference unique to the cell and iteration (8–50 characters, letters, digits, dashes). */
const referenceOf = (runId: string, n: number) => `${runId}-${n.toString(36).padStart(6, '0')}`

/** What each client repeats, by name. Each iteration uses its own reference. */
export function ePaymentScenario(name: 'lifecycle' | 'create' | 'create+get', runId: string): Scenario {
  switch (name) {
    case 'lifecycle':
      return async function lifecycle(send, _client, n) {
        const reference = referenceOf(runId, n)
        const path = `/epayment/v1/payments/${reference}`
        if (
          !(await send('create', 'POST', '/epayment/v1/payments', 201, createBody(reference), {
            ...json,
            'idempotency-key': `${reference}-c`,
          }))
        )
          return
        if (
          !(await send(
            'approve',
            'POST',
            `/epayment/v1/test/payments/${reference}/approve`,
            200,
            approveBody,
            json,
          ))
        )
          return
        if (
          !(await send('capture', 'POST', `${path}/capture`, 200, captureBody, {
            ...json,
            'idempotency-key': `${reference}-k`,
          }))
        )
          return
        await send('get', 'GET', path, 200)
      }
    case 'create':
      return async function create(send, _client, n) {
        const reference = referenceOf(runId, n)
        await send('create', 'POST', '/epayment/v1/payments', 201, createBody(reference), {
          ...json,
          'idempotency-key': `${reference}-c`,
        })
      }
    case 'create+get':
      return async function createAndGet(send, _client, n) {
        const reference = referenceOf(runId, n)
        if (
          !(await send('create', 'POST', '/epayment/v1/payments', 201, createBody(reference), {
            ...json,
            'idempotency-key': `${reference}-c`,
          }))
        )
          return
        await send('get', 'GET', `/epayment/v1/payments/${reference}`, 200)
      }
    default:
      return unreachable(name)
  }
}

function unreachable(name: never): never {
  throw new Error(`unknown scenario ${String(name)}`)
}
