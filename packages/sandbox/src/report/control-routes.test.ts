/**
 * The settlement control API: a merchant's ledgers with balances and payouts,
 * the fee model per merchant (seeded from config, set at run time, restored
 * by reset), and the page size.
 */
import { describe, expect, it } from 'vitest'
import type { TestSandbox } from '../../test/helpers.ts'
import { testSandbox } from '../../test/helpers.ts'
import { SandboxClock } from '../clock.ts'
import { DEFAULT_MERCHANT, loadConfig } from '../config.ts'
import { fieldsOf } from '../epayment/test-helpers.ts'
import { advanceTo, authorized, modify, settlementSandbox } from './test-helpers.ts'

const control = (sb: TestSandbox, method: 'GET' | 'PUT' | 'PATCH' | 'POST', url: string, payload?: object) =>
  sb.app.inject({ method, url, ...(payload ? { payload } : {}) })

describe('the settlement control API', () => {
  it('shows a merchant’s ledger before and after a day of sales, with its payout', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const empty = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json()
    expect(empty).toMatchObject({
      msn: '123456',
      feeModel: { percentBasisPoints: 199, fixedMinorUnits: 100 },
      ledgers: [
        {
          ledgerId: '578123456',
          currency: 'NOK',
          timeZone: 'Europe/Oslo',
          country: 'NO',
          funds: { balance: 0, entries: [] },
          fees: { balance: 0, entries: [] },
          payouts: [],
        },
      ],
    })

    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000)
    const open = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json().ledgers[0]
    expect(open).toMatchObject({
      dates: { '2025-03-14': 'open' },
      funds: { balance: 10_000 },
      fees: { balance: -299 },
    })

    advanceTo(sb, '2025-03-15T00:00:00Z')
    const closed = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json().ledgers[0]
    expect(closed).toMatchObject({
      dates: { '2025-03-14': 'closed' },
      funds: { balance: 0 },
      fees: { balance: 0 },
    })
    expect(closed.payouts).toEqual([
      {
        payoutNumber: expect.any(Number),
        pspReference: expect.stringMatching(/^578123456-\d+$/),
        ledgerDate: '2025-03-14',
        amount: 9_701,
        currency: 'NOK',
        scheduledAt: '2025-03-14T23:00:00.000000Z',
        payoutDate: '2025-03-18',
        state: 'scheduled',
        whereabouts: 'decided and on its way to the bank',
      },
    ])
    expect((await control(sb, 'GET', '/_sandbox/ledgers/999999')).statusCode).toBe(404)
    expect(fieldsOf(await control(sb, 'GET', '/_sandbox/ledgers/abc'))).toEqual(['params.msn'])
  })

  it('sets the fee model for captures from then on; booked fees stay', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000) // 199 + 100
    const set = await control(sb, 'PUT', '/_sandbox/merchants/123456/fees', {
      percentBasisPoints: 250,
      fixedMinorUnits: 0,
    })
    expect(set.json()).toEqual({ percentBasisPoints: 250, fixedMinorUnits: 0 })
    expect((await control(sb, 'GET', '/_sandbox/merchants/123456/fees')).json()).toEqual(set.json())
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000) // 250
    const { fees } = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json().ledgers[0]
    expect(fees.entries.map((e: { amount: number }) => e.amount)).toEqual([-299, -250])

    // Free: no fee entry at all.
    await control(sb, 'PUT', '/_sandbox/merchants/123456/fees', { percentBasisPoints: 0, fixedMinorUnits: 0 })
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000)
    const after = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json().ledgers[0]
    expect(after.fees.entries).toHaveLength(2)
  })

  it('refuses a bad fee model naming the field, and an unknown merchant with 404', async () => {
    const sb = await settlementSandbox('2025-03-14T08:00:00Z')
    const cases: Array<[object, string[]]> = [
      [{ percentBasisPoints: 10_001, fixedMinorUnits: 0 }, ['percentBasisPoints']],
      [{ percentBasisPoints: 1.5, fixedMinorUnits: 0 }, ['percentBasisPoints']],
      [{ percentBasisPoints: 100 }, ['fixedMinorUnits']],
      [{ percentBasisPoints: 100, fixedMinorUnits: -1 }, ['fixedMinorUnits']],
    ]
    for (const [body, fields] of cases) {
      const response = await control(sb, 'PUT', '/_sandbox/merchants/123456/fees', body)
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
      expect(fieldsOf(response)).toEqual(fields)
    }
    const unknown = await control(sb, 'PUT', '/_sandbox/merchants/654321/fees', {
      percentBasisPoints: 100,
      fixedMinorUnits: 0,
    })
    expect(unknown.statusCode).toBe(404)
    expect((await control(sb, 'GET', '/_sandbox/merchants/654321/fees')).statusCode).toBe(404)
    expect(fieldsOf(await control(sb, 'PATCH', '/_sandbox/report/settings', { pageSize: 0 }))).toEqual([
      'pageSize',
    ])
  })

  it('takes a merchant’s fee model from the config, and reset forgets ledgers and run-time settings', async () => {
    const config = loadConfig(undefined, {
      merchants: [{ ...DEFAULT_MERCHANT, fees: { percentBasisPoints: 100, fixedMinorUnits: 50 } }],
      rateLimits: { enabled: false, writesPerMinute: 5, readsPerMinute: 120 },
    })
    const sb = await testSandbox({
      config,
      clock: new SandboxClock(() => Date.parse('2025-03-14T08:00:00Z')),
    })
    expect((await control(sb, 'GET', '/_sandbox/merchants/123456/fees')).json()).toEqual({
      percentBasisPoints: 100,
      fixedMinorUnits: 50,
    })
    await modify(sb, await authorized(sb, 10_000), 'capture', 10_000)
    await control(sb, 'PUT', '/_sandbox/merchants/123456/fees', { percentBasisPoints: 0, fixedMinorUnits: 0 })
    await control(sb, 'PATCH', '/_sandbox/report/settings', { pageSize: 5 })

    await control(sb, 'POST', '/_sandbox/reset')
    const ledger = (await control(sb, 'GET', '/_sandbox/ledgers/123456')).json()
    expect(ledger.feeModel).toEqual({ percentBasisPoints: 100, fixedMinorUnits: 50 })
    expect(ledger.ledgers[0]).toMatchObject({ funds: { balance: 0, entries: [] }, payouts: [], dates: {} })
    expect((await control(sb, 'GET', '/_sandbox/report/settings')).json()).toEqual({ pageSize: 1000 })
  })
})
