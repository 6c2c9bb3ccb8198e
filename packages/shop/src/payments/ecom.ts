/**
 * Hurtigkasse through the legacy eCom v2 API: express initiate with the shop's
 * callbacks, details as the safety net for a lost callback, and capture,
 * cancel and refund with the operation's stored key as X-Request-Id.
 *
 * eCom has no idempotency key on initiate; a repeat of a request that did
 * arrive is refused as a used orderId (34), which `start` then reads as "it
 * arrived" and looks the order up instead.
 */
import {
  type EcomCallbackAddress,
  type EcomInitiateInput,
  type EcomPaymentDetails,
  type EcomUserDetails,
  type VippsClient,
  VippsEcomError,
} from '@kasse/vipps'
import type { PaymentRow } from '../db/schema.ts'
import { kronerToOre } from '../money.ts'
import type { ExpressDetails, OperationReceipt, PaymentGateway, PaymentStatus } from './gateway.ts'

/** eCom's error codes the shop acts on. */
const ORDER_NOT_FOUND = '35'

export class EcomGateway implements PaymentGateway {
  constructor(private readonly vipps: VippsClient) {}

  async start(payment: PaymentRow): Promise<{ redirectUrl: string }> {
    const answer = await this.vipps.ecom.initiate(payment.request as unknown as EcomInitiateInput)
    return { redirectUrl: answer.url }
  }

  async status(payment: PaymentRow): Promise<PaymentStatus> {
    let details: EcomPaymentDetails
    try {
      details = await this.vipps.ecom.details(payment.reference)
    } catch (error) {
      if (error instanceof VippsEcomError && error.errorCode === ORDER_NOT_FOUND) return { kind: 'missing' }
      throw error
    }
    return statusOfDetails(details)
  }

  async capture(payment: PaymentRow, amount: number, key: string, text: string): Promise<OperationReceipt> {
    const answer = await this.vipps.ecom.capture(
      payment.reference,
      { amount, transactionText: text },
      { requestId: key },
    )
    return receiptOf(answer.transactionInfo?.transactionId)
  }

  async cancel(payment: PaymentRow, _key: string, options: { afterCapture: boolean; text: string }) {
    // eCom's cancel has no key; it cannot release twice, so a repeat is harmless.
    await this.vipps.ecom.cancel(payment.reference, {
      transactionText: options.text,
      ...(options.afterCapture ? { shouldReleaseRemainingFunds: true } : {}),
    })
  }

  async refund(payment: PaymentRow, amount: number, key: string, text: string): Promise<OperationReceipt> {
    const answer = await this.vipps.ecom.refund(
      payment.reference,
      { amount, transactionText: text },
      { requestId: key },
    )
    // The refund's answer names its part `transaction` (the spec's own difference).
    return receiptOf(answer.transaction?.transactionId)
  }

  async isReleased(payment: PaymentRow): Promise<boolean> {
    const details = await this.vipps.ecom.details(payment.reference)
    const cancelled = details.transactionLogHistory.some(
      (entry) => entry.operationSuccess && (entry.operation === 'CANCEL' || entry.operation === 'VOID'),
    )
    return cancelled && (details.transactionSummary?.remainingAmountToCapture ?? 0) === 0
  }
}

/** The operation's transaction id is its pspReference in the settlement report. */
const receiptOf = (transactionId: string | undefined): OperationReceipt =>
  transactionId ? { pspReference: transactionId } : {}

/**
 * What the transaction log says about the user's part: reserved (with the
 * express details), cancelled (rejected or timed out: the log does not tell
 * which), or still waiting.
 */
export function statusOfDetails(details: EcomPaymentDetails): PaymentStatus {
  const history = details.transactionLogHistory.filter((entry) => entry.operationSuccess)
  const reserve = history.find((entry) => entry.operation === 'RESERVE' || entry.operation === 'SALE')
  if (reserve) {
    const express =
      details.shippingDetails && details.userDetails
        ? expressDetails(details.shippingDetails, details.userDetails)
        : undefined
    return { kind: 'authorized', amount: reserve.amount, ...(express ? { express } : {}) }
  }
  if (history.some((entry) => entry.operation === 'CANCEL' || entry.operation === 'VOID')) {
    return { kind: 'failed', failure: 'cancelled' }
  }
  return { kind: 'pending' }
}

/** The user, the address and the shipping choice of an express payment, in the shop's terms. */
export function expressDetails(
  shipping: {
    address?: EcomCallbackAddress
    shippingCost: number
    shippingMethod: string
    shippingMethodId: string
  },
  user: EcomUserDetails,
): ExpressDetails | undefined {
  const address = shipping.address
  const postalCode = address?.postCode ?? address?.zipCode
  if (!address || !postalCode) return undefined
  return {
    shippingMethodId: shipping.shippingMethodId,
    shippingMethodName: shipping.shippingMethod,
    shippingCost: kronerToOre(shipping.shippingCost),
    customerName: `${user.firstName} ${user.lastName}`.trim(),
    customerEmail: user.email,
    customerPhone: `47${user.mobileNumber}`,
    userId: user.userId,
    address: {
      line1: address.addressLine1,
      line2: address.addressLine2 ?? null,
      postalCode,
      city: address.city,
      country: address.country,
    },
  }
}
