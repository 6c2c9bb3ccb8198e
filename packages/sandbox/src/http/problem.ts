/**
 * Errors at the sandbox's edge, in the platform's own formats: RFC 7807
 * `application/problem+json` from the APIs, and Azure API Management's
 * `{statusCode, message}` from the gateway in front of them (401/403/429).
 */
import { randomUUID } from 'node:crypto'
import type { ExtraDetail, GatewayError, Problem } from '@kasse/vipps'

const TYPE_BASE = 'https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors'

/**
 * An API error with a stable `type`. Throw it from a handler; the error handler
 * answers it as problem+json.
 *
 * @example
 * throw new ProblemError(400, 'Invalid phone number', 'customer.phoneNumber must be 10 to 15 digits',
 *   [{ name: 'customer.phoneNumber', reason: 'must match ^\\d{10,15}$' }])
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extraDetails?: ExtraDetail[],
    /** A stable identifier; defaults to one derived from the title. */
    readonly code?: string,
  ) {
    super(detail ?? title)
    this.name = 'ProblemError'
  }

  toProblem(): Problem {
    const slug = (this.code ?? this.title)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
    return {
      type: `${TYPE_BASE}#${slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      traceId: randomUUID(),
      ...(this.extraDetails?.length ? { extraDetails: this.extraDetails } : {}),
    }
  }
}

/** A refusal by the gateway, before the request reaches an API. */
export class GatewayRefusal extends Error {
  constructor(
    readonly statusCode: 401 | 403 | 429,
    message: string,
    /** Seconds to wait, for 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
    this.name = 'GatewayRefusal'
  }

  toBody(): GatewayError {
    return { statusCode: this.statusCode, message: this.message }
  }
}

/** 400 for one bad field, the most common problem. */
export const invalidField = (field: string, reason: string, title = 'Bad Request') =>
  new ProblemError(400, title, `${field}: ${reason}`, [{ name: field, reason }], 'validation-error')
