/**
 * A till wired to an in-process sandbox, and the steps a cashier takes, for
 * the payment flow's tests: open a sale, scan products, say who pays, ask for
 * payment, and step the background work as the worker would.
 */
import { beforeEach, expect } from 'vitest'
import type { BuildPosAppOptions } from '../src/app.ts'
import { webhookRegistration } from '../src/db/schema.ts'
import type { PaymentAttemptView } from '../src/payments/views.ts'
import { WEBHOOK_EVENTS, WEBHOOK_PATH } from '../src/webhooks/service.ts'
import { type TestPos, type TillClient, useTestPos } from './helpers.ts'
import { type InProcessSandbox, inProcessSandbox } from './sandbox.ts'

/** Milk 25.90 (15 %), batteries 79.90 (25 %), a newspaper 45.00 (0 %). */
export const MILK = '7039610197728'
export const BATTERIES = '7040110061051'
export const NEWSPAPER = '7039610127701'

/** The webhook registration tests sign deliveries for. */
export const WEBHOOK = {
  id: 'webhook-test-1',
  url: `http://till.kasse.test${WEBHOOK_PATH}`,
  secret: 'test-webhook-secret-0123456789',
}

export interface PaymentTestBed {
  pos(): TestPos
  sandbox: InProcessSandbox
}

/**
 * A test till per test on a fresh sandbox, with a webhook registration
 * stored (as the till keeps one after registering at start).
 */
export function usePaymentTestBed(
  options: Omit<BuildPosAppOptions, 'database' | 'clock' | 'vipps'> = {},
): PaymentTestBed {
  const sandbox = inProcessSandbox()
  const pos = useTestPos({ ...options, vipps: sandbox.settings })
  beforeEach(async () => {
    await sandbox.reset()
    const now = new Date(pos().clock.now())
    await pos()
      .database.db.insert(webhookRegistration)
      .values({ ...WEBHOOK, msn: '123456', events: WEBHOOK_EVENTS, createdAt: now, confirmedAt: now })
  })
  return { pos, sandbox }
}

/** Opens the till's sale and scans the barcodes onto it; returns the sale's id. */
export async function saleWith(till: TillClient, ...barcodes: string[]): Promise<string> {
  const opened = await till.request('POST', '/api/sales')
  expect(opened.statusCode).toBe(200)
  const saleId = opened.json().id as string
  for (const barcode of barcodes) {
    const added = await till.request('POST', `/api/sales/${saleId}/lines`, { barcode })
    expect(added.statusCode).toBe(200)
  }
  return saleId
}

/** A sale with products and a customer who types their number, ready for payment. */
export async function readySale(till: TillClient, phoneNumber = '123 45 678', ...barcodes: string[]) {
  const saleId = await saleWith(till, ...(barcodes.length > 0 ? barcodes : [MILK, BATTERIES]))
  const customer = await till.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber })
  expect(customer.statusCode).toBe(200)
  return saleId
}

/** POST /api/sales/:id/payment; expects 202 and returns the attempt. */
export async function startPayment(till: TillClient, saleId: string): Promise<PaymentAttemptView> {
  const response = await till.request('POST', `/api/sales/${saleId}/payment`)
  expect(response.statusCode, response.body).toBe(202)
  return response.json().attempt
}

export async function paymentOf(till: TillClient, saleId: string): Promise<PaymentAttemptView> {
  const response = await till.request('GET', `/api/sales/${saleId}/payment`)
  expect(response.statusCode, response.body).toBe(200)
  return response.json().attempt
}

export async function saleOf(till: TillClient, saleId: string) {
  const response = await till.request('GET', `/api/sales/${saleId}`)
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

/** Moves the till's clock by `ms` and runs the background work once, as the worker would. */
export async function afterMs(pos: TestPos, ms: number): Promise<number> {
  pos.clock.advance(ms)
  return pos.ctx.payments.sweep()
}
