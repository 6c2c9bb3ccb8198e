/**
 * Every error the till answers with, as a coded constant with its HTTP status
 * (as Fastify's own `lib/errors.js` does). Clients branch on `code`, which never
 * changes; `message` is for people and may be reworded.
 */

export const POS_ERRORS = {
  /** The request does not match its schema; `field` names what is wrong. */
  VALIDATION_FAILED: 400,
  INVALID_BARCODE: 400,
  INVALID_VAT_RATE: 400,
  INVALID_PHONE_NUMBER: 400,
  /** The scanned code is not a personal QR the platform recognises. */
  INVALID_PERSONAL_QR: 400,
  INVALID_DISCOUNT: 400,
  /** The platform knows no user with the sale customer's number (club enrolment). */
  CUSTOMER_NOT_FOUND: 400,
  MALFORMED_JSON: 400,
  /** The request itself is broken (a URL that cannot be decoded, HTTP node cannot parse). */
  BAD_REQUEST: 400,
  NOT_SIGNED_IN: 401,
  /** A webhook delivery whose signature does not verify against any registration. */
  WEBHOOK_REJECTED: 401,
  WRONG_PIN: 401,
  /** A state-changing request without the session's `x-kasse-csrf` header. */
  CSRF_TOKEN_INVALID: 403,
  MANAGER_REQUIRED: 403,
  NOT_FOUND: 404,
  UNKNOWN_TILL: 404,
  PRODUCT_NOT_FOUND: 404,
  UNKNOWN_BARCODE: 404,
  SALE_NOT_FOUND: 404,
  LINE_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  REFUND_NOT_FOUND: 404,
  DUPLICATE_BARCODE: 409,
  PRODUCT_INACTIVE: 409,
  SALE_NOT_EDITABLE: 409,
  SALE_STATE_CONFLICT: 409,
  EMPTY_SALE: 409,
  AMOUNT_TOO_LARGE: 409,
  /** A payment request needs a customer: scan their QR or type their number. */
  CUSTOMER_REQUIRED: 409,
  /** The payment request is past the point where it can be cancelled. */
  PAYMENT_NOT_CANCELLABLE: 409,
  /** The sale has not been paid (refunds, receipts). */
  SALE_NOT_PAID: 409,
  /** What was asked to be refunded is more than is left to refund. */
  REFUND_TOO_LARGE: 409,
  /** The business day is closed already; its Z report is frozen. */
  DAY_ALREADY_CLOSED: 409,
  /** Nothing to resolve: the till and the platform agree about the payment (now). */
  NOTHING_TO_RESOLVE: 409,
  /** The platform has not closed the date yet (its settlement report answers 404 until then). */
  SETTLEMENT_NOT_READY: 409,
  /** Club enrolment needs the sale's customer identified first. */
  NO_CUSTOMER: 409,
  /** The customer is already a member of the store's club. */
  ALREADY_MEMBER: 409,
  /** A consent request for this sale is already waiting on the customer's phone. */
  ENROLMENT_IN_PROGRESS: 409,
  /** The enrolment has ended (accepted, declined, expired, cancelled, failed). */
  ENROLMENT_FINISHED: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  /** A part of the URL (a path parameter) is longer than any the till reads. */
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Too many wrong PINs at this till; `Retry-After` says when to try again. */
  TILL_LOCKED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  /** The platform could not be reached; nothing was changed. Try again. */
  PLATFORM_UNAVAILABLE: 503,
  /** The till has no Vipps MobilePay settings. */
  PAYMENTS_NOT_CONFIGURED: 503,
} as const satisfies Record<string, number>

export type PosErrorCode = keyof typeof POS_ERRORS

/** The body of every error response. */
export interface ErrorBody {
  error: { code: PosErrorCode; message: string; field?: string }
}

/**
 * A failure the caller can act on. Throw it from a service; the HTTP layer
 * answers `{error: {code, message, field}}` with the code's status.
 *
 * @example
 * throw new PosError('DUPLICATE_BARCODE', 'Another product already has barcode 7038010000737', {
 *   field: 'barcode',
 * })
 */
export class PosError extends Error {
  readonly field: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(
    readonly code: PosErrorCode,
    message: string,
    options: { field?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message)
    this.name = 'PosError'
    this.field = options.field
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  get status(): number {
    return POS_ERRORS[this.code]
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } }
    if (this.field !== undefined) body.error.field = this.field
    return body
  }
}
