/**
 * ePayment API v1 (`/epayment/v1`), written from specs/epayment-v1.yaml 1.4.1
 * and the platform behaviour in research/vipps-api.md §2.
 */
import { type Static, Type } from '@sinclair/typebox'
import { Amount, literals, Msn, Reference } from './common.ts'
import { Receipt } from './receipt.ts'

/** Payment states. AUTHORIZED, ABORTED, EXPIRED and TERMINATED are final. */
export const PAYMENT_STATES = ['CREATED', 'ABORTED', 'EXPIRED', 'AUTHORIZED', 'TERMINATED'] as const
export type PaymentState = (typeof PAYMENT_STATES)[number]
export const PaymentStateSchema = literals(PAYMENT_STATES)

export const PAYMENT_EVENT_NAMES = [
  'CREATED',
  'ABORTED',
  'EXPIRED',
  'CANCELLED',
  'CAPTURED',
  'REFUNDED',
  'AUTHORIZED',
  'TERMINATED',
] as const
export type PaymentEventName = (typeof PAYMENT_EVENT_NAMES)[number]
export const PaymentEventNameSchema = literals(PAYMENT_EVENT_NAMES)

export const USER_FLOWS = ['PUSH_MESSAGE', 'NATIVE_REDIRECT', 'WEB_REDIRECT', 'QR'] as const
export type UserFlow = (typeof USER_FLOWS)[number]

export const PAYMENT_METHOD_TYPES = ['WALLET', 'CARD'] as const
export const CUSTOMER_INTERACTIONS = ['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT'] as const
export const QR_FORMATS = ['TEXT/TARGETURL', 'IMAGE/SVG+XML', 'IMAGE/PNG'] as const
export type QrFormat = (typeof QR_FORMATS)[number]

/**
 * The customer, when known. The spec's `oneOf` of three shapes; the platform
 * answers 400 when more than one is given, so this is one object with three
 * optional fields and the "exactly one" rule is checked by the sandbox.
 */
export const Customer = Type.Object({
  phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{10,15}$', minLength: 10, maxLength: 15 })),
  personalQr: Type.Optional(Type.String({ minLength: 5, maxLength: 255 })),
  customerToken: Type.Optional(Type.String({ minLength: 1 })),
})
export type Customer = Static<typeof Customer>

export const Metadata = Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 500 }), {
  maxProperties: 5,
})

export const AirlineData = Type.Object({
  agencyInvoiceNumber: Type.String({ minLength: 1, maxLength: 6 }),
  airlineCode: Type.String({ minLength: 3, maxLength: 3 }),
  airlineDesignatorCode: Type.String({ minLength: 2, maxLength: 2 }),
  passengerName: Type.String({ minLength: 1, maxLength: 49 }),
  ticketNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
})

export const RFC3339_PATTERN =
  '^((?:(\\d{4}-\\d{2}-\\d{2})(T|t)(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?))(Z|z|([+-](?:2[0-3]|[01][0-9]):[0-5][0-9])))$'

export const CreatePaymentRequest = Type.Object({
  amount: Amount,
  paymentMethod: Type.Object({ type: literals(PAYMENT_METHOD_TYPES) }),
  reference: Reference,
  userFlow: literals(USER_FLOWS),
  customer: Type.Optional(Customer),
  customerInteraction: Type.Optional(literals(CUSTOMER_INTERACTIONS)),
  returnUrl: Type.Optional(Type.String({ minLength: 1 })),
  paymentDescription: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  receipt: Type.Optional(Receipt),
  receiptUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  expiresAt: Type.Optional(Type.Union([Type.String({ pattern: RFC3339_PATTERN }), Type.Null()])),
  qrFormat: Type.Optional(
    Type.Union([
      Type.Object({
        format: literals(QR_FORMATS),
        size: Type.Optional(Type.Union([Type.Integer({ minimum: 100, maximum: 2000 }), Type.Null()])),
      }),
      Type.Null(),
    ]),
  ),
  profile: Type.Optional(Type.Object({ scope: Type.Optional(Type.String()) })),
  industryData: Type.Optional(Type.Object({ airlineData: Type.Optional(AirlineData) })),
})
export type CreatePaymentRequest = Static<typeof CreatePaymentRequest>

export const CreatePaymentResponse = Type.Object({
  reference: Reference,
  redirectUrl: Type.Optional(Type.String()),
})
export type CreatePaymentResponse = Static<typeof CreatePaymentResponse>

export const Aggregate = Type.Object({
  authorizedAmount: Amount,
  cancelledAmount: Amount,
  capturedAmount: Amount,
  refundedAmount: Amount,
})
export type Aggregate = Static<typeof Aggregate>

export const GetPaymentResponse = Type.Object({
  aggregate: Aggregate,
  amount: Amount,
  state: PaymentStateSchema,
  paymentMethod: Type.Object({
    type: literals(PAYMENT_METHOD_TYPES),
    cardBin: Type.Optional(Type.String({ minLength: 6, maxLength: 6 })),
  }),
  profile: Type.Object({ sub: Type.Optional(Type.String()) }),
  pspReference: Type.String(),
  reference: Reference,
  redirectUrl: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
})
export type GetPaymentResponse = Static<typeof GetPaymentResponse>

/** Body of capture and refund. */
export const ModificationRequest = Type.Object({ modificationAmount: Amount })
export type ModificationRequest = Static<typeof ModificationRequest>

/** Body of cancel: empty in spec 1.4.1; the live platform takes `cancelTransactionOnly`. */
export const CancelRequest = Type.Object({ cancelTransactionOnly: Type.Optional(Type.Boolean()) })
export type CancelRequest = Static<typeof CancelRequest>

export const ModificationResponse = Type.Object({
  amount: Amount,
  state: PaymentStateSchema,
  aggregate: Aggregate,
  pspReference: Type.String(),
  reference: Reference,
})
export type ModificationResponse = Static<typeof ModificationResponse>

/** One entry of a payment's event log (`GET …/events`). */
export const PaymentEvent = Type.Object({
  reference: Reference,
  pspReference: Type.String(),
  name: PaymentEventNameSchema,
  amount: Amount,
  timestamp: Type.String(),
  idempotencyKey: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
  success: Type.Boolean(),
})
export type PaymentEvent = Static<typeof PaymentEvent>
export const PaymentEventLog = Type.Array(PaymentEvent)

/** The body of an ePayment webhook: the event plus the merchant it belongs to. */
export const EPaymentWebhookEvent = Type.Object({
  msn: Msn,
  reference: Reference,
  pspReference: Type.String(),
  name: PaymentEventNameSchema,
  amount: Amount,
  timestamp: Type.String(),
  idempotencyKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  success: Type.Boolean(),
})
export type EPaymentWebhookEvent = Static<typeof EPaymentWebhookEvent>

/** Body of the test-only force approve. `token` is the one in `redirectUrl`. */
export const ForceApproveRequest = Type.Object({
  customer: Type.Optional(Customer),
  token: Type.Optional(Type.String()),
})
export type ForceApproveRequest = Static<typeof ForceApproveRequest>

/** The webhook event type for each ePayment event name. */
export const epaymentWebhookEventType = (name: PaymentEventName): string =>
  `epayments.payment.${name.toLowerCase()}.v1`
