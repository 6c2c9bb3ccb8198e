/**
 * Calls to the eCom API and its control routes for the tests beside this
 * file, as the seeded merchant unless told otherwise, and a real merchant
 * server on 127.0.0.1 that records the platform's calls to it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EcomError, EcomShippingOption } from '@kasse/vipps'
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, expect } from 'vitest'
import type { TestSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT, type MerchantConfig } from '../config.ts'

export const MSN = DEFAULT_MERCHANT.msn
/** Kari Nordmann, the first seeded user: 8-digit number 12345678. */
export const KARI = '4712345678'
export const OLA = '4791234567'

/**
 * The callback prefix for tests that do not look at callbacks: loopback, where
 * nothing listens, so the sandbox's calls fail at once and nothing leaves the machine.
 */
export const NOWHERE = 'http://127.0.0.1:1/vipps'

let counter = 0
/** A fresh valid orderId. */
export const newOrderId = () => `shop-${Date.now().toString(36)}-${(counter++).toString(36)}`

export const SHIPPING: EcomShippingOption[] = [
  {
    isDefault: 'N',
    priority: 2,
    shippingCost: 99.5,
    shippingMethod: 'Posten Servicepakke',
    shippingMethodId: 'posten',
  },
  { isDefault: 'Y', priority: 1, shippingCost: 49, shippingMethod: 'Hentested', shippingMethodId: 'pickup' },
]

type Json = Record<string, unknown>

/** A regular initiate body for 299.00 NOK, with `merchantInfo` and `transaction` overrides laid over it. */
export function initiateBody(
  overrides: { merchantInfo?: Json; transaction?: Json; customerInfo?: Json } = {},
  callbackPrefix = NOWHERE,
): Json {
  return {
    customerInfo: { ...overrides.customerInfo },
    merchantInfo: {
      merchantSerialNumber: MSN,
      callbackPrefix,
      fallBack: 'https://shop.example.no/orders/return',
      authToken: 'shop-secret-token',
      ...overrides.merchantInfo,
    },
    transaction: {
      orderId: newOrderId(),
      amount: 29_900,
      transactionText: 'Ordre hos Kasse Demo Butikk',
      ...overrides.transaction,
    },
  }
}

/** An express initiate body: consent removal, and static shipping unless `staticShippingDetails: undefined`. */
export function expressBody(
  overrides: { merchantInfo?: Json; transaction?: Json; customerInfo?: Json } = {},
  callbackPrefix = NOWHERE,
): Json {
  return initiateBody(
    {
      ...overrides,
      merchantInfo: {
        paymentType: 'eComm Express Payment',
        consentRemovalPrefix: callbackPrefix,
        staticShippingDetails: SHIPPING,
        ...overrides.merchantInfo,
      },
      transaction: { useExplicitCheckoutFlow: true, ...overrides.transaction },
    },
    callbackPrefix,
  )
}

export interface EcomCall {
  method?: 'GET' | 'POST' | 'PUT'
  url: string
  body?: unknown
  requestId?: string
  merchant?: MerchantConfig
  headers?: Record<string, string>
}

/** An eCom API call with the merchant's credentials. */
export async function ecom(sb: TestSandbox, c: EcomCall): Promise<LightMyRequestResponse> {
  const headers = await sb.headers(c.merchant, {
    ...(c.requestId === undefined ? {} : { 'x-request-id': c.requestId }),
    ...c.headers,
  })
  return sb.app.inject({
    method: c.method ?? (c.body === undefined ? 'GET' : 'POST'),
    url: c.url,
    headers,
    ...(c.body === undefined ? {} : { payload: c.body as object }),
  })
}

/** Initiates and fails the test unless it is accepted; returns the orderId and url. */
export async function initiate(sb: TestSandbox, body: Json, requestId?: string) {
  const response = await ecom(sb, { url: '/ecomm/v2/payments', body, ...(requestId ? { requestId } : {}) })
  expect(response.statusCode, response.body).toBe(200)
  return response.json() as { orderId: string; url: string }
}

/** The order's details, failing the test unless they are served. */
export async function details(sb: TestSandbox, orderId: string) {
  const response = await ecom(sb, { url: `/ecomm/v2/payments/${orderId}/details` })
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

/** capture/refund: `{merchantInfo, transaction}` with the seeded MSN. */
export const actionBody = (transaction: Json) => ({
  merchantInfo: { merchantSerialNumber: MSN },
  transaction,
})

/** A control API call (no credentials). */
export async function control(
  sb: TestSandbox,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return sb.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) })
}

/** Sends an order to a user's phone through its landing token, as the landing page does. */
export async function toPhone(sb: TestSandbox, url: string, msisdn = KARI) {
  const token = new URL(url).searchParams.get('token')!
  const response = await control(sb, 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn })
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

/** The user approves on the phone, failing the test unless it is accepted. */
export async function approveOnPhone(sb: TestSandbox, orderId: string, body: Json = {}, msisdn = KARI) {
  const response = await control(
    sb,
    'POST',
    `/_sandbox/users/${msisdn}/ecom-orders/${MSN}/${orderId}/approve`,
    body,
  )
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

/** The one eCom error of a refusal, after checking the status and that it is eCom's list. */
export function ecomError(response: LightMyRequestResponse, status = 400): EcomError {
  expect(response.statusCode, response.body).toBe(status)
  const list = response.json() as EcomError[]
  expect(Array.isArray(list), response.body).toBe(true)
  expect(list[0]!.contextId).toMatch(/^[0-9a-f-]{36}$/)
  return list[0]!
}

/** Polls `condition` until it holds, failing after a bound; never asserts how long it took. */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting until ${what}`)
}

export interface MerchantRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  json: unknown
}

/** What the merchant server answers: a status with an optional JSON body. */
export type MerchantAnswer = { status: number; json?: unknown }

const servers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of servers.splice(0)) await close()
})

/**
 * A shop's server on 127.0.0.1:0 that records every request and answers as
 * `answer` says (200 with no body by default), when its promise settles if it
 * gives one (a shop that takes its time). Closed after the test.
 */
export async function startMerchant(
  answer: (request: MerchantRequest) => MerchantAnswer | Promise<MerchantAnswer> = () => ({ status: 200 }),
) {
  const received: MerchantRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const entry: MerchantRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        json: body ? JSON.parse(body) : undefined,
      }
      received.push(entry)
      void Promise.resolve(answer(entry)).then(({ status, json }) => {
        response.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' })
        response.end(json === undefined ? undefined : JSON.stringify(json))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const at = (path: string) => received.filter((r) => r.path === path)
  return { prefix: `http://127.0.0.1:${port}/vipps`, received, at }
}
