/**
 * How a payment is shown: to the merchant (the ePayment API's responses) and
 * to the phone and landing pages (`PhonePayment`, the control API's shape).
 * Each view is built fresh from the record; nothing is deep-copied.
 */
import {
  Aggregate,
  Amount,
  type Currency,
  type GetPaymentResponse,
  literals,
  type ModificationResponse,
  PaymentStateSchema,
  Receipt,
  Reference,
  USER_FLOWS,
} from '@kasse/vipps'
import { type Static, Type } from '@sinclair/typebox'
import type { PaymentRecord } from './store.ts'

export const amountOf = (currency: Currency, value: number) => ({ currency, value })

export function aggregateOf(payment: PaymentRecord): Aggregate {
  const { currency, money } = payment
  return {
    authorizedAmount: amountOf(currency, money.authorized),
    cancelledAmount: amountOf(currency, money.cancelled),
    capturedAmount: amountOf(currency, money.captured),
    refundedAmount: amountOf(currency, money.refunded),
  }
}

/** `GET /epayment/v1/payments/:reference`. */
export function getPaymentResponse(payment: PaymentRecord): GetPaymentResponse {
  const { request } = payment
  const response: GetPaymentResponse = {
    aggregate: aggregateOf(payment),
    amount: request.amount,
    state: payment.state,
    paymentMethod: { type: request.paymentMethod.type },
    profile: payment.sub ? { sub: payment.sub } : {},
    pspReference: payment.pspReference,
    reference: payment.reference,
  }
  // Added only when there (the keys stay in this order); assigned, not spread, as every GET builds one.
  if (payment.redirectUrl) response.redirectUrl = payment.redirectUrl
  if (request.metadata) response.metadata = request.metadata
  return response
}

/** The answer to an accepted capture, cancel or refund. */
export function modificationResponse(payment: PaymentRecord): ModificationResponse {
  return {
    amount: payment.request.amount,
    state: payment.state,
    aggregate: aggregateOf(payment),
    pspReference: payment.pspReference,
    reference: payment.reference,
  }
}

/**
 * A payment as the simulated phone and the landing page see it: what the app
 * would show the user, plus enough to act on it through the control API.
 */
export const PhonePayment = Type.Object({
  msn: Type.String(),
  merchantName: Type.String(),
  reference: Reference,
  pspReference: Type.String(),
  state: PaymentStateSchema,
  amount: Amount,
  /** As in the API: each an amount with its currency. */
  aggregate: Aggregate,
  paymentDescription: Type.Optional(Type.String()),
  receipt: Type.Optional(Receipt),
  userFlow: literals(USER_FLOWS),
  /** ISO 8601, on the sandbox clock. */
  createdAt: Type.String(),
  expiresAt: Type.String(),
  returnUrl: Type.Optional(Type.String()),
  /** The customer's number, once the payment is on a phone. */
  msisdn: Type.Optional(Type.String()),
})
export type PhonePayment = Static<typeof PhonePayment>

export function phonePayment(payment: PaymentRecord, merchantName: string): PhonePayment {
  const { request } = payment
  return {
    msn: payment.msn,
    merchantName,
    reference: payment.reference,
    pspReference: payment.pspReference,
    state: payment.state,
    amount: request.amount,
    aggregate: aggregateOf(payment),
    ...(request.paymentDescription ? { paymentDescription: request.paymentDescription } : {}),
    ...(request.receipt ? { receipt: request.receipt } : {}),
    userFlow: payment.userFlow,
    createdAt: new Date(payment.createdAt).toISOString(),
    expiresAt: new Date(payment.expiresAt).toISOString(),
    ...(request.returnUrl ? { returnUrl: request.returnUrl } : {}),
    ...(payment.msisdn ? { msisdn: payment.msisdn } : {}),
  }
}
