/**
 * Calls to the ePayment API and its control routes for the tests beside this
 * file, as the seeded merchant unless told otherwise. Every call goes through a
 * contract-checked test sandbox (test/helpers.ts).
 */
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import type { TestSandbox } from '../../test/helpers.ts'
import type { MerchantConfig } from '../config.ts'

export const KARI = '4712345678'
export const OLA = '4791234567'

/** A Danish merchant, for cross-merchant and currency tests. */
export const DANISH_MERCHANT: MerchantConfig = {
  msn: '223344',
  name: 'Butik København',
  clientId: 'dk-client',
  clientSecret: 'dk-secret',
  subscriptionKey: 'dk-key',
  currency: 'DKK',
}

let counter = 0
/** A fresh valid reference. */
export const newReference = () => `ref-${Date.now().toString(36)}-${(counter++).toString(36)}`

export interface Call {
  method?: 'GET' | 'POST' | 'PATCH'
  url: string
  body?: unknown
  key?: string | null
  merchant?: MerchantConfig
  headers?: Record<string, string>
}

/** An API call with the merchant's headers and, unless `key: null`, a fresh Idempotency-Key. */
export async function call(sb: TestSandbox, c: Call): Promise<LightMyRequestResponse> {
  const key = c.key === undefined ? randomUUID() : c.key
  const headers = await sb.headers(c.merchant, {
    ...(key === null ? {} : { 'idempotency-key': key }),
    ...c.headers,
  })
  return sb.app.inject({
    method: c.method ?? (c.body === undefined ? 'GET' : 'POST'),
    url: c.url,
    headers,
    ...(c.body === undefined ? {} : { payload: c.body as object }),
  })
}

/** A control API call (no credentials). */
export async function control(
  sb: TestSandbox,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return sb.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) })
}

/** A valid PUSH_MESSAGE create body to Kari for 100.00 NOK, with overrides laid over it. */
export function pushRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: { currency: 'NOK', value: 10_000 },
    paymentMethod: { type: 'WALLET' },
    reference: newReference(),
    userFlow: 'PUSH_MESSAGE',
    customer: { phoneNumber: KARI },
    customerInteraction: 'CUSTOMER_PRESENT',
    paymentDescription: 'Kaffe og bolle',
    ...overrides,
  }
}

/** Creates a payment and fails the test unless it is created. Returns its reference and redirectUrl. */
export async function createPayment(
  sb: TestSandbox,
  overrides: Record<string, unknown> = {},
  merchant?: MerchantConfig,
): Promise<{ reference: string; redirectUrl?: string; key: string }> {
  const key = randomUUID()
  const response = await call(sb, {
    url: '/epayment/v1/payments',
    body: pushRequest(overrides),
    key,
    ...(merchant ? { merchant } : {}),
  })
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`)
  return { ...response.json(), key }
}

/** Creates a PUSH payment to Kari and approves it on her phone. */
export async function authorizedPayment(sb: TestSandbox, value = 10_000): Promise<string> {
  const { reference } = await createPayment(sb, { amount: { currency: 'NOK', value } })
  const approved = await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/approve`)
  if (approved.statusCode !== 200) throw new Error(`approve failed: ${approved.body}`)
  return reference
}

export const getPayment = (sb: TestSandbox, reference: string, merchant?: MerchantConfig) =>
  call(sb, { url: `/epayment/v1/payments/${reference}`, key: null, ...(merchant ? { merchant } : {}) })

export const getEvents = (sb: TestSandbox, reference: string) =>
  call(sb, { url: `/epayment/v1/payments/${reference}/events`, key: null })

export const modify = (
  sb: TestSandbox,
  reference: string,
  operation: 'capture' | 'refund',
  value: number,
  key?: string,
) =>
  call(sb, {
    url: `/epayment/v1/payments/${reference}/${operation}`,
    body: { modificationAmount: { currency: 'NOK', value } },
    ...(key ? { key } : {}),
  })

export const cancel = (sb: TestSandbox, reference: string, body?: unknown, key?: string) =>
  call(sb, {
    method: 'POST',
    url: `/epayment/v1/payments/${reference}/cancel`,
    ...(body === undefined ? {} : { body }),
    ...(key ? { key } : {}),
  })

/** A receipt line of 100.00 NOK with 25 % VAT, with overrides. */
export const orderLine = (overrides: Record<string, unknown> = {}) => ({
  name: 'Kaffe',
  id: 'k1',
  totalAmount: 10_000,
  totalAmountExcludingTax: 8000,
  totalTaxAmount: 2000,
  taxRate: 2500,
  ...overrides,
})

/** A NOK receipt of the given lines. */
export const receiptOf = (...orderLines: unknown[]) => ({ orderLines, bottomLine: { currency: 'NOK' } })

/** The field names a problem response points at. */
export const fieldsOf = (response: LightMyRequestResponse): string[] =>
  (response.json().extraDetails ?? []).map((d: { name: string }) => d.name)
