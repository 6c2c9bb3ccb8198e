/**
 * Every error the shop answers with, as a coded constant with its HTTP status.
 * Pages show `message` to the person; the Vipps callbacks answer
 * `{error: {code, message, field?}}`. Codes never change; messages may.
 */

export const SHOP_ERRORS = {
  /** A form or body field is missing or wrong; `field` names it. */
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  /** A Vipps callback without the authToken the shop gave, or a webhook whose signature fails. */
  UNAUTHORIZED: 401,
  ADMIN_SIGN_IN_REQUIRED: 401,
  WRONG_ADMIN_LOGIN: 401,
  CSRF_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  EMPTY_CART: 409,
  ORDER_STATE_CONFLICT: 409,
  /** Another capture, cancel or refund of the order is still open. */
  OPERATION_IN_PROGRESS: 409,
  /** Vipps MobilePay refused the operation (its reason is in the message). */
  PAYMENT_REFUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** Vipps MobilePay did not answer; the operation is kept and retried with the same key. */
  PAYMENT_OUTCOME_UNKNOWN: 502,
  INTERNAL: 500,
} as const satisfies Record<string, number>

export type ShopErrorCode = keyof typeof SHOP_ERRORS

/** The JSON body of an error (callbacks and webhooks). */
export interface ErrorBody {
  error: { code: ShopErrorCode; message: string; field?: string }
}

/**
 * A failure the caller can act on. Throw it from a service; pages show the
 * message, JSON routes answer `{error}`, both with the code's status.
 *
 * @example
 * throw new ShopError('VALIDATION_FAILED', 'Postnummer må være fire sifre', { field: 'postalCode' })
 */
export class ShopError extends Error {
  readonly field: string | undefined

  constructor(
    readonly code: ShopErrorCode,
    message: string,
    options: { field?: string } = {},
  ) {
    super(message)
    this.name = 'ShopError'
    this.field = options.field
  }

  get status(): number {
    return SHOP_ERRORS[this.code]
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } }
    if (this.field !== undefined) body.error.field = this.field
    return body
  }
}
