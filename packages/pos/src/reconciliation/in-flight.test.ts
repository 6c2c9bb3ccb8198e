/**
 * The in-flight check in-process: its verdict for each way the till and the
 * platform can disagree, and resolving an approval both ways — captured once
 * for a request still under way, released for one the till had closed.
 */
import type { GetPaymentResponse } from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { MARTIN } from '../../test/helpers.ts'
import { KARI_MSISDN } from '../../test/sandbox.ts'
import { readySale, startPayment, usePaymentTestBed } from '../../test/till.ts'
import { paymentAttempt } from '../db/schema.ts'
import type { AttemptRow } from '../payments/store.ts'
import { compare } from './service.ts'

const { pos, sandbox } = usePaymentTestBed()
const DAY = '2026-03-02'

const attempt = (state: string, amount = 5_000): AttemptRow => ({ state, amount }) as AttemptRow
const payment = (
  state: GetPaymentResponse['state'],
  amounts: { authorized?: number; captured?: number; cancelled?: number; refunded?: number } = {},
) =>
  ({
    kind: 'payment',
    payment: {
      state,
      aggregate: {
        authorizedAmount: { currency: 'NOK', value: amounts.authorized ?? 0 },
        capturedAmount: { currency: 'NOK', value: amounts.captured ?? 0 },
        cancelledAmount: { currency: 'NOK', value: amounts.cancelled ?? 0 },
        refundedAmount: { currency: 'NOK', value: amounts.refunded ?? 0 },
      },
    } as GetPaymentResponse,
  }) as const

describe('the in-flight verdict', () => {
  it.each([
    ['captured', 0, payment('AUTHORIZED', { authorized: 5_000, captured: 5_000 }), 'agrees', null],
    [
      'captured',
      2_000,
      payment('AUTHORIZED', { authorized: 5_000, captured: 5_000, refunded: 2_000 }),
      'agrees',
      null,
    ],
    [
      'captured',
      0,
      payment('AUTHORIZED', { authorized: 5_000, captured: 5_000, refunded: 1_000 }),
      'refunds-differ',
      null,
    ],
    ['captured', 0, payment('AUTHORIZED', { authorized: 5_000 }), 'registered-not-captured', null],
    ['captured', 0, { kind: 'not-found' } as const, 'unknown-to-platform', null],
    [
      'waiting_for_customer',
      0,
      payment('AUTHORIZED', { authorized: 5_000, captured: 5_000 }),
      'captured-not-registered',
      'follow',
    ],
    [
      'expired',
      0,
      payment('AUTHORIZED', { authorized: 5_000, captured: 5_000 }),
      'captured-not-registered',
      null,
    ],
    [
      'waiting_for_customer',
      0,
      payment('AUTHORIZED', { authorized: 5_000 }),
      'approved-not-registered',
      'follow',
    ],
    ['failed', 0, payment('AUTHORIZED', { authorized: 5_000 }), 'approved-not-registered', 'release'],
    ['failed', 0, payment('AUTHORIZED', { authorized: 5_000, cancelled: 5_000 }), 'agrees', null],
    ['waiting_for_customer', 0, payment('CREATED'), 'in-flight', null],
    ['waiting_for_customer', 0, payment('EXPIRED'), 'catching-up', 'follow'],
    ['cancelled', 0, payment('TERMINATED'), 'agrees', null],
    ['failed', 0, { kind: 'not-found' } as const, 'agrees', null],
    ['unknown', 0, { kind: 'not-found' } as const, 'catching-up', 'follow'],
    ['captured', 0, { kind: 'unreachable', reason: 'network' } as const, 'platform-unreachable', null],
  ] as const)('till %s (refunded %i) against %j: %s, action %s', (state, refunded, found, status, action) => {
    const verdict = compare(attempt(state), 'till-1', 1, refunded, found)
    expect(verdict).toMatchObject({ status, action })
    expect(verdict.difference).toBe(!['agrees', 'in-flight', 'catching-up'].includes(status))
  })
})

describe('resolving from the in-flight check', () => {
  async function approvedRequest() {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const started = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, started.reference, 'approve')
    const martin = await pos().signIn(MARTIN, 'till-2')
    return { kari, martin, saleId, started }
  }

  it('captures an approval the till has not heard of yet, once, and registers the sale', async () => {
    const { kari, martin, saleId, started } = await approvedRequest()
    const check = (await martin.request('GET', `/api/in-flight/${DAY}`)).json()
    expect(check.payments).toHaveLength(1)
    expect(check.payments[0]).toMatchObject({ status: 'approved-not-registered', action: 'follow' })

    const resolved = await martin.request('POST', `/api/payment-attempts/${started.id}/resolve`)
    expect(resolved.statusCode, resolved.body).toBe(200)
    expect(resolved.json().payment).toMatchObject({ status: 'agrees', till: { state: 'captured' } })
    expect((await kari.request('GET', `/api/sales/${saleId}`)).json().state).toBe('paid')
    const events = (await sandbox.payment(started.reference)).events.map((e) => e.name)
    expect(events.filter((name) => name === 'CAPTURED')).toHaveLength(1)
    expect((await martin.request('POST', `/api/payment-attempts/${started.id}/resolve`)).statusCode).toBe(409)
  })

  it('releases an approval for a request the till had already given up on', async () => {
    const { martin, saleId, started } = await approvedRequest()
    // The till gave up on the request before the approval landed (a create whose answer was lost,
    // past its window): the attempt is closed without money and the sale open again.
    const now = new Date(pos().clock.now())
    await pos()
      .database.db.update(paymentAttempt)
      .set({
        state: 'failed',
        finalAt: now,
        nextCheckAt: null,
        errorCode: 'PLATFORM_UNAVAILABLE',
        errorMessage: 'Vipps MobilePay cannot be reached right now.',
        errorRetryable: true,
      })
      .where(eq(paymentAttempt.id, started.id))
    await pos().ctx.sales.reopenAfterPayment(saleId)

    const check = (await martin.request('GET', `/api/in-flight/${DAY}`)).json()
    expect(check.payments[0]).toMatchObject({
      status: 'approved-not-registered',
      difference: true,
      action: 'release',
      platform: { state: 'AUTHORIZED', authorizedAmount: started.amount, capturedAmount: 0 },
    })
    const resolved = await martin.request('POST', `/api/payment-attempts/${started.id}/resolve`)
    expect(resolved.statusCode, resolved.body).toBe(200)
    expect(resolved.json().payment).toMatchObject({
      status: 'agrees',
      platform: { cancelledAmount: started.amount, capturedAmount: 0 },
    })
    const events = (await sandbox.payment(started.reference)).events.map((e) => e.name)
    expect(events).not.toContain('CAPTURED')
    expect(events.filter((name) => name === 'CANCELLED')).toHaveLength(1)
    const again = await martin.request('POST', `/api/payment-attempts/${started.id}/resolve`)
    expect(again.json().error.code).toBe('NOTHING_TO_RESOLVE')
  })
})
