/**
 * End of day on sales paid through the in-process sandbox, on the till's
 * manual clock (10:00 in Oslo at the start): the Z report's figures per VAT
 * rate, cashier, till and hour; closing that freezes the day and carries what
 * came after to the next; the printable page and CSV; who may see it; and
 * dates that are not days.
 */
import { describe, expect, it } from 'vitest'
import type { TillClient } from '../../test/helpers.ts'
import { MARTIN } from '../../test/helpers.ts'
import { KARI_MSISDN } from '../../test/sandbox.ts'
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
const DAY = '2026-03-02'
const HOUR = 3_600_000

/** A sale paid by Kari's phone at `till`; returns its id. */
async function paidSale(till: TillClient, ...barcodes: string[]): Promise<string> {
  const saleId = await readySale(till, '123 45 678', ...barcodes)
  const attempt = await startPayment(till, saleId)
  await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
  await afterMs(pos(), 5_000)
  expect((await paymentOf(till, saleId)).state).toBe('captured')
  return saleId
}

async function lineId(saleId: string, barcode: string): Promise<string> {
  const { lines } = await pos().ctx.sales.load(saleId)
  return lines.find((line) => line.barcode === barcode)!.id
}

async function report(till: TillClient, date = DAY, query = '') {
  const response = await till.request('GET', `/api/end-of-day/${date}${query}`)
  expect(response.statusCode, response.body).toBe(200)
  return response.json().report
}

/**
 * Kari sells milk ×2 and batteries at till-1 at 10:00; Martin sells a
 * newspaper and milk at till-2 at 13:00 and, at 14:00, refunds the batteries
 * of Kari's sale; a payment request Kari cancels.
 */
async function dayOfSales() {
  const kari = await pos().signIn()
  const martin = await pos().signIn(MARTIN, 'till-2')
  const first = await paidSale(kari, MILK, MILK, BATTERIES)
  pos().clock.advance(3 * HOUR)
  await paidSale(martin, NEWSPAPER, MILK)
  pos().clock.advance(HOUR)
  const refunded = await martin.request('POST', `/api/sales/${first}/refunds`, {
    lines: [{ lineId: await lineId(first, BATTERIES), quantity: 1 }],
  })
  expect(refunded.json().refund.state).toBe('refunded')
  const cancelledSale = await readySale(kari, '123 45 678', NEWSPAPER)
  await startPayment(kari, cancelledSale)
  const cancelled = await kari.request('POST', `/api/sales/${cancelledSale}/payment/cancel`)
  expect(cancelled.json().attempt.state).toBe('cancelled')
  return { kari, martin }
}

describe('the Z report', () => {
  it('adds up the day per VAT rate, cashier, till and local hour, with the requests that ended without payment', async () => {
    const { martin } = await dayOfSales()
    const store = await report(martin)
    expect(store).toMatchObject({
      scope: { kind: 'store' },
      date: DAY,
      status: 'open',
      closed: null,
      store: { name: expect.any(String), msn: '123456', currency: 'NOK', timeZone: 'Europe/Oslo' },
      sales: { count: 2, items: 5, grossAmount: 2 * 2590 + 7990 + 4500 + 2590, discountAmount: 0 },
      refunds: { count: 1, items: 1, grossAmount: 7990, vatAmount: 1598, netAmount: 6392 },
      takings: { grossAmount: 3 * 2590 + 4500 },
      paymentRequestsWithoutPayment: { cancelled: 1, declined: 0, expired: 0, failed: 0 },
      carriedOver: { sales: 0, refunds: 0 },
    })
    // VAT per line, rounded once per line (2 × 25.90 holds 6.76, 25.90 holds 3.38); batteries sold and returned; newspapers 0 %.
    expect(store.byVatRate).toEqual([
      {
        vatRate: 25,
        sales: { grossAmount: 7990, vatAmount: 1598, netAmount: 6392 },
        refunds: { grossAmount: 7990, vatAmount: 1598, netAmount: 6392 },
        takings: { grossAmount: 0, vatAmount: 0, netAmount: 0 },
      },
      {
        vatRate: 15,
        sales: { grossAmount: 7770, vatAmount: 1014, netAmount: 6756 },
        refunds: { grossAmount: 0, vatAmount: 0, netAmount: 0 },
        takings: { grossAmount: 7770, vatAmount: 1014, netAmount: 6756 },
      },
      {
        vatRate: 0,
        sales: { grossAmount: 4500, vatAmount: 0, netAmount: 4500 },
        refunds: { grossAmount: 0, vatAmount: 0, netAmount: 0 },
        takings: { grossAmount: 4500, vatAmount: 0, netAmount: 4500 },
      },
    ])
    expect(store.sales.vatAmount).toBe(1598 + 1014)
    expect(
      store.byCashier.map(
        (c: { staffNumber: string; sales: { count: number }; refunds: { count: number } }) => [
          c.staffNumber,
          c.sales.count,
          c.refunds.count,
        ],
      ),
    ).toEqual([
      ['1', 1, 0],
      ['2', 1, 1],
    ])
    expect(store.byCashier[1].takings.grossAmount).toBe(4500 + 2590 - 7990)
    // A refund counts at the till that made the sale.
    expect(
      store.byTill.map((t: { posId: string; takings: { grossAmount: number } }) => [
        t.posId,
        t.takings.grossAmount,
      ]),
    ).toEqual([
      ['till-1', 2 * 2590],
      ['till-2', 4500 + 2590],
    ])
    // 09:00 UTC is 10:00 in Oslo.
    expect(store.byHour).toHaveLength(24)
    const hours = store.byHour.filter((h: { sales: number; refunds: number }) => h.sales || h.refunds)
    expect(hours).toEqual([
      { hour: 10, sales: 2 * 2590 + 7990, refunds: 0, takings: 2 * 2590 + 7990 },
      { hour: 13, sales: 4500 + 2590, refunds: 0, takings: 4500 + 2590 },
      { hour: 14, sales: 0, refunds: 7990, takings: -7990 },
    ])

    const tillOne = await report(martin, DAY, '?till=till-1')
    expect(tillOne).toMatchObject({
      scope: { kind: 'till', posId: 'till-1' },
      sales: { count: 1, grossAmount: 2 * 2590 + 7990 },
      refunds: { count: 1, grossAmount: 7990 },
      paymentRequestsWithoutPayment: { cancelled: 1 },
    })
    expect((await report(martin, DAY, '?till=till-2')).refunds.count).toBe(0)
  })

  it('is frozen once the day is closed; what is registered after is reported on the next day', async () => {
    const { kari, martin } = await dayOfSales()
    // Two closings at once (a double click): one closes the day, the other is told it is closed.
    const both = await Promise.all([
      martin.request('POST', `/api/end-of-day/${DAY}/close`),
      martin.request('POST', `/api/end-of-day/${DAY}/close`),
    ])
    expect(both.map((response) => response.statusCode).sort()).toEqual([201, 409])
    const closing = both.find((response) => response.statusCode === 201)!
    const closed = closing.json().report
    expect(closed).toMatchObject({
      status: 'closed',
      closed: { by: expect.any(String) },
      sales: { count: 2 },
    })

    // A sale paid after the closing, still on the same date (15:00 in Oslo): the sale whose
    // request was cancelled is still open at till-1, and gets a second newspaper.
    pos().clock.advance(HOUR)
    await paidSale(kari, NEWSPAPER)
    expect(await report(martin)).toEqual(closed)
    expect(await report(martin, DAY, '?till=till-1')).toMatchObject({ status: 'closed', sales: { count: 1 } })

    const again = await martin.request('POST', `/api/end-of-day/${DAY}/close`)
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toMatchObject({ code: 'DAY_ALREADY_CLOSED', field: 'date' })

    // The next morning: the late sale opens the next day's report, marked as carried over.
    pos().clock.advance(20 * HOUR)
    const manager = await pos().signIn(MARTIN, 'till-2')
    const next = await report(manager, '2026-03-03')
    expect(next).toMatchObject({
      status: 'open',
      sales: { count: 1, grossAmount: 2 * 4500 },
      carriedOver: { sales: 1, refunds: 0 },
    })
    expect(next.byHour[15].sales).toBe(2 * 4500)
    // Counted once: not on the closed day, once on the next.
    expect((await report(manager)).sales.count).toBe(2)
  })

  it('prints as a page with the takings chart and exports CSV', async () => {
    const { martin } = await dayOfSales()
    const page = await martin.request('GET', `/api/end-of-day/${DAY}/report.html`)
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.body).toContain(`Z-rapport ${DAY}`)
    // Oslo time, not UTC: the report was made at 14:00 in the store.
    expect(page.body).toContain('foreløpig rapport per 02.03.2026 14:00')
    expect(page.body).toMatch(/<svg class="chart"[^>]*role="img"/)
    // Three hours with takings: three bars (one below the axis for the refund hour).
    expect(page.body.match(/<rect class="bar/g)).toHaveLength(3)
    expect(page.body).toContain('class="bar negative"')

    const csv = await martin.request('GET', `/api/end-of-day/${DAY}/report.csv`)
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="z-report-${DAY}.csv"`)
    const rows = csv.body.split('\r\n')
    expect(rows[0]).toBe('section,key,name,count,net,vat,gross')
    expect(rows).toContain('summary,sales,,2,176.48,26.12,202.60')
    expect(rows).toContain('summary,refunds,,1,63.92,15.98,79.90')
    expect(rows).toContain('summary,takings,,,112.56,10.14,122.70')
    expect(rows).toContain('vat,15,,,67.56,10.14,77.70')
    expect(rows).toContain('hour,14,,,,,-79.90')
    expect(rows.filter((row) => row.startsWith('hour,'))).toHaveLength(24)
  })

  it('is for managers: a cashier gets 403 for the report, its exports and closing', async () => {
    const kari = await pos().signIn()
    for (const [method, url] of [
      ['GET', `/api/end-of-day/${DAY}`],
      ['GET', `/api/end-of-day/${DAY}/report.html`],
      ['GET', `/api/end-of-day/${DAY}/report.csv`],
      ['POST', `/api/end-of-day/${DAY}/close`],
    ] as const) {
      const response = await kari.request(method, url)
      expect(response.statusCode, url).toBe(403)
      expect(response.json().error.code).toBe('MANAGER_REQUIRED')
    }
  })

  it('refuses what is not a business day with 400 naming the field', async () => {
    const martin = await pos().signIn(MARTIN)
    for (const [url, field] of [
      ['/api/end-of-day/2026-02-30', 'date'],
      ['/api/end-of-day/yesterday', 'date'],
      ['/api/end-of-day/2026-03-03', 'date'], // not begun: it is 2 March
      ['/api/end-of-day/2026-03-02?till=', 'till'],
      ['/api/end-of-day/2026-03-02?week=1', 'week'],
    ] as const) {
      const response = await martin.request('GET', url)
      expect(response.statusCode, url).toBe(400)
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field })
    }
    const close = await martin.request('POST', '/api/end-of-day/2026-03-03/close')
    expect(close.statusCode).toBe(400)
    expect(close.json().error.field).toBe('date')
    const unknownTill = await martin.request('GET', '/api/end-of-day/2026-03-02?till=till-9')
    expect(unknownTill.statusCode).toBe(404)
    expect(unknownTill.json().error).toMatchObject({ code: 'UNKNOWN_TILL', field: 'till' })
  })
})
