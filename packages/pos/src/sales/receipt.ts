/**
 * The sale as the itemised receipt the ePayment request carries (Order
 * Management's `Receipt`): the customer sees these lines in the app, and the
 * platform sums them, so they must add up exactly as the till's totals do.
 * Typed with the contract's own schema type, so it cannot drift from what the
 * platform (and the sandbox) accept.
 */
import type { OrderLine, Receipt } from '@kasse/vipps'
import { PosError } from '../errors.ts'
import type { Sale } from './service.ts'

export type EpaymentReceipt = Receipt

/**
 * The receipt for a sale: one order line per sale line, amounts in minor
 * units, `taxRate` in hundredths of a percent, the till as `posId` and the
 * receipt number once the sale has one.
 *
 * @example
 * toEpaymentReceipt(sale).orderLines[0]
 * // { name: 'Tine Helmelk 1 l', id: '7039610197728', totalAmount: 5180, totalAmountExcludingTax: 4504,
 * //   totalTaxAmount: 676, taxRate: 1500, unitInfo: { unitPrice: 2590, quantity: '2', quantityUnit: 'PCS' } }
 */
export function toEpaymentReceipt(sale: Sale): EpaymentReceipt {
  if (sale.lines.length === 0) {
    throw new PosError('EMPTY_SALE', 'A receipt needs at least one line')
  }
  const orderLines = sale.lines.map((line): OrderLine => {
    const orderLine: OrderLine = {
      name: line.name,
      // The product's barcode is its identifier in the shop (its SKU).
      id: line.barcode,
      totalAmount: line.price.grossAmount,
      totalAmountExcludingTax: line.price.netAmount,
      totalTaxAmount: line.price.vatAmount,
      taxRate: line.vatRate,
      unitInfo: { unitPrice: line.unitPrice, quantity: String(line.quantity), quantityUnit: 'PCS' },
    }
    if (line.price.discountAmount > 0) orderLine.discount = line.price.discountAmount
    return orderLine
  })
  return {
    orderLines,
    bottomLine: {
      currency: sale.currency,
      posId: sale.posId,
      ...(sale.receiptNumber !== null ? { receiptNumber: String(sale.receiptNumber) } : {}),
    },
  }
}
