/**
 * The Report API as a merchant sees it, from real payments: a day's captures
 * and refunds become its funds and fees reports once the day closes, fees are
 * retained, the balance is scheduled for payout and reaches the bank two
 * business days later; feeds page with cursors; no merchant reads another's.
 */
import type { LedgerEntry, LedgerList, ReportFeedPage, ReportPage } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import type { TestSandbox } from '../../test/helpers.ts'
import { fieldsOf } from '../epayment/test-helpers.ts'
import {
  advanceTo,
  as,
  authorized,
  DANISH_MERCHANT,
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
const feed = (topic: 'funds' | 'fees', cursor?: string) =>
  `/report/v2/ledgers/${NOK_LEDGER}/${topic}/feed${cursor ? `?cursor=${cursor}` : ''}`

type Payout = { ledgerDate: string; amount: number; payoutDate: string; state: string; pspReference: string }
const payouts = async (sb: TestSandbox, msn = '123456'): Promise<Payout[]> => {
  const view = (await sb.app.inject({ method: 'GET', url: `/_sandbox/ledgers/${msn}` })).json()
  return view.ledgers[0].payouts
}

/**
 * Friday 14 March 2025 in Oslo (UTC+1): 250.00 and 100.00 captured in the
 * morning, 50.00 of the first refunded in the afternoon. Default fees: 1.99 %
 * + 1.00 per capture, so 4.98 + 1.00 and 1.99 + 1.00.
 */
async function fridayOfSales(sb: TestSandbox) {
  const coffee = await authorized(sb, 25_000)
  const cake = await authorized(sb, 10_000)
  const coffeeCapture = await modify(sb, coffee, 'capture', 25_000)
  advanceTo(sb, '2025-03-14T10:00:00Z')
  const cakeCapture = await modify(sb, cake, 'capture', 10_000)
  advanceTo(sb, '2025-03-14T13:00:00Z')
  const coffeeRefund = await modify(sb, coffee, 'refund', 5_000)
  return { coffee, cake, coffeeCapture, cakeCapture, coffeeRefund }
}

describe('a day of sales in the settlement report', () => {
  it('is not there (404) while the day is open, and is complete once it has closed', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const day = await fridayOfSales(sb)

    advanceTo(sb, '2025-03-14T22:59:59Z') // 23:59:59 in Oslo
    for (const url of [funds(FRIDAY), fees(FRIDAY)]) {
      const early = await as(sb, 'GET', url)
      expect(early.statusCode).toBe(404)
      expect(early.headers['content-type']).toContain('application/problem+json')
      expect(early.json().detail).toContain('2025-03-14T23:00:00.000Z')
    }

    advanceTo(sb, '2025-03-14T23:00:00Z') // midnight in Oslo: Friday closes
    const report = await read<ReportPage>(sb, funds(FRIDAY))
    expect(report).toMatchObject({ hasMore: false, tryLater: false })
    expect(report.cursor).toBeUndefined()
    const payout = report.items.at(-1)!
    expect(report.items.map(essentials)).toEqual([
      { entryType: 'capture', amount: 25_000, reference: day.coffee, pspReference: day.coffeeCapture },
      { entryType: 'capture', amount: 10_000, reference: day.cake, pspReference: day.cakeCapture },
      { entryType: 'refund', amount: -5_000, reference: day.coffee, pspReference: day.coffeeRefund },
      { entryType: 'fees-retained', amount: -(598 + 299), pspReference: `${NOK_LEDGER}-fees-20250314` },
      {
        entryType: 'scheduled-for-payout',
        amount: -(25_000 + 10_000 - 5_000 - 598 - 299),
        reference: expect.stringMatching(/^Vipps utbet\. \d+ Vippsnr 123456$/),
        pspReference: payout.pspReference,
      },
    ])
    expect(payout.pspReference).toMatch(new RegExp(`^${NOK_LEDGER}-\\d+$`))
    expectConsistentBalances(report.items)
    expect(payout.balanceAfter).toBe(0)
    for (const entry of report.items) {
      expect(entry).toMatchObject({ ledgerDate: FRIDAY, currency: 'NOK' })
    }
    expect(report.items[0]).toMatchObject({
      time: '2025-03-14T08:00:00.000000Z',
      recipientHandle: 'api:123456',
    })
    // The close's entries carry the close's time: midnight in Oslo.
    expect(payout.time).toBe('2025-03-14T23:00:00.000000Z')

    const feeReport = await read<ReportPage>(sb, fees(FRIDAY))
    expect(feeReport.items.map(essentials)).toEqual([
      { entryType: 'capture-fee', amount: -598, reference: day.coffee, pspReference: day.coffeeCapture },
      { entryType: 'capture-fee', amount: -299, reference: day.cake, pspReference: day.cakeCapture },
      { entryType: 'fees-retained', amount: 897, pspReference: `${NOK_LEDGER}-fees-20250314` },
    ])
    expectConsistentBalances(feeReport.items)
    expect(feeReport.items.at(-1)!.balanceAfter).toBe(0)

    // Saturday has begun but not ended.
    expect((await as(sb, 'GET', funds('2025-03-15'))).statusCode).toBe(404)
  })

  it('pays out captures − refunds − fees two business days later, across the weekend', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await fridayOfSales(sb)
    expect(await payouts(sb)).toEqual([])

    advanceTo(sb, '2025-03-15T09:00:00Z') // Saturday morning
    const [scheduled] = await payouts(sb)
    expect(scheduled).toMatchObject({
      ledgerDate: FRIDAY,
      amount: 25_000 + 10_000 - 5_000 - 897,
      payoutDate: '2025-03-18', // Friday + two business days = Tuesday
      state: 'scheduled',
    })

    advanceTo(sb, '2025-03-17T22:59:59Z') // the last second of Monday in Oslo
    expect((await payouts(sb))[0]!.state).toBe('scheduled')
    advanceTo(sb, '2025-03-17T23:00:00Z') // Tuesday
    expect(await payouts(sb)).toEqual([
      expect.objectContaining({ state: 'paid', amount: 29_103, paidAt: '2025-03-17T23:00:00.000000Z' }),
    ])

    // The weekend's empty dates close with empty reports.
    for (const date of ['2025-03-15', '2025-03-16']) {
      expect(await read<ReportPage>(sb, funds(date))).toEqual({ hasMore: false, tryLater: false, items: [] })
    }
  })

  it('rolls a negative day into the next payout, and pays a Monday on Wednesday', async () => {
    const sb = await settlementSandbox('2025-03-17T08:00:00Z') // Monday
    const sale = await authorized(sb, 20_000)
    await modify(sb, sale, 'capture', 20_000) // fee 398 + 100
    advanceTo(sb, '2025-03-17T23:00:00Z')
    const [monday] = await payouts(sb)
    expect(monday).toMatchObject({ ledgerDate: '2025-03-17', amount: 20_000 - 498, payoutDate: '2025-03-19' })

    await modify(sb, sale, 'refund', 15_000) // Tuesday: only a refund
    advanceTo(sb, '2025-03-18T23:00:00Z')
    const tuesday = await read<ReportPage>(sb, funds('2025-03-18'))
    expect(tuesday.items.map(essentials)).toEqual([
      expect.objectContaining({ entryType: 'refund', amount: -15_000 }),
    ])
    expect(tuesday.items[0]!.balanceAfter).toBe(-15_000)
    expect(await payouts(sb)).toHaveLength(1)

    const more = await authorized(sb, 30_000) // Wednesday
    await modify(sb, more, 'capture', 30_000) // fee 597 + 100
    advanceTo(sb, '2025-03-19T23:00:00Z')
    const wednesday = await read<ReportPage>(sb, funds('2025-03-19'))
    expectConsistentBalances(wednesday.items, -15_000)
    expect(wednesday.items.at(-1)).toMatchObject({
      entryType: 'scheduled-for-payout',
      amount: -(30_000 - 697 - 15_000),
    })
    expect((await payouts(sb)).map((p) => [p.ledgerDate, p.amount, p.payoutDate])).toEqual([
      ['2025-03-17', 19_502, '2025-03-19'],
      ['2025-03-19', 14_303, '2025-03-21'],
    ])
  })

  it('puts a capture after local midnight on the next date, in the merchant’s own time zone', async () => {
    const sb = await settlementSandbox('2025-03-14T22:30:00Z') // 23:30 in Oslo and Copenhagen
    const norwegian = await authorized(sb, 10_000)
    const danish = await authorized(sb, 10_000, DANISH_MERCHANT)
    advanceTo(sb, '2025-03-14T23:10:00Z') // 00:10 on Saturday
    await modify(sb, norwegian, 'capture', 10_000)
    await modify(sb, danish, 'capture', 10_000, DANISH_MERCHANT)
    advanceTo(sb, '2025-03-15T23:00:00Z')
    expect((await read<ReportPage>(sb, funds('2025-03-14'))).items).toEqual([])
    expect((await read<ReportPage>(sb, funds('2025-03-15'))).items[0]).toMatchObject({ entryType: 'capture' })
    const danishDay = await read<ReportPage>(
      sb,
      '/report/v2/ledgers/208223344/funds/dates/2025-03-15',
      DANISH_MERCHANT,
    )
    expect(danishDay.items.map((e) => [e.entryType, e.currency])).toEqual([
      ['capture', 'DKK'],
      ['fees-retained', 'DKK'],
      ['scheduled-for-payout', 'DKK'],
    ])
  })

  it('books a capture retried with the same Idempotency-Key once', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const reference = await authorized(sb, 10_000)
    const { token } = sb.ctx.tokens.issue('test-client-id')
    const retry = () =>
      sb.app.inject({
        method: 'POST',
        url: `/epayment/v1/payments/${reference}/capture`,
        headers: {
          authorization: `Bearer ${token}`,
          'ocp-apim-subscription-key': 'test-subscription-key',
          'merchant-serial-number': '123456',
          'idempotency-key': 'till-1-capture',
        },
        payload: { modificationAmount: { currency: 'NOK', value: 10_000 } },
      })
    expect((await retry()).statusCode).toBe(200)
    expect((await retry()).statusCode).toBe(200)
    const page = await read<ReportFeedPage>(sb, feed('funds'))
    expect(page.items.map((e) => e.entryType)).toEqual(['capture'])
  })
})

describe('the feeds', () => {
  it('page with cursors until tryLater, and a kept cursor resumes where it stopped', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await sb.app.inject({ method: 'PATCH', url: '/_sandbox/report/settings', payload: { pageSize: 2 } })
    for (const value of [10_000, 20_000, 30_000])
      await modify(sb, await authorized(sb, value), 'capture', value)

    const seen: LedgerEntry[] = []
    const cursors: string[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await read<ReportFeedPage>(sb, feed('funds', cursor))
      expect(page.hasMore).toBeUndefined() // the spec gives hasMore on the dates endpoint only
      seen.push(...page.items)
      cursor = page.cursor
      cursors.push(cursor)
      if (page.tryLater) break
      expect(page.items).toHaveLength(2)
    }
    expect(seen.map((e) => e.amount)).toEqual([10_000, 20_000, 30_000])
    expect(new Set(cursors).size).toBe(cursors.length)

    // At the end: nothing new, the same cursor back, try later.
    expect(await read<ReportFeedPage>(sb, feed('funds', cursor))).toEqual({
      cursor,
      tryLater: true,
      items: [],
    })

    // The day closes; the kept cursor gives exactly what came since.
    advanceTo(sb, '2025-03-14T23:00:00Z')
    const next = await read<ReportFeedPage>(sb, feed('funds', cursor))
    expect(next.items.map((e) => e.entryType)).toEqual(['fees-retained', 'scheduled-for-payout'])
    expect(next.tryLater).toBe(true)
    expectConsistentBalances([...seen, ...next.items])
    // A cursor is stable: asking again with the same one gives the same page.
    expect(await read<ReportFeedPage>(sb, feed('funds', cursors[0]))).toEqual(
      await read<ReportFeedPage>(sb, feed('funds', cursors[0])),
    )

    const feesFeed = await read<ReportFeedPage>(sb, feed('fees'))
    expect(feesFeed.items.map((e) => e.entryType)).toEqual(['capture-fee', 'capture-fee'])
    expect(feesFeed.tryLater).toBe(false)
  })

  it('page a date report with hasMore and a cursor that is there only while there is more', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await sb.app.inject({ method: 'PATCH', url: '/_sandbox/report/settings', payload: { pageSize: 2 } })
    for (const value of [10_000, 20_000, 30_000])
      await modify(sb, await authorized(sb, value), 'capture', value)
    advanceTo(sb, '2025-03-15T00:00:00Z')

    const first = await read<ReportPage>(sb, funds(FRIDAY))
    expect(first).toMatchObject({ hasMore: true, tryLater: false, cursor: expect.any(String) })
    const second = await read<ReportPage>(sb, `${funds(FRIDAY)}?cursor=${first.cursor}`)
    expect(second).toMatchObject({ hasMore: true })
    const third = await read<ReportPage>(sb, `${funds(FRIDAY)}?cursor=${second.cursor}`)
    expect(third.hasMore).toBe(false)
    expect(third.cursor).toBeUndefined()
    const all = [...first.items, ...second.items, ...third.items]
    expect(all.map((e) => e.entryType)).toEqual([
      'capture',
      'capture',
      'capture',
      'fees-retained',
      'scheduled-for-payout',
    ])

    // A date's cursor is for that date and topic only.
    const elsewhere = await as(sb, 'GET', `${fees(FRIDAY)}?cursor=${first.cursor}`)
    expect(elsewhere.statusCode).toBe(400)
    expect(fieldsOf(elsewhere)).toEqual(['cursor'])
  })
})

describe('ledgers', () => {
  it('lists the merchant’s own ledger, filtered by the handle it settles for', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const list = await read<LedgerList>(sb, '/settlement/v1/ledgers')
    expect(list).toEqual({
      cursor: '',
      items: [
        {
          ledgerId: NOK_LEDGER,
          currency: 'NOK',
          payoutBankAccount: { scheme: 'BBAN:NO', id: expect.stringMatching(/^8601\d{7}$/) },
          owner: { scheme: 'business:NO:ORG', id: expect.stringMatching(/^9\d{8}$/) },
          settlesForRecipientHandles: ['api:123456'],
        },
      ],
    })
    expect(
      await read<LedgerList>(sb, '/settlement/v1/ledgers?settlesForRecipientHandles=api:123456'),
    ).toEqual(list)
    expect(
      await read<LedgerList>(sb, '/settlement/v1/ledgers?settlesForRecipientHandles=api:223344'),
    ).toEqual({
      cursor: '',
      items: [],
    })
    const danish = await read<LedgerList>(sb, '/settlement/v1/ledgers', DANISH_MERCHANT)
    expect(danish.items).toEqual([
      expect.objectContaining({
        ledgerId: '208223344',
        currency: 'DKK',
        payoutBankAccount: { scheme: 'BBAN:DK', id: '53010000223344' },
        owner: { scheme: 'business:DK:CVR', id: expect.stringMatching(/^\d{8}$/) },
        settlesForRecipientHandles: ['api:223344'],
      }),
    ])
  })

  it('are invisible to other merchants: 404 as for a ledger that does not exist', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000)
    advanceTo(sb, '2025-03-15T00:00:00Z')
    for (const url of [funds(FRIDAY), fees(FRIDAY), feed('funds'), feed('fees')]) {
      const foreign = await as(sb, 'GET', url, { merchant: DANISH_MERCHANT })
      expect(foreign.statusCode, url).toBe(404)
      expect(foreign.json().title).toBe('Ledger not found')
    }
    const missing = await as(sb, 'GET', '/report/v2/ledgers/999/funds/feed')
    expect(missing.statusCode).toBe(404)
  })
})

describe('bad requests', () => {
  it('are 400s naming the field, and requests without access are the gateway’s 401', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const cases: Array<[string, string]> = [
      [funds('2025-02-30'), 'ledgerDate'],
      [funds('14-03-2025'), 'ledgerDate'],
      [`/report/v2/ledgers/${NOK_LEDGER}/payouts/dates/2025-03-14`, 'params.topic'],
      [`/report/v2/ledgers/${NOK_LEDGER}/payouts/feed`, 'params.topic'],
      [feed('funds', 'garbage'), 'cursor'],
      ['/settlement/v1/ledgers?cursor=garbage', 'cursor'],
      ['/settlement/v1/ledgers?settlesForRecipientHandles=123456', 'settlesForRecipientHandles'],
    ]
    for (const [url, field] of cases) {
      const response = await as(sb, 'GET', url)
      expect(response.statusCode, url).toBe(400)
      expect(response.headers['content-type']).toContain('application/problem+json')
      expect(fieldsOf(response), url).toEqual([field])
    }
    const anonymous = await sb.app.inject({ method: 'GET', url: feed('funds') })
    expect(anonymous.statusCode).toBe(401)
  })

  it('refuse a cursor kept across a reset rather than skip the new ledger’s entries', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000)
    const { cursor } = await read<ReportFeedPage>(sb, feed('funds'))
    await sb.app.inject({ method: 'POST', url: '/_sandbox/reset' })
    const stale = await as(sb, 'GET', feed('funds', cursor))
    expect(stale.statusCode).toBe(400)
    expect(stale.json().detail).toMatch(/reset/)
  })
})
