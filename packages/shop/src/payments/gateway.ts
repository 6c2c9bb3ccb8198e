/**
 * One face for the two Vipps MobilePay APIs the shop pays with: ePayment for
 * regular checkout, eCom v2 for Hurtigkasse. The order service speaks only
 * this, so shipping, cancelling and refunding work the same for both. Each
 * gateway sends exactly the request stored with the payment and the keys
 * stored with each operation; it never makes a key of its own.
 */
import type { PaymentRow } from '../db/schema.ts'
import type { PaymentFailure } from '../orders/machine.ts'

/** What express checkout learned about the user and the delivery. */
export interface ExpressDetails {
  shippingMethodId: string
  shippingMethodName: string
  /** Øre. */
  shippingCost: number
  customerName: string
  customerEmail: string
  /** MSISDN-like: 47 and 8 digits. */
  customerPhone: string
  userId: string
  address: { line1: string; line2: string | null; postalCode: string; city: string; country: string }
}

/** The payment as the platform sees it now. */
export type PaymentStatus =
  /** The platform has never heard of it (the request did not arrive). */
  | { kind: 'missing' }
  | { kind: 'pending'; redirectUrl?: string }
  | { kind: 'authorized'; amount: number; pspReference?: string; express?: ExpressDetails }
  | { kind: 'failed'; failure: PaymentFailure }

/** What the platform's answer to a capture or refund says about it. */
export interface OperationReceipt {
  /** The operation's own pspReference, when the answer carries it (eCom's does; ePayment's webhook does). */
  pspReference?: string
}

export interface PaymentGateway {
  /** Sends the stored create/initiate request; returns where the shopper goes to pay. */
  start(payment: PaymentRow): Promise<{ redirectUrl: string }>
  status(payment: PaymentRow): Promise<PaymentStatus>
  capture(payment: PaymentRow, amount: number, key: string, text: string): Promise<OperationReceipt>
  /** Releases what is not captured (`afterCapture`: some of it was). */
  cancel(payment: PaymentRow, key: string, options: { afterCapture: boolean; text: string }): Promise<void>
  refund(payment: PaymentRow, amount: number, key: string, text: string): Promise<OperationReceipt>
  /** True once nothing is left reserved to capture and a cancel has taken effect (or the request ended). */
  isReleased(payment: PaymentRow): Promise<boolean>
}
