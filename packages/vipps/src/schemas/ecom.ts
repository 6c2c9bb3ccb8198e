/**
 * The legacy eCom API v2 (`/ecomm/v2/payments`), kept for the shop's express
 * checkout (Hurtigkasse), written from specs/ecom-v2.yaml 2.0.3 and
 * research/vipps-api.md §8. It differs from ePayment in ways that bite:
 *
 * - amounts are integers in øre, but shipping costs are decimal kroner;
 * - phone numbers are 8 digits, not MSISDN;
 * - errors are a list `[{errorGroup, errorCode, errorMessage, contextId}]`;
 * - idempotency is the `X-Request-Id` header (at most 40 characters);
 * - the platform calls the merchant back (`callbackPrefix`, `shippingDetailsPrefix`,
 *   `consentRemovalPrefix`), whose bodies are described here too.
 */
import { type Static, Type } from '@sinclair/typebox'
import { literals } from './common.ts'

export const ECOM_ORDER_ID_PATTERN = '^[a-zA-Z0-9-]{1,50}$'
export const EcomOrderId = Type.String({ pattern: ECOM_ORDER_ID_PATTERN, maxLength: 50 })

/** eCom's MSN: five (early ones) or six digits. */
export const EcomMsn = Type.String({ pattern: '^\\d{5,}$', minLength: 5, maxLength: 6 })

/** `X-Request-Id`: unique per orderId, MSN and endpoint. */
export const ECOM_REQUEST_ID_MAX_LENGTH = 40

/** Øre; the platform's minimum is 1 NOK. */
export const EcomAmount = Type.Integer({ minimum: 100 })
/** Amounts in answers, which may be 0 (nothing captured yet). */
const EcomAmountInAnswer = Type.Integer({ minimum: 0 })

/** Eight digits, no country code. */
export const EcomMobileNumber = Type.String({ pattern: '^\\d{8}$', minLength: 8, maxLength: 8 })

const TransactionText = Type.String({ maxLength: 100 })

export const ECOM_PAYMENT_TYPES = ['eComm Regular Payment', 'eComm Express Payment'] as const
export type EcomPaymentType = (typeof ECOM_PAYMENT_TYPES)[number]

/** Shipping cost in kroner as a decimal number, not øre (the one place eCom does this). */
export const EcomShippingCost = Type.Number({ minimum: 0 })

/** A shipping option offered to the user in express checkout. */
export const EcomShippingOption = Type.Object({
  isDefault: literals(['Y', 'N'] as const),
  /** Options are shown in ascending priority. */
  priority: Type.Optional(Type.Integer()),
  shippingCost: EcomShippingCost,
  shippingMethod: Type.String({ maxLength: 256 }),
  shippingMethodId: Type.String({ maxLength: 100 }),
})
export type EcomShippingOption = Static<typeof EcomShippingOption>

export const EcomMerchantInfo = Type.Object({
  merchantSerialNumber: EcomMsn,
  /** The platform appends `/v2/payments/{orderId}` and posts the result there. */
  callbackPrefix: Type.String({ maxLength: 255 }),
  /** Where the user is sent back to, whatever the outcome. */
  fallBack: Type.String({ maxLength: 255 }),
  /** Echoed as `Authorization` on every callback, so the shop can tell them from forgeries. */
  authToken: Type.Optional(Type.String({ maxLength: 255 })),
  /** Required for express: `/v2/consents/{userId}` is appended (GDPR). */
  consentRemovalPrefix: Type.Optional(Type.String({ maxLength: 255 })),
  isApp: Type.Optional(Type.Boolean()),
  paymentType: Type.Optional(literals(ECOM_PAYMENT_TYPES)),
  /** Express: the platform posts the address to `/v2/payments/{orderId}/shippingDetails` here. */
  shippingDetailsPrefix: Type.Optional(Type.String({ maxLength: 255 })),
  /** Express with fixed shipping options; then `shippingDetailsPrefix` is not called. */
  staticShippingDetails: Type.Optional(Type.Array(EcomShippingOption)),
})
export type EcomMerchantInfo = Static<typeof EcomMerchantInfo>

export const EcomAirlineData = Type.Object({
  passengerName: Type.String({ minLength: 1, maxLength: 49 }),
  airlineCode: Type.String({ minLength: 3, maxLength: 3 }),
  airlineDesignatorCode: Type.String({ minLength: 2, maxLength: 2 }),
  ticketNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
  agencyInvoiceNumber: Type.String({ minLength: 1, maxLength: 6 }),
})

export const EcomInitiateTransaction = Type.Object({
  amount: EcomAmount,
  orderId: EcomOrderId,
  transactionText: TransactionText,
  /** Only for whitelisted sales units (e.g. a POS); needs `customerInfo.mobileNumber`. */
  skipLandingPage: Type.Optional(Type.Boolean()),
  /** Space-separated userinfo scopes: name address email phoneNumber birthDate nin. */
  scope: Type.Optional(Type.String()),
  additionalData: Type.Optional(EcomAirlineData),
  /** Express: make the user confirm address and shipping explicitly. */
  useExplicitCheckoutFlow: Type.Optional(Type.Boolean()),
})
export type EcomInitiateTransaction = Static<typeof EcomInitiateTransaction>

/** `POST /ecomm/v2/payments`. */
export const EcomInitiatePaymentRequest = Type.Object({
  customerInfo: Type.Object({ mobileNumber: Type.Optional(EcomMobileNumber) }),
  merchantInfo: EcomMerchantInfo,
  transaction: EcomInitiateTransaction,
})
export type EcomInitiatePaymentRequest = Static<typeof EcomInitiatePaymentRequest>

export const EcomInitiatePaymentResponse = Type.Object({
  orderId: EcomOrderId,
  /** Landing page or app deeplink; valid for 5 minutes; use it unchanged. */
  url: Type.String(),
})
export type EcomInitiatePaymentResponse = Static<typeof EcomInitiatePaymentResponse>

export const EcomMerchantInfoPayment = Type.Object({ merchantSerialNumber: EcomMsn })

/**
 * Body of capture and refund. The spec requires neither part; the platform
 * needs both, so they are required here. Without `amount` the whole
 * remaining amount is captured (refunded).
 */
export const EcomPaymentActionRequest = Type.Object({
  merchantInfo: EcomMerchantInfoPayment,
  transaction: Type.Object({
    amount: Type.Optional(EcomAmount),
    /** For a capture, the proof of delivery (tracking code, consignment number). */
    transactionText: TransactionText,
  }),
})
export type EcomPaymentActionRequest = Static<typeof EcomPaymentActionRequest>

/** Body of `PUT …/cancel`. */
export const EcomCancelRequest = Type.Object({
  merchantInfo: EcomMerchantInfoPayment,
  transaction: Type.Object({ transactionText: TransactionText }),
  /** Opt in to cancelling what is left after a partial capture. */
  shouldReleaseRemainingFunds: Type.Optional(Type.Boolean()),
})
export type EcomCancelRequest = Static<typeof EcomCancelRequest>

/** Body of the test-only force approve. */
export const EcomForceApproveRequest = Type.Object({
  customerPhoneNumber: Type.Optional(EcomMobileNumber),
  /** The token in the initiate answer's `url`. */
  token: Type.Optional(Type.String()),
})
export type EcomForceApproveRequest = Static<typeof EcomForceApproveRequest>

export const EcomTransactionSummary = Type.Object({
  capturedAmount: Type.Integer(),
  refundedAmount: Type.Integer(),
  remainingAmountToCapture: Type.Integer(),
  remainingAmountToRefund: Type.Integer(),
  /** First six digits of the card. */
  bankIdentificationNumber: Type.Optional(Type.Integer()),
})
export type EcomTransactionSummary = Static<typeof EcomTransactionSummary>

export const ECOM_MODIFICATION_STATUSES = ['Cancelled', 'Captured', 'Refund'] as const

const EcomModificationInfo = {
  amount: EcomAmountInAnswer,
  status: literals(ECOM_MODIFICATION_STATUSES),
  timeStamp: Type.String(),
  transactionText: TransactionText,
}

/** What a capture or refund did. */
export const EcomTransactionInfo = Type.Object({
  ...EcomModificationInfo,
  transactionId: Type.String({ pattern: '^\\d{10,}$' }),
})
export type EcomTransactionInfo = Static<typeof EcomTransactionInfo>

export const EcomTransactionInfoCancel = Type.Object({
  ...EcomModificationInfo,
  transactionId: Type.Optional(Type.String({ pattern: '^\\d{10,}$' })),
})

const PaymentInstrument = Type.String({ maxLength: 30, pattern: '^[a-zA-Z0-9-]{1,30}$' })

/** Capture's answer; `/details` has the full history. */
export const EcomCaptureResponse = Type.Object({
  orderId: EcomOrderId,
  paymentInstrument: Type.Optional(PaymentInstrument),
  transactionInfo: Type.Optional(EcomTransactionInfo),
  transactionSummary: Type.Optional(EcomTransactionSummary),
})
export type EcomCaptureResponse = Static<typeof EcomCaptureResponse>

export const EcomCancelResponse = Type.Object({
  orderId: EcomOrderId,
  paymentInstrument: Type.Optional(PaymentInstrument),
  transactionInfo: Type.Optional(EcomTransactionInfoCancel),
  transactionSummary: Type.Optional(EcomTransactionSummary),
})
export type EcomCancelResponse = Static<typeof EcomCancelResponse>

/** Refund's answer; the spec names the part `transaction` here, not `transactionInfo`. */
export const EcomRefundResponse = Type.Object({
  orderId: EcomOrderId,
  transaction: Type.Optional(EcomTransactionInfo),
  transactionSummary: Type.Optional(EcomTransactionSummary),
})
export type EcomRefundResponse = Static<typeof EcomRefundResponse>

export const ECOM_OPERATIONS = ['INITIATE', 'RESERVE', 'SALE', 'CAPTURE', 'REFUND', 'CANCEL', 'VOID'] as const
export type EcomOperation = (typeof ECOM_OPERATIONS)[number]

export const EcomTransactionLogEntry = Type.Object({
  amount: Type.Integer(),
  operation: literals(ECOM_OPERATIONS),
  operationSuccess: Type.Boolean(),
  transactionText: TransactionText,
  /** The `X-Request-Id` of the request that made this entry. */
  requestId: Type.Optional(Type.String()),
  timeStamp: Type.Optional(Type.String()),
  transactionId: Type.Optional(Type.String()),
})
export type EcomTransactionLogEntry = Static<typeof EcomTransactionLogEntry>

/** The user, for express checkout and when a profile scope was asked for. */
export const EcomUserDetails = Type.Object({
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  mobileNumber: EcomMobileNumber,
  /** The shop must keep it: consent removal names the user by it. */
  userId: Type.String({ maxLength: 50, pattern: '^[\\d\\w\\/=+]+$' }),
})
export type EcomUserDetails = Static<typeof EcomUserDetails>

export const EcomAddress = Type.Object({
  addressLine1: Type.String(),
  addressLine2: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  city: Type.String(),
  /** The spec allows only "Norway"; the platform's examples also say "NO". */
  country: Type.String(),
  postCode: Type.String(),
})
export type EcomAddress = Static<typeof EcomAddress>

/**
 * The address in an express callback. The spec requires `postCode` yet names
 * the property `zipCode` ("apologies for not using postCode"); either is taken.
 */
export const EcomCallbackAddress = Type.Object({
  addressLine1: Type.String(),
  addressLine2: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  city: Type.String(),
  country: Type.String(),
  postCode: Type.Optional(Type.String()),
  zipCode: Type.Optional(Type.String()),
})
export type EcomCallbackAddress = Static<typeof EcomCallbackAddress>

/** The shipping the user chose (express only). */
export const EcomPaymentShippingDetails = Type.Object({
  address: Type.Optional(EcomAddress),
  shippingCost: EcomShippingCost,
  shippingMethod: Type.String({ maxLength: 256 }),
  shippingMethodId: Type.String({ maxLength: 100 }),
})
export type EcomPaymentShippingDetails = Static<typeof EcomPaymentShippingDetails>

/** `GET …/details`: the payment's history, newest first. */
export const EcomPaymentDetails = Type.Object({
  orderId: EcomOrderId,
  transactionLogHistory: Type.Array(EcomTransactionLogEntry),
  transactionSummary: Type.Optional(EcomTransactionSummary),
  shippingDetails: Type.Optional(EcomPaymentShippingDetails),
  userDetails: Type.Optional(EcomUserDetails),
  /** For userinfo; added asynchronously after approval, so it may be missing at first. */
  sub: Type.Optional(Type.String()),
})
export type EcomPaymentDetails = Static<typeof EcomPaymentDetails>

export const ECOM_ERROR_GROUPS = [
  'Authentication',
  'Payment',
  'InvalidRequest',
  'VippsError',
  'User',
  'Merchant',
] as const
export type EcomErrorGroup = (typeof ECOM_ERROR_GROUPS)[number]

/** One eCom error. `errorCode` is a number as a string, e.g. "35" (order not found). */
export const EcomError = Type.Object({
  errorGroup: literals(ECOM_ERROR_GROUPS),
  errorCode: Type.String(),
  errorMessage: Type.String(),
  contextId: Type.Optional(Type.String()),
})
export type EcomError = Static<typeof EcomError>

export const EcomErrorList = Type.Array(EcomError)
export type EcomErrorList = Static<typeof EcomErrorList>

/** An error from Azure API Management in front of eCom, in eCom's own wrapping. */
export const EcomAzureError = Type.Object({
  responseInfo: Type.Object({ responseCode: Type.Integer(), responseMessage: Type.String() }),
  result: Type.Object({ message: Type.String() }),
})
export type EcomAzureError = Static<typeof EcomAzureError>

export const ECOM_CALLBACK_STATUSES = ['RESERVED', 'SALE', 'CANCELLED', 'REJECTED'] as const
/** The express callback says `RESERVE` where the regular one says `RESERVED`. */
export const ECOM_EXPRESS_CALLBACK_STATUSES = ['RESERVE', 'SALE', 'CANCELLED', 'REJECTED'] as const

const CallbackTransactionInfo = <T extends readonly string[]>(statuses: T) =>
  Type.Object({
    amount: EcomAmount,
    status: literals(statuses),
    timeStamp: Type.String(),
    transactionId: Type.Optional(Type.String()),
  })

/** The platform's callback to `{callbackPrefix}/v2/payments/{orderId}` for a regular payment. */
export const EcomRegularCallback = Type.Object({
  merchantSerialNumber: EcomMsn,
  orderId: EcomOrderId,
  transactionInfo: CallbackTransactionInfo(ECOM_CALLBACK_STATUSES),
  errorInfo: Type.Optional(EcomError),
})
export type EcomRegularCallback = Static<typeof EcomRegularCallback>

/** The callback for an express payment: the outcome plus who the user is and where to ship. */
export const EcomExpressCallback = Type.Object({
  merchantSerialNumber: EcomMsn,
  orderId: EcomOrderId,
  shippingDetails: Type.Object({
    address: EcomCallbackAddress,
    shippingCost: EcomShippingCost,
    shippingMethod: Type.String({ maxLength: 256 }),
    shippingMethodId: Type.String({ maxLength: 100 }),
  }),
  transactionInfo: CallbackTransactionInfo(ECOM_EXPRESS_CALLBACK_STATUSES),
  userDetails: EcomUserDetails,
  errorInfo: Type.Optional(EcomError),
})
export type EcomExpressCallback = Static<typeof EcomExpressCallback>

/** The platform asks `{shippingDetailsPrefix}/v2/payments/{orderId}/shippingDetails` for options. */
export const EcomShippingDetailsRequest = Type.Object({
  /** Echo it in the answer. */
  addressId: Type.Integer(),
  addressLine1: Type.String(),
  addressLine2: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  city: Type.String(),
  country: Type.String(),
  postCode: Type.String(),
  addressType: Type.Optional(literals(['H', 'W', 'O'] as const)),
})
export type EcomShippingDetailsRequest = Static<typeof EcomShippingDetailsRequest>

/** The shop's answer to the shipping details request; within 10 seconds. */
export const EcomShippingDetailsResponse = Type.Object({
  addressId: Type.Integer(),
  orderId: EcomOrderId,
  shippingDetails: Type.Array(EcomShippingOption),
})
export type EcomShippingDetailsResponse = Static<typeof EcomShippingDetailsResponse>
