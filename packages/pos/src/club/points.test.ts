/**
 * Points: the floor rule and the take-back arithmetic on their own, then on
 * sales paid through the in-process sandbox — registered only once the
 * payment is captured, never on an authorisation, a declined, cancelled or
 * expired payment, and taken back by refunds so that the sale's net points
 * always follow its net captured amount.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { insertMember } from '../../test/club.ts'
import { MARTIN, type TillClient } from '../../test/helpers.ts'
import { call, OLA_MSISDN } from '../../test/sandbox.ts'
import {
  afterMs,
  BATTERIES,
  MILK,
  NEWSPAPER,
  paymentOf,
  readySale,
  saleOf,
  startPayment,
  usePaymentTestBed,
} from '../../test/till.ts'
import { member, pointsEntry, store } from '../db/schema.ts'
import { DEMO_STORE } from '../seed/demo.ts'
import { pointsFor, pointsToTakeBack } from './points.ts'

describe('the points rule', () => {
  it('is floor(amount / spendPerPoint), never rounded up', () => {
    expect(pointsFor(10_580, 1000)).toBe(10)
    expect(pointsFor(9_999, 1000)).toBe(9)
    expect(pointsFor(10_000, 1000)).toBe(10)
    expect(pointsFor(999, 1000)).toBe(0)
    expect(pointsFor(10_580, 100)).toBe(105)
    expect(() => pointsFor(100, 0)).toThrow(RangeError)
    expect(() => pointsFor(-1, 1000)).toThrow(RangeError)
  })

  it('takes back just enough that any sequence of refunds leaves floor(net / spendPerPoint)', () => {
    const captured = 17_670
    const spendPerPoint = 1000
    // Every way of refunding the sale in steps of these sizes, in order, until nothing is left.
    for (const steps of [
      [2590, 7990, 7090],
      [1, 1, 1, 17_667],
      [999, 1000, 1001, 14_670],
      [17_670],
      [500, 500, 500, 500, 15_670],
    ]) {
      let held = pointsFor(captured, spendPerPoint)
      let refunded = 0
      for (const step of steps) {
        refunded += step
        const back = pointsToTakeBack({ captured, refunded, held, spendPerPoint })
        expect(back).toBeGreaterThanOrEqual(0)
        held -= back
        expect(held).toBe(Math.floor((captured - refunded) / spendPerPoint))
      }
      expect(held).toBe(0)
    }
  })
})

const { pos, sandbox } = usePaymentTestBed()
const captureCall = call('POST', /\/capture$/)

async function balance(memberId = 'mbr_ola'): Promise<number> {
  const [row] = await pos().database.db.select().from(member).where(eq(member.id, memberId))
  return row!.points
}

/** A sale for Ola, the member: milk ×2, batteries, a newspaper = 176.70 kr; the payment request sent. */
async function memberSale(till: TillClient) {
  const saleId = await readySale(till, '912 34 567', MILK, MILK, BATTERIES, NEWSPAPER)
  const attempt = await startPayment(till, saleId)
  return { saleId, attempt }
}

describe('points on a purchase', () => {
  it('are registered on the member’s account only once the payment is captured, exactly once', async () => {
    await insertMember(pos(), { points: 3 })
    const kari = await pos().signIn()
    const { saleId, attempt } = await memberSale(kari)
    expect((await saleOf(kari, saleId)).customer.member).toEqual({
      id: 'mbr_ola',
      name: 'Ola Nordmann',
      points: 3,
    })

    // Approved, but the capture does not get through: authorised money earns nothing yet.
    await sandbox.answer(OLA_MSISDN, attempt.reference, 'approve')
    sandbox.faults.push({ matches: captureCall, kind: 'refuse', times: 1 })
    await afterMs(pos(), 5_000)
    expect(['authorized', 'capturing']).toContain((await paymentOf(kari, saleId)).state)
    expect(await balance()).toBe(3)
    expect((await saleOf(kari, saleId)).pointsEarned).toBeNull()

    await afterMs(pos(), 30_000)
    expect((await paymentOf(kari, saleId)).state).toBe('captured')
    const paid = await saleOf(kari, saleId)
    expect(paid.state).toBe('paid')
    expect(paid.pointsEarned).toBe(17) // floor(17670 / 1000)
    expect(paid.customer.member.points).toBe(20)
    expect(await balance()).toBe(20)

    // However often the sweeper looks, the purchase counts once.
    await afterMs(pos(), 60_000)
    expect(await balance()).toBe(20)
    const entries = await pos().database.db.select().from(pointsEntry).where(eq(pointsEntry.saleId, saleId))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      reason: 'purchase',
      points: 17,
      spendPerPoint: 1000,
      memberId: 'mbr_ola',
    })
  })

  it('follow the store’s rate', async () => {
    await pos().database.db.update(store).set({ spendPerPoint: 100 }).where(eq(store.id, DEMO_STORE.id))
    await insertMember(pos())
    const kari = await pos().signIn()
    const { saleId, attempt } = await memberSale(kari)
    await sandbox.answer(OLA_MSISDN, attempt.reference, 'approve')
    await afterMs(pos(), 5_000)
    expect((await saleOf(kari, saleId)).pointsEarned).toBe(176) // floor(17670 / 100)
    expect(await balance()).toBe(176)
  })

  it('are never registered for a declined, cancelled or expired payment, nor for a customer who is no member', async () => {
    await insertMember(pos())
    const kari = await pos().signIn()

    const declined = await memberSale(kari)
    await sandbox.answer(OLA_MSISDN, declined.attempt.reference, 'reject')
    await afterMs(pos(), 5_000)
    expect((await paymentOf(kari, declined.saleId)).state).toBe('declined')

    const cancel = await kari.request('POST', `/api/sales/${declined.saleId}/payment`)
    expect(cancel.statusCode).toBe(202)
    const cancelled = await kari.request('POST', `/api/sales/${declined.saleId}/payment/cancel`)
    expect(cancelled.json().attempt.state).toBe('cancelled')

    const expiring = await kari.request('POST', `/api/sales/${declined.saleId}/payment`)
    expect(expiring.statusCode).toBe(202)
    sandbox.ctx.clock.advance(11 * 60_000)
    await afterMs(pos(), 11 * 60_000)
    expect((await paymentOf(kari, declined.saleId)).state).toBe('expired')

    expect(await balance()).toBe(0)
    expect((await saleOf(kari, declined.saleId)).pointsEarned).toBeNull()
    expect(await pos().database.db.select().from(pointsEntry)).toEqual([])

    // Kari is no member: her paid sale earns nobody anything.
    await kari.request('POST', `/api/sales/${declined.saleId}/void`)
    const saleId = await readySale(kari, '123 45 678', MILK)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer('4712345678', attempt.reference, 'approve')
    await afterMs(pos(), 5_000)
    const paid = await saleOf(kari, saleId)
    expect(paid.state).toBe('paid')
    expect(paid.pointsEarned).toBeNull()
    expect(await pos().database.db.select().from(pointsEntry)).toEqual([])
  })
})

describe('points and refunds', () => {
  it('each refund takes back its share, so the sale’s net points follow its net captured amount', async () => {
    await insertMember(pos(), { points: 5 })
    const kari = await pos().signIn()
    const { saleId, attempt } = await memberSale(kari)
    await sandbox.answer(OLA_MSISDN, attempt.reference, 'approve')
    await afterMs(pos(), 5_000)
    expect(await balance()).toBe(5 + 17)

    const martin = await pos().signIn(MARTIN, 'till-2')
    const lines = Object.fromEntries((await pos().ctx.sales.load(saleId)).lines.map((l) => [l.barcode, l.id]))
    const refund = async (body: unknown) => {
      const response = await martin.request('POST', `/api/sales/${saleId}/refunds`, body)
      expect(response.statusCode, response.body).toBe(201)
      expect(response.json().refund.state).toBe('refunded')
      return response.json().refund.id as string
    }

    // One milk back: 176.70 − 25.90 = 150.80 → 15 points: 2 taken back.
    const first = await refund({ lines: [{ lineId: lines[MILK], quantity: 1 }] })
    expect(await balance()).toBe(5 + 15)
    // The batteries: 150.80 − 79.90 = 70.90 → 7 points: 8 more back.
    const second = await refund({ lines: [{ lineId: lines[BATTERIES], quantity: 1 }] })
    expect(await balance()).toBe(5 + 7)
    // The rest: nothing left, no points left from this sale.
    const third = await refund({ all: true })
    expect(await balance()).toBe(5)

    const answer = await kari.request('GET', '/api/club/members/mbr_ola')
    expect(answer.statusCode, answer.body).toBe(200)
    const page = answer.json()
    expect(page.points).toBe(5)
    expect(page.purchases).toEqual([
      expect.objectContaining({
        saleId,
        total: 17_670,
        currency: 'NOK',
        pointsEarned: 17,
        pointsReturned: 17,
      }),
    ])
    expect(
      page.pointsHistory.map((e: { points: number; refundId: string | null }) => [e.points, e.refundId]),
    ).toEqual([
      [-7, third],
      [-8, second],
      [-2, first],
      [17, null],
    ])
  })

  it('take back by the floor of what is left, not a rounded share of the refund', async () => {
    await insertMember(pos())
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '912 34 567', NEWSPAPER, NEWSPAPER, MILK)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(OLA_MSISDN, attempt.reference, 'approve')
    await afterMs(pos(), 5_000)
    // 45.00 + 45.00 + 25.90 = 115.90 → 11 points.
    expect((await saleOf(kari, saleId)).pointsEarned).toBe(11)
    const martin = await pos().signIn(MARTIN, 'till-2')
    const milkLine = (await pos().ctx.sales.load(saleId)).lines.find((l) => l.barcode === MILK)!.id
    const refunded = await martin.request('POST', `/api/sales/${saleId}/refunds`, {
      lines: [{ lineId: milkLine, quantity: 1 }],
    })
    expect(refunded.statusCode).toBe(201)
    // 115.90 − 25.90 = 90.00 → 9 points: 2 back, though the refund alone is worth 2.59 points.
    expect(await balance()).toBe(9)
    // A newspaper more: 90.00 − 45.00 = 45.00 → 4 points: 5 back.
    const newspaperLine = (await pos().ctx.sales.load(saleId)).lines.find((l) => l.barcode === NEWSPAPER)!.id
    const again = await martin.request('POST', `/api/sales/${saleId}/refunds`, {
      lines: [{ lineId: newspaperLine, quantity: 1 }],
    })
    expect(again.statusCode).toBe(201)
    expect(await balance()).toBe(4)
  })
})
