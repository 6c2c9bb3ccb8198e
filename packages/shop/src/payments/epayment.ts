/**
 * Regular checkout through ePayment v1 (WEB_REDIRECT with the receipt). A GET
 * answers 404 for a reference the platform never got; every write carries the
 * key stored with the order or operation.
 */
import {
  type CreatePaymentRequest,
  type GetPaymentResponse,
  type Receipt,
  VippsApiError,
  type VippsClient,
} from '@kasse/vipps'
import type { OrderLineRow, OrderRow, PaymentRow } from '../db/schema.ts'
import { unreachable } from '../orders/machine.ts'
import type { OperationReceipt, PaymentGateway, PaymentStatus } from './gateway.ts'

export class EpaymentGateway implements PaymentGateway {
  constructor(private readonly vipps: VippsClient) {}

  async start(payment: PaymentRow): Promise<{ redirectUrl: string }> {
    const answer = await this.vipps.epayment.create(payment.request as unknown as CreatePaymentRequest, {
      idempotencyKey: payment.idempotencyKey,
    })
    if (!answer.redirectUrl) throw new Error('ePayment answered a WEB_REDIRECT payment without a redirectUrl')
    return { redirectUrl: answer.redirectUrl }
  }

  async status(payment: PaymentRow): Promise<PaymentStatus> {
    let found: GetPaymentResponse
    try {
      found = await this.vipps.epayment.get(payment.reference)
    } catch (error) {
      if (error instanceof VippsApiError && error.status === 404) return { kind: 'missing' }
      throw error
    }
    return statusOf(found)
  }

  // ePayment's answer carries the payment's pspReference, not the capture's: that comes with the webhook.
  async capture(payment: PaymentRow, amount: number, key: string): Promise<OperationReceipt> {
    await this.vipps.epayment.capture(payment.reference, money(payment, amount), { idempotencyKey: key })
    return {}
  }

  async cancel(payment: PaymentRow, key: string): Promise<void> {
    // After authorization this releases everything not captured; before, it ends the request.
    await this.vipps.epayment.cancel(payment.reference, { idempotencyKey: key })
  }

  async refund(payment: PaymentRow, amount: number, key: string): Promise<OperationReceipt> {
    await this.vipps.epayment.refund(payment.reference, money(payment, amount), { idempotencyKey: key })
    return {}
  }

  async isReleased(payment: PaymentRow): Promise<boolean> {
    const found = await this.vipps.epayment.get(payment.reference)
    const { authorizedAmount, capturedAmount, cancelledAmount } = found.aggregate
    if (found.state === 'TERMINATED') return true
    return (
      cancelledAmount.value > 0 && authorizedAmount.value === capturedAmount.value + cancelledAmount.value
    )
  }
}

const money = (payment: PaymentRow, value: number) => ({
  currency: (payment.request as unknown as CreatePaymentRequest).amount.currency,
  value,
})

/** The platform's state in the order's terms. */
export function statusOf(payment: GetPaymentResponse): PaymentStatus {
  switch (payment.state) {
    case 'CREATED':
      return { kind: 'pending', ...(payment.redirectUrl ? { redirectUrl: payment.redirectUrl } : {}) }
    case 'AUTHORIZED':
      return {
        kind: 'authorized',
        amount: payment.aggregate.authorizedAmount.value,
        pspReference: payment.pspReference,
      }
    case 'ABORTED':
      return { kind: 'failed', failure: 'rejected' }
    case 'EXPIRED':
      return { kind: 'failed', failure: 'expired' }
    case 'TERMINATED':
      return { kind: 'failed', failure: 'cancelled' }
    default:
      return unreachable(payment.state)
  }
}

export interface EpaymentRequestInput {
  order: Pick<OrderRow, 'id' | 'number' | 'currency' | 'totalAmount'>
  lines: OrderLineRow[]
  reference: string
  returnUrl: string
  shopName: string
}

/**
 * The create request: WEB_REDIRECT to the landing page, back to the shop's
 * return page, with the itemised receipt (the shipping line marked
 * `isShipping`). Built once and stored, so a retry sends it unchanged.
 */
export function epaymentCreateRequest(input: EpaymentRequestInput): CreatePaymentRequest {
  const { order, lines } = input
  return {
    amount: { currency: order.currency, value: order.totalAmount },
    paymentMethod: { type: 'WALLET' },
    reference: input.reference,
    userFlow: 'WEB_REDIRECT',
    returnUrl: input.returnUrl,
    customerInteraction: 'CUSTOMER_NOT_PRESENT',
    paymentDescription: `Ordre ${order.number} hos ${input.shopName}`.slice(0, 100),
    receipt: receiptOf(order, lines),
  }
}

/** The order as Order Management's receipt: the lines sum exactly to the amount. */
export function receiptOf(order: Pick<OrderRow, 'number' | 'currency'>, lines: OrderLineRow[]): Receipt {
  return {
    orderLines: lines.map((line) => ({
      name: line.name,
      id: line.sku,
      totalAmount: line.grossAmount,
      totalAmountExcludingTax: line.grossAmount - line.vatAmount,
      totalTaxAmount: line.vatAmount,
      taxRate: line.vatRate,
      unitInfo: { unitPrice: line.unitPrice, quantity: String(line.quantity), quantityUnit: 'PCS' },
      ...(line.isShipping ? { isShipping: true } : {}),
    })),
    bottomLine: { currency: order.currency, receiptNumber: String(order.number) },
  }
}
