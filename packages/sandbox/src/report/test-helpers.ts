/**
 * Settlement tests' calls: real payments through the ePayment API (created,
 * approved with the test endpoint, captured, refunded), the Report API as a
 * merchant, and the sandbox clock frozen at a chosen instant so ledger dates
 * are the ones the test names. Every call goes through a contract-checked test
 * sandbox and gets a fresh access token, since the tests move the clock by days.
 */
import { randomUUID } from 'node:crypto'
import type { Currency, LedgerEntry } from '@kasse/vipps'
import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { SandboxClock } from '../clock.ts'
import { DEFAULT_MERCHANT, loadConfig, type MerchantConfig } from '../config.ts'
import { DANISH_MERCHANT, KARI, pushRequest } from '../epayment/test-helpers.ts'

export { DANISH_MERCHANT }

/** The seeded merchant's NOK ledger. */
export const NOK_LEDGER = '578123456'

/** A sandbox whose clock stands still at `iso` until a test advances it, with both test merchants. */
export function settlementSandbox(iso: string): Promise<TestSandbox> {
  // Rate limits off: a day's payments may capture and refund one reference more than five times a minute.
  const config = loadConfig(undefined, {
    merchants: [DANISH_MERCHANT],
    rateLimits: { enabled: false, writesPerMinute: 5, readsPerMinute: 120 },
  })
  return testSandbox({ config, clock: new SandboxClock(() => Date.parse(iso)) })
}

/** Moves the sandbox clock forward to `iso`. */
export function advanceTo(sb: TestSandbox, iso: string): void {
  const target = Date.parse(iso)
  if (target < sb.ctx.clock.now()) throw new Error(`the clock is already past ${iso}`)
  sb.ctx.clock.advance(target - sb.ctx.clock.now())
}

/** A call as `merchant`, with a token fresh on the sandbox clock and no MSN header (the Report API takes none). */
export function as(
  sb: TestSandbox,
  method: 'GET' | 'POST',
  url: string,
  options: { merchant?: MerchantConfig; body?: unknown; msnHeader?: boolean } = {},
): Promise<LightMyRequestResponse> {
  const merchant = options.merchant ?? DEFAULT_MERCHANT
  const { token } = sb.ctx.tokens.issue(merchant.clientId)
  return sb.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'ocp-apim-subscription-key': merchant.subscriptionKey,
      ...(options.msnHeader
        ? { 'merchant-serial-number': merchant.msn, 'idempotency-key': randomUUID() }
        : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  })
}

/** A GET as `merchant` that must answer 200; returns the body. */
export async function read<T = Record<string, unknown>>(
  sb: TestSandbox,
  url: string,
  merchant?: MerchantConfig,
): Promise<T> {
  const response = await as(sb, 'GET', url, merchant ? { merchant } : {})
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200)
  return response.json() as T
}

const currencyOf = (merchant: MerchantConfig): Currency => merchant.currency

/** An ePayment write as `merchant` that must succeed. */
async function write(sb: TestSandbox, url: string, body: unknown, merchant: MerchantConfig) {
  const response = await as(sb, 'POST', url, { merchant, body, msnHeader: true })
  expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300)
  return response
}

/** A payment of `value` created and approved with the test endpoint: AUTHORIZED, ready to capture. */
export async function authorized(
  sb: TestSandbox,
  value: number,
  merchant: MerchantConfig = DEFAULT_MERCHANT,
): Promise<string> {
  const body = pushRequest({
    amount: { currency: currencyOf(merchant), value },
    customer: { phoneNumber: KARI },
  })
  await write(sb, '/epayment/v1/payments', body, merchant)
  const reference = body.reference as string
  await write(sb, `/epayment/v1/test/payments/${reference}/approve`, {}, merchant)
  return reference
}

/** Captures or refunds `value`; returns the pspReference of the event it made. */
export async function modify(
  sb: TestSandbox,
  reference: string,
  operation: 'capture' | 'refund',
  value: number,
  merchant: MerchantConfig = DEFAULT_MERCHANT,
): Promise<string> {
  const modificationAmount = { currency: currencyOf(merchant), value }
  await write(sb, `/epayment/v1/payments/${reference}/${operation}`, { modificationAmount }, merchant)
  const events = await as(sb, 'GET', `/epayment/v1/payments/${reference}/events`, {
    merchant,
    msnHeader: true,
  })
  const last = events.json().at(-1) as { name: string; pspReference: string }
  expect(last.name).toBe(operation === 'capture' ? 'CAPTURED' : 'REFUNDED')
  return last.pspReference
}

/** The shape of an entry a test compares: what a reconciliation would look at. */
export const essentials = (entry: LedgerEntry) => ({
  entryType: entry.entryType,
  amount: entry.amount,
  ...(entry.reference === undefined ? {} : { reference: entry.reference }),
  ...(entry.pspReference === undefined ? {} : { pspReference: entry.pspReference }),
})

/** Every balanceAfter is balanceBefore + amount, and each entry starts where the previous one ended. */
export function expectConsistentBalances(entries: LedgerEntry[], opening = 0): void {
  let balance = opening
  for (const entry of entries) {
    expect(entry.balanceBefore).toBe(balance)
    expect(entry.balanceAfter).toBe(entry.balanceBefore + entry.amount)
    balance = entry.balanceAfter
  }
}
