/**
 * Why the platform refused to send a membership request (the CIBA start), in
 * the cashier's words, with the till's error code: recorded on the failed
 * enrolment and answered to the cashier.
 */
import { VippsError, VippsGatewayError, VippsOAuthError } from '@kasse/vipps'
import type { PosErrorCode } from '../errors.ts'

/** A refusal a cashier can act on, as the enrolment records it and the HTTP answer carries it. */
export interface EnrolmentError {
  code: PosErrorCode
  message: string
  field?: string
  retryAfterSeconds?: number
}

/** Why the platform refused to send the request, in the cashier's words. */
export function startRefusalOf(error: unknown): EnrolmentError {
  if (!(error instanceof VippsError)) throw error
  if (error instanceof VippsOAuthError) {
    if (error.error === 'unknown_user_id') {
      return {
        code: 'CUSTOMER_NOT_FOUND',
        message:
          'Vipps MobilePay cannot send a membership request to that number (no app, or not a Norwegian number). Check the number with the customer.',
        field: 'saleId',
      }
    }
    if (error.status === 429) {
      return {
        code: 'PLATFORM_UNAVAILABLE',
        message:
          'Several requests are already waiting on the customer’s phone; ask them to answer those, or try again later',
        retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 1000)),
      }
    }
    if (error.error === 'invalid_client' || error.status === 401) {
      return {
        code: 'PAYMENTS_NOT_CONFIGURED',
        message:
          'Vipps MobilePay does not accept this till’s keys for Login. Ask a manager to check the set-up.',
      }
    }
    return {
      code: 'PLATFORM_UNAVAILABLE',
      message: `Vipps MobilePay refused the membership request (${error.error})`,
    }
  }
  if (error instanceof VippsGatewayError && error.status !== 429) {
    return {
      code: 'PAYMENTS_NOT_CONFIGURED',
      message: 'Vipps MobilePay does not accept this till’s keys. Ask a manager to check the set-up.',
    }
  }
  return {
    code: 'PLATFORM_UNAVAILABLE',
    message: 'Vipps MobilePay cannot be reached right now. Try again.',
    retryAfterSeconds: 2,
  }
}
