import {
  VippsApiError,
  VippsGatewayError,
  VippsNetworkError,
  VippsResponseValidationError,
  VippsTimeoutError,
} from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { classifyCallError } from './errors.ts'

const request = (unansweredAttempts = 0) => ({
  operation: 'epayment.create',
  method: 'POST',
  url: 'http://sandbox/epayment/v1/payments',
  idempotencyKey: 'key-1',
  attempts: 1 + unansweredAttempts,
  unansweredAttempts,
})
const problem = (status: number, title: string, field?: string) =>
  new VippsApiError(
    status,
    { title, ...(field ? { extraDetails: [{ name: field, reason: 'x' }] } : {}) },
    request(),
  )

describe('a failed platform call', () => {
  it('whose outcome may have happened is unknown: timeouts, lost answers, 5xx, a 2xx that breaks the contract', () => {
    expect(classifyCallError(new VippsTimeoutError(10_000, request(1))).kind).toBe('unknown')
    expect(classifyCallError(new VippsNetworkError('unknown', request(1), new Error('reset'))).kind).toBe(
      'unknown',
    )
    expect(classifyCallError(problem(502, 'Bad gateway')).kind).toBe('unknown')
    expect(classifyCallError(new VippsResponseValidationError(201, [], request())).kind).toBe('unknown')
    // A refusal after an attempt whose answer was lost may describe that attempt's aftermath.
    expect(classifyCallError(new VippsApiError(409, { title: 'Conflict' }, request(1))).kind).toBe('unknown')
  })

  it('that certainly did nothing says what the cashier can do', () => {
    expect(classifyCallError(problem(400, 'Customer not found', 'customer.phoneNumber'))).toEqual({
      kind: 'refused',
      error: expect.objectContaining({ code: 'CUSTOMER_NOT_FOUND', retryable: false }),
    })
    expect(classifyCallError(problem(400, 'Customer not found', 'customer.personalQr'))).toMatchObject({
      error: { code: 'CUSTOMER_NOT_FOUND', message: expect.stringMatching(/QR code/) },
    })
    expect(classifyCallError(problem(400, 'Invalid phone number'))).toMatchObject({
      error: { code: 'INVALID_CUSTOMER', retryable: false },
    })
    expect(
      classifyCallError(new VippsNetworkError('not-sent', request(), new Error('refused'))),
    ).toMatchObject({
      error: { code: 'PLATFORM_UNAVAILABLE', retryable: true },
    })
    expect(classifyCallError(new VippsGatewayError(429, 'Rate limit', request()))).toMatchObject({
      error: { code: 'PLATFORM_BUSY', retryable: true },
    })
    expect(classifyCallError(new VippsGatewayError(403, 'Forbidden', request()))).toMatchObject({
      error: { code: 'MERCHANT_NOT_AUTHORISED', retryable: false },
    })
    expect(classifyCallError(problem(400, 'Amount too small'))).toMatchObject({
      error: { code: 'PAYMENT_REFUSED', message: 'Vipps MobilePay refused: Amount too small' },
    })
  })

  it('that is not the platform’s (a bug) is not swallowed', () => {
    expect(() => classifyCallError(new TypeError('oops'))).toThrow('oops')
  })
})
