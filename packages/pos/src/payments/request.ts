/**
 * The payment request a sale becomes: its reference and the ePayment create
 * body. Pure functions, so a retry can compare the request it would send now
 * with the one stored, and reuse the attempt only if they are the same.
 */
import type { CreatePaymentRequest } from '@kasse/vipps'
import { PosError } from '../errors.ts'
import { receiptBarcodeData } from '../receipts/barcode-data.ts'
import { toEpaymentReceipt } from '../sales/receipt.ts'
import type { Sale } from '../sales/service.ts'

/**
 * The attempt's reference on the platform: the till, the receipt number and
 * the attempt's number for the sale (`till-1-000042-2`), so a person reading
 * the platform's portal finds the receipt. Unique per MSN: posIds are unique
 * in the database and receipt numbers per store. Characters the platform does
 * not take in a reference (`_`) become `-`.
 *
 * @example
 * paymentReference('till-1', 42, 2) // 'till-1-000042-2'
 */
export function paymentReference(posId: string, receiptNumber: number, attemptNumber: number): string {
  const till = posId.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 30)
  return `${till}-${String(receiptNumber).padStart(6, '0')}-${attemptNumber}`
}

export interface PaymentRequestInput {
  sale: Sale
  reference: string
  storeName: string
}

/**
 * The ePayment create body for a sale waiting for payment: a push to the
 * customer's phone (`PUSH_MESSAGE`), at the till (`CUSTOMER_PRESENT`), to the
 * customer from their scanned QR (complete content) or typed number, with the
 * itemised receipt (posId, receipt number and its barcode in the bottom line).
 */
export function createPaymentRequest({
  sale,
  reference,
  storeName,
}: PaymentRequestInput): CreatePaymentRequest {
  if (!sale.customer) {
    throw new PosError('CUSTOMER_REQUIRED', 'Scan the customer’s QR code or type their number first', {
      field: 'customer',
    })
  }
  if (sale.receiptNumber === null) throw new Error('a sale waiting for payment has a receipt number')
  const receipt = toEpaymentReceipt(sale)
  receipt.bottomLine.barcode = { format: 'CODE 128', data: receiptBarcodeData(sale.receiptNumber) }
  return {
    amount: { currency: sale.currency, value: sale.totals.grossAmount },
    paymentMethod: { type: 'WALLET' },
    customer:
      sale.customer.source === 'qr' && sale.customer.personalQr
        ? { personalQr: sale.customer.personalQr }
        : { phoneNumber: sale.customer.msisdn },
    customerInteraction: 'CUSTOMER_PRESENT',
    reference,
    userFlow: 'PUSH_MESSAGE',
    paymentDescription: paymentDescription(storeName, sale.receiptNumber),
    receipt,
  }
}

/** What the customer sees in the app: the shop and the receipt number (3 to 100 characters). */
export function paymentDescription(storeName: string, receiptNumber: number): string {
  const suffix = `, kvittering ${receiptNumber}`
  return `${storeName.slice(0, 100 - suffix.length)}${suffix}`
}

/** True if two create requests ask for the same payment (everything but the reference). */
export function sameRequest(a: CreatePaymentRequest, b: CreatePaymentRequest): boolean {
  return canonical({ ...a, reference: '' }) === canonical({ ...b, reference: '' })
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  )
}
