/**
 * Every way a call to Vipps MobilePay can fail, one class per kind, all
 * extending `VippsError`. Client methods return their typed result or throw one
 * of these; nothing else escapes except the caller's own abort.
 *
 * Each carries `request`: the operation, method, URL and idempotency key of the
 * call that failed, never a header or body (so never a secret or a phone
 * number), and how many attempts were made.
 */
import type { ExtraDetail } from '../schemas/common.ts'
import type { EcomError } from '../schemas/ecom.ts'

/** What identifies a failed call in a log line. */
export interface FailedRequest {
  /** e.g. `epayment.capture` */
  operation: string
  method: string
  url: string
  /** The Idempotency-Key or X-Request-Id sent, reused across every attempt. */
  idempotencyKey?: string
  /** Attempts made, retries included. */
  attempts: number
  /**
   * Attempts that may have been processed without us learning the result (a
   * timeout, a connection lost after sending, a 5xx). More than zero means an
   * error answer from a later attempt may describe the aftermath of an earlier
   * one (e.g. "already cancelled").
   */
  unansweredAttempts: number
}

export const VIPPS_ERROR_KINDS = [
  'api',
  'gateway',
  'ecom',
  'oauth',
  'unexpected-response',
  'network',
  'timeout',
  'response-validation',
  'configuration',
] as const
export type VippsErrorKind = (typeof VIPPS_ERROR_KINDS)[number]

/**
 * Whether a failed write may have taken effect. `not-sent`: it certainly did
 * not (nothing reached the platform, or the platform refused it unprocessed);
 * `unknown`: the request may have been processed and its answer lost, so
 * look the state up (GET) before doing anything else.
 */
export type RequestOutcome = 'not-sent' | 'unknown'

export abstract class VippsError extends Error {
  abstract readonly kind: VippsErrorKind
  constructor(
    message: string,
    readonly request: FailedRequest | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** An HTTP answer with an error status, in whichever format the API uses. */
export abstract class VippsHttpError extends VippsError {
  constructor(
    message: string,
    readonly status: number,
    request: FailedRequest,
    /** From `Retry-After`, when the platform said when to come back. */
    readonly retryAfterMs?: number,
  ) {
    super(message, request)
  }
}

/**
 * An RFC 7807 problem from an API (ePayment, Webhooks, QR, Order Management,
 * Userinfo, Report): the platform understood the request and refused it.
 * `type` is the stable identifier to branch on; `extraDetails` names the fields.
 *
 * @example
 * try { await client.epayment.capture(reference, amount, { idempotencyKey }) }
 * catch (error) {
 *   if (error instanceof VippsApiError && error.status === 400) showCashier(error.title)
 *   else throw error
 * }
 */
export class VippsApiError extends VippsHttpError {
  readonly kind = 'api' as const
  readonly type: string | undefined
  readonly title: string
  readonly detail: string | undefined
  readonly extraDetails: ExtraDetail[]
  readonly traceId: string | undefined
  readonly instance: string | undefined

  constructor(
    status: number,
    problem: {
      type?: string
      title: string
      detail?: string
      extraDetails?: ExtraDetail[]
      traceId?: string
      instance?: string
    },
    request: FailedRequest,
    retryAfterMs?: number,
  ) {
    super(
      `${request.operation}: ${status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`,
      status,
      request,
      retryAfterMs,
    )
    this.type = problem.type
    this.title = problem.title
    this.detail = problem.detail
    this.extraDetails = problem.extraDetails ?? []
    this.traceId = problem.traceId
    this.instance = problem.instance
  }
}

/**
 * A refusal by the API gateway (Azure API Management) before the request reached
 * an API: 401 (key or token), 403 (key not allowed this product or MSN), 429
 * (rate limit). Its body is `{statusCode, message}`, not a problem. The refused
 * attempt itself was not processed.
 */
export class VippsGatewayError extends VippsHttpError {
  readonly kind = 'gateway' as const
  constructor(
    status: number,
    readonly gatewayMessage: string,
    request: FailedRequest,
    retryAfterMs?: number,
  ) {
    super(
      `${request.operation}: ${status} from the gateway: ${gatewayMessage}`,
      status,
      request,
      retryAfterMs,
    )
  }
}

/** eCom v2's own error format: a list of `{errorGroup, errorCode, errorMessage, contextId}`. */
export class VippsEcomError extends VippsHttpError {
  readonly kind = 'ecom' as const
  constructor(
    status: number,
    readonly errors: EcomError[],
    request: FailedRequest,
    retryAfterMs?: number,
  ) {
    const first = errors[0]
    super(
      `${request.operation}: ${status}${first ? ` ${first.errorGroup} ${first.errorCode}: ${first.errorMessage}` : ''}`,
      status,
      request,
      retryAfterMs,
    )
  }

  /** The first error's code, e.g. "35" (order not found), "81" (user not registered). */
  get errorCode(): string | undefined {
    return this.errors[0]?.errorCode
  }
}

/**
 * An OAuth error from the token endpoint, CIBA start or the access token API:
 * `error` is the stable code (`invalid_client`, `invalid_grant`, …). CIBA's
 * pending, slow-down, denied and expired answers are not errors but outcomes of
 * `login.pollCibaToken`.
 */
export class VippsOAuthError extends VippsHttpError {
  readonly kind = 'oauth' as const
  constructor(
    status: number,
    readonly error: string,
    readonly errorDescription: string | undefined,
    /** Vipps' extra code (`old_app`, `invalid_user`) when given. */
    readonly errorCode: string | number | undefined,
    request: FailedRequest,
    retryAfterMs?: number,
  ) {
    super(
      `${request.operation}: ${status} ${error}${errorDescription ? `: ${errorDescription}` : ''}`,
      status,
      request,
      retryAfterMs,
    )
  }
}

/**
 * An error status with a body in no format the API uses (an HTML page from a
 * proxy, an empty 502). `bodyExcerpt` is the first few hundred characters.
 */
export class VippsUnexpectedResponseError extends VippsHttpError {
  readonly kind = 'unexpected-response' as const
  constructor(
    status: number,
    readonly bodyExcerpt: string,
    request: FailedRequest,
    retryAfterMs?: number,
  ) {
    super(`${request.operation}: unexpected ${status} answer`, status, request, retryAfterMs)
  }
}

/**
 * The request failed on the way: connection refused or reset, DNS, TLS. `outcome`
 * says whether it can have reached the platform.
 */
export class VippsNetworkError extends VippsError {
  readonly kind = 'network' as const
  constructor(
    readonly outcome: RequestOutcome,
    request: FailedRequest,
    cause: unknown,
  ) {
    super(`${request.operation}: ${describeCause(cause)} (${outcome})`, request, { cause })
  }
}

/** No answer within the request's timeout. The request may have been processed: `outcome` is `unknown`. */
export class VippsTimeoutError extends VippsError {
  readonly kind = 'timeout' as const
  readonly outcome: RequestOutcome = 'unknown'
  constructor(
    readonly timeoutMs: number,
    request: FailedRequest,
  ) {
    super(`${request.operation}: no answer within ${timeoutMs} ms`, request)
  }
}

export interface ValidationIssue {
  /** The field, dotted: `aggregate.capturedAmount.value`; `(root)` for the body itself. */
  field: string
  message: string
}

/**
 * A successful answer that does not match the contract schema: the platform (or
 * the sandbox) and this client disagree. Names the first field that differs;
 * `issues` has them all. The values are left out: they may be personal data.
 */
export class VippsResponseValidationError extends VippsError {
  readonly kind = 'response-validation' as const
  readonly field: string
  constructor(
    readonly status: number,
    readonly issues: ValidationIssue[],
    request: FailedRequest,
  ) {
    const first = issues[0] ?? { field: '(root)', message: 'does not match the schema' }
    super(`${request.operation}: the answer's ${first.field} ${first.message}`, request)
    this.field = first.field
  }
}

/** The client was set up wrongly (a missing credential, a system header over 30 characters). */
export class VippsConfigurationError extends VippsError {
  readonly kind = 'configuration' as const
  constructor(message: string) {
    super(message, undefined)
  }
}

/** The error's message with the socket's code: fetch keeps it on its `cause`, node:http on the error. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause)
  const code = codeOf((cause as { cause?: unknown }).cause) ?? codeOf(cause)
  return code && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message
}

function codeOf(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined
}

/**
 * Whether a write that threw may have taken effect, so its result must be looked
 * up (GET) before the next step: a timeout, a network failure after the request
 * may have left, a 5xx, or any error after such an attempt. False when the
 * platform refused the request and no earlier attempt is in doubt.
 *
 * @example
 * catch (error) {
 *   if (outcomeUnknown(error)) attempt.markUnknown() // the sweeper GETs the payment later
 * }
 */
export function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof VippsError)) return false
  if (error instanceof VippsNetworkError || error instanceof VippsTimeoutError) {
    if (error.outcome === 'unknown') return true
  }
  if (error instanceof VippsHttpError && error.status >= 500) return true
  return (error.request?.unansweredAttempts ?? 0) > 0
}
