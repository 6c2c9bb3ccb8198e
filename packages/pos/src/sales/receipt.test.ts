import { Receipt } from '@kasse/vipps'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { MARTIN, useTestPos } from '../../test/helpers.ts'
import { toEpaymentReceipt } from './receipt.ts'
import type { Sale } from './service.ts'

const pos = useTestPos()

describe('the ePayment receipt', () => {
  it('lists every line with its amounts, tax rate and unit info, and the till and receipt number at the bottom', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const saleId = (await kari.request('POST', '/api/sales')).json().id
    await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: '7039610197728', quantity: 2 })
    await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: '7311041748688' })
    const cart = (
      await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: '7038010315442', quantity: 3 })
    ).json()
    const martin = await pos().signIn(MARTIN, 'till-1')
    await martin.request('PUT', `/api/sales/${saleId}/lines/${cart.lines[2].id}/discount`, { percent: 10 })

    const actor = (await ctx.cashiers.actorFor(martin.sessionToken))!
    const { sale, receipt } = await ctx.sales.beginPayment(actor, saleId)

    expect(Value.Errors(Receipt, receipt).First()).toBeUndefined()
    expect(Value.Check(Receipt, receipt)).toBe(true)
    expect(receipt).toEqual({
      orderLines: [
        {
          name: 'Tine Helmelk 1 l',
          id: '7039610197728',
          totalAmount: 5180,
          totalAmountExcludingTax: 4504,
          totalTaxAmount: 676,
          taxRate: 1500,
          unitInfo: { unitPrice: 2590, quantity: '2', quantityUnit: 'PCS' },
        },
        {
          name: 'Bussbillett voksen',
          id: '7311041748688',
          totalAmount: 4500,
          totalAmountExcludingTax: 4018,
          totalTaxAmount: 482,
          taxRate: 1200,
          unitInfo: { unitPrice: 4500, quantity: '1', quantityUnit: 'PCS' },
        },
        {
          name: 'Kvikk Lunsj 47 g',
          id: '7038010315442',
          totalAmount: 6183,
          totalAmountExcludingTax: 5377,
          totalTaxAmount: 806,
          taxRate: 1500,
          unitInfo: { unitPrice: 2290, quantity: '3', quantityUnit: 'PCS' },
          discount: 687,
        },
      ],
      bottomLine: { currency: 'NOK', posId: 'till-1', receiptNumber: '1' },
    })
    // The platform sums the lines; they must come to what the customer is asked to pay.
    expect(receipt.orderLines.reduce((sum, line) => sum + line.totalAmount, 0)).toBe(sale.totals.grossAmount)
    expect(receipt.orderLines.reduce((sum, line) => sum + line.totalTaxAmount, 0)).toBe(sale.totals.vatAmount)
  })

  it('is served for the open sale as a preview, without a receipt number yet', async () => {
    const kari = await pos().signIn(undefined, 'till-2')
    const saleId = (await kari.request('POST', '/api/sales')).json().id
    await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: '7039610127701' })
    const response = await kari.request('GET', `/api/sales/${saleId}/receipt`)
    expect(response.statusCode).toBe(200)
    expect(Value.Check(Receipt, response.json())).toBe(true)
    expect(response.json().bottomLine).toEqual({ currency: 'NOK', posId: 'till-2' })
    expect(response.json().orderLines[0]).toMatchObject({
      name: 'Aftenposten',
      taxRate: 0,
      totalTaxAmount: 0,
    })
  })

  it('cannot be made for a sale with no lines (the platform needs at least one)', () => {
    const empty = { lines: [], currency: 'NOK', posId: 'till-1', receiptNumber: null } as unknown as Sale
    expect(() => toEpaymentReceipt(empty)).toThrow(expect.objectContaining({ code: 'EMPTY_SALE' }))
  })
})
