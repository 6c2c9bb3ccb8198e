/**
 * The client library's Report API against a running sandbox, over HTTP: the
 * shapes the client validates strictly are the ones the sandbox answers, a day
 * is not ready until it closes on the sandbox clock (moved through the control
 * API), and the feed resumes from a kept cursor.
 */
import { newIdempotencyKey, VippsClient } from '@kasse/vipps'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningSandbox, startSandbox } from '../server.ts'
import { addDays, endOfDate, ledgerDateOf, startOfDate } from './business-days.ts'
import { NOK_LEDGER } from './test-helpers.ts'

let sandbox: RunningSandbox

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 })
})

afterAll(async () => {
  await sandbox.close()
})

const OSLO = 'Europe/Oslo'
const nok = (value: number) => ({ currency: 'NOK' as const, value })

/** The running sandbox's time, from its control API. */
const sandboxNow = async (): Promise<number> =>
  (await (await fetch(`${sandbox.url}/_sandbox/clock`)).json()).epochMs

/** Moves the running sandbox's clock to `instant` through its control API. */
async function advanceTo(instant: number): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ms: Math.max(0, instant - (await sandboxNow())) }),
  })
  expect(response.status).toBe(200)
}

describe('the client’s report API against the sandbox', () => {
  it('finds the ledger, waits for the day to close, reads its funds and fees, and follows the feed', async () => {
    // 10:00 tomorrow in Oslo: far from any midnight while the test runs.
    const day = addDays(ledgerDateOf(await sandboxNow(), OSLO), 1)
    await advanceTo(startOfDate(day, OSLO) + 10 * 3_600_000)

    const client = new VippsClient({
      host: sandbox.url as `http://${string}`,
      credentials: {
        clientId: 'test-client-id',
        clientSecret: 'test-client-secret',
        subscriptionKey: 'test-subscription-key',
        msn: '123456',
      },
      system: { name: 'kasse-tests', version: '0.1.0' },
      responseValidation: 'strict',
    })
    const reference = `report-${Date.now().toString(36)}`
    await client.epayment.create(
      {
        reference,
        amount: nok(25_000),
        paymentMethod: { type: 'WALLET' },
        userFlow: 'PUSH_MESSAGE',
        customer: { phoneNumber: '4712345678' },
        customerInteraction: 'CUSTOMER_PRESENT',
      },
      { idempotencyKey: newIdempotencyKey() },
    )
    await client.epayment.forceApprove(reference)
    await client.epayment.capture(reference, nok(20_000))
    await client.epayment.capture(reference, nok(5_000))
    await client.epayment.refund(reference, nok(3_000))

    const ledgers = []
    for await (const ledger of client.report.allLedgers({ settlesForRecipientHandles: 'api:123456' })) {
      ledgers.push(ledger)
    }
    expect(ledgers.map((l) => [l.ledgerId, l.currency])).toEqual([[NOK_LEDGER, 'NOK']])
    expect(await client.report.forDate(NOK_LEDGER, 'funds', day)).toEqual({ status: 'not-ready' })

    const early = []
    let kept: string | undefined
    for await (const page of client.report.feed(NOK_LEDGER, 'funds')) {
      early.push(...page.items)
      kept = page.cursor
    }
    expect(early.map((e) => [e.entryType, e.amount, e.reference])).toEqual([
      ['capture', 20_000, reference],
      ['capture', 5_000, reference],
      ['refund', -3_000, reference],
    ])

    // Past midnight: the day closes. The client's token is now hours old on the sandbox clock; it renews it.
    await advanceTo(endOfDate(day, OSLO) + 1_000)
    const funds = await client.report.forDate(NOK_LEDGER, 'funds', day)
    // Fees at the default 1.99 % + 1.00: 3.98 + 1.00 and 1.00 (0.995 rounded) + 1.00.
    const fees = 498 + 200
    expect(funds.status === 'ready' && funds.complete).toBe(true)
    expect(funds.status === 'ready' && funds.entries.map((e) => [e.entryType, e.amount])).toEqual([
      ['capture', 20_000],
      ['capture', 5_000],
      ['refund', -3_000],
      ['fees-retained', -fees],
      ['scheduled-for-payout', -(25_000 - 3_000 - fees)],
    ])
    const feeReport = await client.report.forDate(NOK_LEDGER, 'fees', day)
    expect(feeReport.status === 'ready' && feeReport.entries.map((e) => [e.entryType, e.amount])).toEqual([
      ['capture-fee', -498],
      ['capture-fee', -200],
      ['fees-retained', fees],
    ])

    const later = []
    for await (const page of client.report.feed(NOK_LEDGER, 'funds', { cursor: kept }))
      later.push(...page.items)
    expect(later.map((e) => e.entryType)).toEqual(['fees-retained', 'scheduled-for-payout'])
    expect(later.at(-1)?.balanceAfter).toBe(0)
  })
})
