/**
 * Refunds, the journal and the printed receipts, on sales paid through the
 * in-process sandbox.
 */
import { describe, expect, it } from 'vitest'
import type { TillClient } from '../../test/helpers.ts'
import { MARTIN } from '../../test/helpers.ts'
import { call, KARI_MSISDN } from '../../test/sandbox.ts'
import {
  afterMs,
  BATTERIES,
  MILK,
  NEWSPAPER,
  paymentOf,
  readySale,
  startPayment,
  usePaymentTestBed,
} from '../../test/till.ts'

const { pos, sandbox } = usePaymentTestBed()
const refundCall = call('POST', /\/refund$/)

/** A sale paid at till-1 by Kari's phone: milk ×3, batteries, a newspaper. */
async function paidSale(till: TillClient): Promise<{ saleId: string; reference: string }> {
  const saleId = await readySale(till, '123 45 678', MILK, MILK, MILK, BATTERIES, NEWSPAPER)
  const attempt = await startPayment(till, saleId)
  await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
  await afterMs(pos(), 5_000)
  expect((await paymentOf(till, saleId)).state).toBe('captured')
  return { saleId, reference: attempt.reference }
}

async function lineIds(till: TillClient, saleId: string) {
  const sale = (await till.request('GET', `/api/sales?receiptNumber=1`)).json().sales[0]
  expect(sale.id).toBe(saleId)
  const lines = (await pos().ctx.sales.load(saleId)).lines
  return Object.fromEntries(lines.map((l) => [l.barcode, l.id]))
}

describe('a refund', () => {
  it('of some lines goes through ePayment with its own key and prints a return receipt; the rest can follow', async () => {
    const kari = await pos().signIn()
    const { saleId, reference } = await paidSale(kari)
    const martin = await pos().signIn(MARTIN, 'till-2')
    const ids = await lineIds(martin, saleId)

    const partial = await martin.request('POST', `/api/sales/${saleId}/refunds`, {
      lines: [{ lineId: ids[MILK], quantity: 1 }],
    })
    expect(partial.statusCode, partial.body).toBe(201)
    const refund = partial.json().refund
    // One of three milks: 7770 / 3 = 2590, VAT shared the same way.
    expect(refund).toMatchObject({
      state: 'refunded',
      amount: 2590,
      receiptNumber: 2,
      lines: [{ lineId: ids[MILK], quantity: 1, grossAmount: 2590 }],
    })
    expect(refund.receiptUrl).toBe(`/api/sales/${saleId}/refunds/${refund.id}/receipt.html`)
    expect((await paymentOf(kari, saleId)).refundedAmount).toBe(2590)

    const receipt = await martin.request('GET', refund.receiptUrl)
    expect(receipt.statusCode).toBe(200)
    expect(receipt.headers['content-type']).toMatch(/text\/html/)
    expect(receipt.body).toContain('RETURKVITTERING')
    expect(receipt.body).toContain('Retur av kvittering')
    expect(receipt.body).toContain('Tine Helmelk 1 l')
    expect(receipt.body).toContain('>K00000002</text>')

    const rest = await martin.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    expect(rest.statusCode).toBe(201)
    expect(rest.json().refund).toMatchObject({ state: 'refunded', amount: 3 * 2590 + 7990 + 4500 - 2590 })
    const platform = await sandbox.payment(reference)
    expect(platform.events.filter((e) => e.name === 'REFUNDED')).toHaveLength(2)
    expect((await paymentOf(kari, saleId)).refundedAmount).toBe(3 * 2590 + 7990 + 4500)

    const nothingLeft = await martin.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    expect(nothingLeft.statusCode).toBe(409)
    expect(nothingLeft.json().error.code).toBe('REFUND_TOO_LARGE')
    const listed = await martin.request('GET', `/api/sales/${saleId}/refunds`)
    expect(listed.json().refunds.map((r: { receiptNumber: number }) => r.receiptNumber)).toEqual([2, 3])
  })

  it('is for managers: a cashier is refused and nothing is refunded', async () => {
    const kari = await pos().signIn()
    const { saleId } = await paidSale(kari)
    const response = await kari.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    expect(response.statusCode).toBe(403)
    expect(response.json().error.code).toBe('MANAGER_REQUIRED')
    expect(sandbox.calls.filter((c) => refundCall(c.method, c.path))).toHaveLength(0)
  })

  it('of more than is left names the line; of a sale not paid is refused', async () => {
    const kari = await pos().signIn()
    const { saleId } = await paidSale(kari)
    const martin = await pos().signIn(MARTIN, 'till-2')
    const ids = await lineIds(martin, saleId)
    const tooMany = await martin.request('POST', `/api/sales/${saleId}/refunds`, {
      lines: [{ lineId: ids[BATTERIES], quantity: 2 }],
    })
    expect(tooMany.statusCode).toBe(409)
    expect(tooMany.json().error).toMatchObject({ code: 'REFUND_TOO_LARGE', field: 'lines.0.quantity' })
    const unknownLine = await martin.request('POST', `/api/sales/${saleId}/refunds`, {
      lines: [{ lineId: 'line_nope', quantity: 1 }],
    })
    expect(unknownLine.json().error).toMatchObject({ code: 'LINE_NOT_FOUND', field: 'lines.0.lineId' })

    const open = await readySale(martin)
    const unpaid = await martin.request('POST', `/api/sales/${open}/refunds`, { all: true })
    expect(unpaid.statusCode).toBe(409)
    expect(unpaid.json().error.code).toBe('SALE_NOT_PAID')
  })

  it('whose answer is lost stays refunding and is completed by the sweeper with the same key, once', async () => {
    const kari = await pos().signIn()
    const { saleId, reference } = await paidSale(kari)
    const martin = await pos().signIn(MARTIN, 'till-2')
    sandbox.faults.push({ matches: refundCall, kind: 'lose', times: 1 })
    const response = await martin.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    expect(response.statusCode).toBe(201)
    expect(response.json().refund).toMatchObject({
      state: 'refunding',
      receiptNumber: null,
      receiptUrl: null,
    })

    pos().clock.advance(5_000)
    expect(await pos().ctx.refunds.sweep()).toBe(1)
    const [refund] = (await martin.request('GET', `/api/sales/${saleId}/refunds`)).json().refunds
    expect(refund).toMatchObject({ state: 'refunded', receiptNumber: 2 })
    expect((await sandbox.payment(reference)).events.filter((e) => e.name === 'REFUNDED')).toHaveLength(1)
  })
})

describe('the receipt', () => {
  it('of a paid sale has its lines, the VAT summary, the payment and the receipt number as a barcode', async () => {
    const kari = await pos().signIn()
    const { saleId, reference } = await paidSale(kari)
    const receipt = await kari.request('GET', `/api/sales/${saleId}/receipt.html`)
    expect(receipt.statusCode).toBe(200)
    const html = receipt.body
    expect(html).toContain('Kasse Demo Butikk')
    expect(html).toContain('3 × 25,90')
    expect(html).toContain('Batterier AA 4-pk')
    expect(html).toMatch(
      /<td>15 %<\/td><td>67,57\u00a0kr<\/td><td>10,13\u00a0kr<\/td><td>77,70\u00a0kr<\/td>/,
    )
    expect(html).toContain(reference)
    expect(html).toContain('<svg')
    expect(html).toContain('>K00000001</text>')
    expect(html).toContain('size: 80mm')
  })

  it('is only for a paid sale', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const response = await kari.request('GET', `/api/sales/${saleId}/receipt.html`)
    expect(response.statusCode).toBe(409)
    expect(response.json().error.code).toBe('SALE_NOT_PAID')
  })
})

describe('the journal', () => {
  it('finds the day’s sales with payment state and references, by receipt number, phone and state', async () => {
    const kari = await pos().signIn()
    const { saleId, reference } = await paidSale(kari)
    const martin = await pos().signIn(MARTIN, 'till-2')
    const declinedSale = await readySale(martin, '912 34 567', NEWSPAPER)
    const declined = await startPayment(martin, declinedSale)
    await sandbox.answer('4791234567', declined.reference, 'reject')
    await afterMs(pos(), 5_000)

    const today = (await kari.request('GET', '/api/sales')).json()
    expect(today.date).toBe('2026-03-02')
    expect(today.sales.map((s: { id: string }) => s.id).sort()).toEqual([saleId, declinedSale].sort())
    const paid = today.sales.find((s: { id: string }) => s.id === saleId)
    expect(paid).toMatchObject({
      posId: 'till-1',
      receiptNumber: 1,
      state: 'paid',
      grossAmount: 3 * 2590 + 7990 + 4500,
      customer: { display: '+47 123 45 678', source: 'typed' },
      payment: { reference, state: 'captured', capturedAmount: 3 * 2590 + 7990 + 4500, attempts: 1 },
      receiptUrl: `/api/sales/${saleId}/receipt.html`,
    })
    expect(paid.payment.pspReference).toBeTruthy()

    const byReceipt = (await kari.request('GET', '/api/sales?receiptNumber=K00000001')).json()
    expect(byReceipt.sales.map((s: { id: string }) => s.id)).toEqual([saleId])
    const byPhone = (
      await kari.request('GET', `/api/sales?phone=${encodeURIComponent('+47 912 34 567')}`)
    ).json()
    expect(byPhone.sales.map((s: { id: string }) => s.id)).toEqual([declinedSale])
    const byState = (await kari.request('GET', '/api/sales?state=paid')).json()
    expect(byState.sales.map((s: { id: string }) => s.id)).toEqual([saleId])
    const otherDay = (await kari.request('GET', '/api/sales?date=2026-03-01')).json()
    expect(otherDay.sales).toEqual([])

    const refund = await martin.request('POST', `/api/sales/${saleId}/refunds`, { all: true })
    const byReturn = (
      await kari.request('GET', `/api/sales?receiptNumber=${refund.json().refund.receiptNumber}`)
    ).json()
    expect(byReturn.sales[0].refunds).toEqual([
      expect.objectContaining({ state: 'refunded', amount: paid.grossAmount }),
    ])
  })

  it('says what is wrong with a search', async () => {
    const kari = await pos().signIn()
    const badDate = await kari.request('GET', '/api/sales?date=2026-02-30')
    expect(badDate.statusCode).toBe(400)
    expect(badDate.json().error.field).toBe('date')
    const badPhone = await kari.request('GET', '/api/sales?phone=12')
    expect(badPhone.json().error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', field: 'phone' })
    const badNumber = await kari.request('GET', '/api/sales?receiptNumber=abc')
    expect(badNumber.json().error.field).toBe('receiptNumber')
  })
})
