/**
 * Legacy eCom v2 orders in the settlement report: the web shop's Hurtigkasse
 * (express) and regular eCom orders are captured and refunded through eCom,
 * and the platform settles them like ePayment payments — each capture and
 * refund an entry (reference = orderId, pspReference = the operation's
 * transaction id), a fee per capture, fees retained at the close and the
 * balance paid out two business days later.
 */
import { randomUUID } from 'node:crypto'
import type { EcomPaymentDetails, ReportPage } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import type { TestSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'
import { actionBody, approveOnPhone, expressBody, initiateBody, toPhone } from '../ecom/test-helpers.ts'
import {
  advanceTo,
  authorized,
  essentials,
  expectConsistentBalances,
  modify,
  NOK_LEDGER,
  read,
  settlementSandbox,
} from './test-helpers.ts'

const FRIDAY = '2025-03-14'
const funds = (date: string) => `/report/v2/ledgers/${NOK_LEDGER}/funds/dates/${date}`
const fees = (date: string) => `/report/v2/ledgers/${NOK_LEDGER}/fees/dates/${date}`

/** An eCom call as the seeded merchant with a token fresh on the sandbox clock (tests move it by days). */
async function ecomCall(
  sb: TestSandbox,
  url: string,
  body?: unknown,
  options: { method?: 'POST' | 'PUT'; requestId?: string } = {},
) {
  const { token } = sb.ctx.tokens.issue(DEFAULT_MERCHANT.clientId)
  const response = await sb.app.inject({
    method: body === undefined ? 'GET' : (options.method ?? 'POST'),
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'ocp-apim-subscription-key': DEFAULT_MERCHANT.subscriptionKey,
      'merchant-serial-number': DEFAULT_MERCHANT.msn,
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    ...(body === undefined ? {} : { payload: body as object }),
  })
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200)
  return response.body ? response.json() : undefined
}

/** A regular eCom order of `amount`, reserved with the integration-test approve. */
async function reservedOrder(sb: TestSandbox, amount: number): Promise<string> {
  const body = initiateBody({ transaction: { amount } })
  const { orderId } = await ecomCall(sb, '/ecomm/v2/payments', body)
  await ecomCall(sb, `/ecomm/v2/integration-test/payments/${orderId}/approve`, {
    customerPhoneNumber: '12345678',
  })
  return orderId
}

/** An express (Hurtigkasse) order of `amount`, approved on Kari's phone with the 49.00 pickup. */
async function reservedExpressOrder(sb: TestSandbox, amount: number): Promise<string> {
  const { orderId, url } = await ecomCall(sb, '/ecomm/v2/payments', expressBody({ transaction: { amount } }))
  await toPhone(sb, url)
  await approveOnPhone(sb, orderId, { shippingMethodId: 'pickup' })
  return orderId
}

/** Captures or refunds (all that is left without an amount); returns the operation's transaction id. */
async function ecomModify(
  sb: TestSandbox,
  orderId: string,
  operation: 'capture' | 'refund',
  amount?: number,
): Promise<string> {
  const transaction = { transactionText: 'Sendt', ...(amount === undefined ? {} : { amount }) }
  const answer = await ecomCall(sb, `/ecomm/v2/payments/${orderId}/${operation}`, actionBody(transaction), {
    requestId: randomUUID(),
  })
  // The refund's answer names its part `transaction` (the spec's own difference).
  return (operation === 'capture' ? answer.transactionInfo : answer.transaction).transactionId as string
}

async function ecomDetails(sb: TestSandbox, orderId: string): Promise<EcomPaymentDetails> {
  return ecomCall(sb, `/ecomm/v2/payments/${orderId}/details`)
}

describe('eCom v2 orders in the settlement report', () => {
  it('books every capture and refund with its fee, beside ePayment’s, and pays the day out on Tuesday', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z') // Friday, 09:00 in Oslo
    const regular = await reservedOrder(sb, 29_900)
    const express = await reservedExpressOrder(sb, 20_000) // + 49.00 pickup = 249.00 reserved
    const firstShipment = await ecomModify(sb, regular, 'capture', 20_000)
    advanceTo(sb, '2025-03-14T10:00:00Z')
    const rest = await ecomModify(sb, regular, 'capture') // the remaining 99.00
    const expressCapture = await ecomModify(sb, express, 'capture')
    const epayment = await authorized(sb, 10_000)
    const epaymentCapture = await modify(sb, epayment, 'capture', 10_000)
    advanceTo(sb, '2025-03-14T13:00:00Z')
    const returned = await ecomModify(sb, regular, 'refund', 5_000)

    // The pspReferences are the transaction ids the order's own log shows.
    const log = (await ecomDetails(sb, regular)).transactionLogHistory
    expect(log.filter((e) => e.operation !== 'INITIATE' && e.operation !== 'RESERVE')).toEqual([
      expect.objectContaining({ operation: 'REFUND', amount: 5_000, transactionId: returned }),
      expect.objectContaining({ operation: 'CAPTURE', amount: 9_900, transactionId: rest }),
      expect.objectContaining({ operation: 'CAPTURE', amount: 20_000, transactionId: firstShipment }),
    ])

    advanceTo(sb, '2025-03-14T23:00:00Z') // midnight in Oslo: Friday closes
    // Fees at 1.99 % + 1.00: 398 + 100, 197 + 100, 496 + 100, 199 + 100.
    const feeTotal = 498 + 297 + 596 + 299
    const captured = 20_000 + 9_900 + 24_900 + 10_000
    const payout = captured - 5_000 - feeTotal
    const report = await read<ReportPage>(sb, funds(FRIDAY))
    expect(report.items.map(essentials)).toEqual([
      { entryType: 'capture', amount: 20_000, reference: regular, pspReference: firstShipment },
      { entryType: 'capture', amount: 9_900, reference: regular, pspReference: rest },
      { entryType: 'capture', amount: 24_900, reference: express, pspReference: expressCapture },
      { entryType: 'capture', amount: 10_000, reference: epayment, pspReference: epaymentCapture },
      { entryType: 'refund', amount: -5_000, reference: regular, pspReference: returned },
      { entryType: 'fees-retained', amount: -feeTotal, pspReference: `${NOK_LEDGER}-fees-20250314` },
      {
        entryType: 'scheduled-for-payout',
        amount: -payout,
        reference: expect.stringMatching(/^Vipps utbet\. \d+ Vippsnr 123456$/),
        pspReference: expect.stringMatching(new RegExp(`^${NOK_LEDGER}-\\d+$`)),
      },
    ])
    expectConsistentBalances(report.items)
    expect(report.items.at(-1)!.balanceAfter).toBe(0)
    expect(report.items[0]).toMatchObject({
      time: '2025-03-14T08:00:00.000000Z',
      ledgerDate: FRIDAY,
      currency: 'NOK',
      recipientHandle: 'api:123456',
    })

    const feeReport = await read<ReportPage>(sb, fees(FRIDAY))
    expect(feeReport.items.map(essentials)).toEqual([
      { entryType: 'capture-fee', amount: -498, reference: regular, pspReference: firstShipment },
      { entryType: 'capture-fee', amount: -297, reference: regular, pspReference: rest },
      { entryType: 'capture-fee', amount: -596, reference: express, pspReference: expressCapture },
      { entryType: 'capture-fee', amount: -299, reference: epayment, pspReference: epaymentCapture },
      { entryType: 'fees-retained', amount: feeTotal, pspReference: `${NOK_LEDGER}-fees-20250314` },
    ])
    expectConsistentBalances(feeReport.items)

    // Two business days after Friday is Tuesday: paid at its start in Oslo, not a moment before.
    const payoutsOf = async () =>
      (await sb.app.inject({ method: 'GET', url: '/_sandbox/ledgers/123456' })).json().ledgers[0].payouts
    advanceTo(sb, '2025-03-17T22:59:59Z')
    expect(await payoutsOf()).toEqual([
      expect.objectContaining({ amount: payout, payoutDate: '2025-03-18', state: 'scheduled' }),
    ])
    advanceTo(sb, '2025-03-17T23:00:00Z')
    expect(await payoutsOf()).toEqual([expect.objectContaining({ amount: payout, state: 'paid' })])
  })

  it('books a capture retried with the same X-Request-Id once, and a cancelled order not at all', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const orderId = await reservedOrder(sb, 10_000)
    const body = actionBody({ amount: 4_000, transactionText: 'Første pakke' })
    const first = await ecomCall(sb, `/ecomm/v2/payments/${orderId}/capture`, body, { requestId: 'ship-1' })
    const again = await ecomCall(sb, `/ecomm/v2/payments/${orderId}/capture`, body, { requestId: 'ship-1' })
    expect(again).toEqual(first)
    // The rest is released, which moves no money.
    await ecomCall(
      sb,
      `/ecomm/v2/payments/${orderId}/cancel`,
      { ...actionBody({ transactionText: 'Resten utgår' }), shouldReleaseRemainingFunds: true },
      { method: 'PUT' },
    )
    const untouched = await reservedOrder(sb, 5_000)
    await ecomCall(sb, `/ecomm/v2/payments/${untouched}/cancel`, actionBody({ transactionText: 'Angret' }), {
      method: 'PUT',
    })

    advanceTo(sb, '2025-03-14T23:00:00Z')
    const report = await read<ReportPage>(sb, funds(FRIDAY))
    expect(report.items.map((entry) => [entry.entryType, entry.amount])).toEqual([
      ['capture', 4_000],
      ['fees-retained', -(80 + 100)],
      ['scheduled-for-payout', -(4_000 - 180)],
    ])
    expect(report.items[0]!.pspReference).toBe(first.transactionInfo.transactionId)
  })
})
