/** The payment attempt as the cashier's screen and the OpenAPI document see it. */
import { type Static, Type } from '@sinclair/typebox'
import { displayMsisdn } from '../customers/display.ts'
import { MinorUnits, stringEnum, Timestamp } from '../http/schemas.ts'
import { PAYMENT_ERROR_CODES } from './errors.ts'
import { describeAttemptState, PAYMENT_ATTEMPT_STATES, type PaymentAttemptState } from './machine.ts'
import type { AttemptRow } from './store.ts'

export const CustomerSourceSchema = stringEnum(['typed', 'qr'], {
  description: 'typed by the cashier, or from the customer’s scanned personal QR',
})

export const PaymentAttemptView = Type.Object({
  id: Type.String(),
  saleId: Type.String(),
  reference: Type.String({ description: 'The payment’s reference on the platform, e.g. till-1-000042-1' }),
  attemptNumber: Type.Integer({ description: '1 for the sale’s first payment request, 2 for the next…' }),
  state: stringEnum(PAYMENT_ATTEMPT_STATES, {
    description:
      'creating: being sent; unknown: checking with the platform; waiting_for_customer; authorized and capturing: approved, being completed; cancelling; captured: paid and the sale registered; declined; expired; cancelled; failed (see error)',
  }),
  stateText: Type.String({ description: 'The state in the cashier’s words' }),
  amount: MinorUnits,
  currency: Type.String(),
  customer: Type.Union([Type.Object({ display: Type.String(), source: CustomerSourceSchema }), Type.Null()]),
  pspReference: Type.Optional(Type.String()),
  capturedAmount: MinorUnits,
  refundedAmount: MinorUnits,
  error: Type.Optional(
    Type.Object({
      code: stringEnum(PAYMENT_ERROR_CODES),
      message: Type.String({ description: 'For the cashier: what happened and what to do' }),
      retryable: Type.Boolean({
        description: 'True if starting the payment again resends the same request (same reference and key)',
      }),
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})
export type PaymentAttemptView = Static<typeof PaymentAttemptView>

export function paymentAttemptView(row: AttemptRow): PaymentAttemptView {
  const state = row.state as PaymentAttemptState
  return {
    id: row.id,
    saleId: row.saleId,
    reference: row.reference,
    attemptNumber: row.attemptNumber,
    state,
    stateText: describeAttemptState(state),
    amount: row.amount,
    currency: row.currency,
    customer:
      row.customerMsisdn && row.customerSource
        ? { display: displayMsisdn(row.customerMsisdn), source: row.customerSource }
        : null,
    ...(row.pspReference ? { pspReference: row.pspReference } : {}),
    capturedAmount: row.capturedAmount,
    refundedAmount: row.refundedAmount,
    ...(row.errorCode && row.errorMessage
      ? { error: { code: row.errorCode, message: row.errorMessage, retryable: row.errorRetryable ?? false } }
      : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
