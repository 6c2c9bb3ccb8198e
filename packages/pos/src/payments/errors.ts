/**
 * What went wrong with a payment request, in words a cashier can act on.
 * The platform's refusals are classified once, here: whether the request
 * certainly did nothing (so a new one may be sent), whether its outcome is
 * unknown (so the payment must be looked up first), and whether retrying the
 * same request can help.
 */
import {
  outcomeUnknown,
  VippsApiError,
  VippsError,
  VippsGatewayError,
  VippsNetworkError,
  VippsResponseValidationError,
  VippsTimeoutError,
} from '@kasse/vipps'

export const PAYMENT_ERROR_CODES = [
  /** The number has no Vipps MobilePay app (or the QR is nobody's). */
  'CUSTOMER_NOT_FOUND',
  /** The platform refused the number or code itself. */
  'INVALID_CUSTOMER',
  /** The platform could not be reached or failed; nothing was created. */
  'PLATFORM_UNAVAILABLE',
  /** Too many requests for this payment right now. */
  'PLATFORM_BUSY',
  /** The till's keys or merchant number are not accepted: a set-up problem. */
  'MERCHANT_NOT_AUTHORISED',
  /** Any other refusal; the message is the platform's. */
  'PAYMENT_REFUSED',
] as const
export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number]

export interface PaymentError {
  code: PaymentErrorCode
  message: string
  /** True if sending the same request again may work (the attempt is reused). */
  retryable: boolean
}

/** A failed call: either its outcome is unknown, or it certainly did nothing and failed thus. */
export type CallFailure = { kind: 'unknown'; reason: string } | { kind: 'refused'; error: PaymentError }

/**
 * Classifies an error thrown by a client call that writes (create, capture,
 * cancel, refund). Anything that is not a VippsError (a bug) is rethrown.
 */
export function classifyCallError(error: unknown): CallFailure {
  if (!(error instanceof VippsError)) throw error
  // An answer that breaks the contract still came with a 2xx: the platform did
  // the work, so the till must look it up, never assume nothing happened.
  if (outcomeUnknown(error) || error instanceof VippsResponseValidationError) {
    return { kind: 'unknown', reason: describeForLog(error) }
  }
  return { kind: 'refused', error: paymentErrorOf(error) }
}

/** The cashier's message for a platform refusal that certainly created nothing. */
export function paymentErrorOf(error: VippsError): PaymentError {
  if (error instanceof VippsApiError) {
    const title = error.title.toLowerCase()
    const fields = error.extraDetails.map((d) => d.name).join(' ')
    if (title.includes('customer not found')) {
      return {
        code: 'CUSTOMER_NOT_FOUND',
        message: fields.includes('personalQr')
          ? 'Vipps MobilePay does not recognise that QR code. Ask the customer to show the code in the app again, or type their number.'
          : 'That number has no Vipps MobilePay. Check the number with the customer, or take another payment method.',
        retryable: false,
      }
    }
    if (title.includes('phone number') || /customer\.(phoneNumber|personalQr)/.test(fields)) {
      return {
        code: 'INVALID_CUSTOMER',
        message: 'Vipps MobilePay does not accept that number. Check it with the customer.',
        retryable: false,
      }
    }
    if (error.status === 429) return busy()
    return { code: 'PAYMENT_REFUSED', message: `Vipps MobilePay refused: ${error.title}`, retryable: false }
  }
  if (error instanceof VippsGatewayError) {
    if (error.status === 429) return busy()
    return {
      code: 'MERCHANT_NOT_AUTHORISED',
      message: 'Vipps MobilePay does not accept this till’s keys. Ask a manager to check the set-up.',
      retryable: false,
    }
  }
  if (error instanceof VippsNetworkError || error instanceof VippsTimeoutError) return unavailable()
  return unavailable()
}

function busy(): PaymentError {
  return {
    code: 'PLATFORM_BUSY',
    message: 'Vipps MobilePay asks us to slow down. Try again in a minute.',
    retryable: true,
  }
}

/** The platform could not be reached, and nothing was created. */
export function unavailable(): PaymentError {
  return {
    code: 'PLATFORM_UNAVAILABLE',
    message: 'Vipps MobilePay cannot be reached right now. Try again; the same request is sent again.',
    retryable: true,
  }
}

/** A line for the log: the error's kind and status, never a body, header or phone number. */
export function describeForLog(error: unknown): string {
  if (error instanceof VippsApiError) return `${error.kind} ${error.status} ${error.title}`
  if (error instanceof VippsGatewayError) return `${error.kind} ${error.status}`
  if (error instanceof VippsError) return error.kind
  return error instanceof Error ? error.name : 'unknown error'
}
