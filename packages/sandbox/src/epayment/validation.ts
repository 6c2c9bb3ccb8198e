/**
 * The create-payment rules the schema cannot say: how fields depend on each
 * other and on the merchant and the clock. The route's schema has already
 * checked types, patterns and ranges; each rule here answers a 400 that names
 * the field, with the platform's title where it has one.
 */
import type { CreatePaymentRequest, Currency, Customer, OrderLine, Receipt } from '@kasse/vipps'
import type { Merchant } from '../directory/directory.ts'
import { invalidField, ProblemError } from '../http/problem.ts'

/** The smallest payment per currency, in minor units (NOK 1.00; 1 øre or cent elsewhere). */
export const MINIMUM_AMOUNT: Record<Currency, number> = { NOK: 100, DKK: 1, EUR: 1 }

const MINUTE = 60_000
const EXPIRES_AT_MIN_MS = 10 * MINUTE
const EXPIRES_AT_MAX_MS = 28 * 24 * 60 * MINUTE

const SCOPES = new Set(['openid', 'name', 'address', 'email', 'phoneNumber', 'birthDate', 'nin'])
const CUSTOMER_FIELDS = ['phoneNumber', 'personalQr', 'customerToken'] as const
export type CustomerField = (typeof CUSTOMER_FIELDS)[number]

/** A refusal with the platform's title, naming one field. */
export const fieldProblem = (title: string, field: string, reason: string, status = 400) =>
  new ProblemError(status, title, `${field}: ${reason}`, [{ name: field, reason }])

/**
 * Checks a create request against the merchant and the time now. Returns the
 * payment's expiry time when `expiresAt` is given.
 */
export function checkCreatePayment(
  request: CreatePaymentRequest,
  merchant: Merchant,
  now: number,
): number | undefined {
  const { amount, userFlow } = request
  if (amount.currency !== merchant.currency) {
    throw fieldProblem(
      'Invalid currency for merchant',
      'amount.currency',
      `MSN ${merchant.msn} takes ${merchant.currency} only`,
    )
  }
  const minimum = MINIMUM_AMOUNT[amount.currency]
  if (amount.value < minimum) {
    throw fieldProblem('Amount too small', 'amount.value', `the minimum for ${amount.currency} is ${minimum}`)
  }
  if (request.paymentMethod.type === 'CARD' && userFlow !== 'WEB_REDIRECT') {
    throw fieldProblem(
      'Invalid payment method',
      'paymentMethod.type',
      'CARD is only allowed with WEB_REDIRECT',
    )
  }
  if (request.customer) customerField(request.customer, 'customer')
  if (userFlow === 'PUSH_MESSAGE' && !request.customer) {
    throw missing('customer', 'is required when userFlow is PUSH_MESSAGE')
  }
  if (userFlow === 'WEB_REDIRECT' && !request.returnUrl) {
    throw missing('returnUrl', 'is required when userFlow is WEB_REDIRECT')
  }
  if (request.returnUrl) checkMerchantUrl('returnUrl', request.returnUrl)
  if (request.receiptUrl) checkMerchantUrl('receiptUrl', request.receiptUrl)
  if (request.metadata) checkMetadata(request.metadata)
  if (request.profile?.scope) checkScope(request.profile.scope)
  if (request.receipt) checkReceipt(request.receipt, amount.currency)
  if (request.qrFormat) {
    if (userFlow !== 'QR') throw invalidField('qrFormat', 'is only allowed when userFlow is QR')
    if (request.qrFormat.size != null && request.qrFormat.format !== 'IMAGE/PNG') {
      throw invalidField('qrFormat.size', 'is only allowed with format IMAGE/PNG')
    }
  }
  return request.expiresAt == null ? undefined : checkExpiresAt(request, now)
}

/** The one identifier a customer object carries; more or fewer is a 400 naming `field`. */
export function customerField(customer: Customer, field: string): CustomerField {
  const given = CUSTOMER_FIELDS.filter((name) => customer[name] != null)
  if (given.length !== 1) {
    throw invalidField(
      field,
      given.length === 0
        ? 'needs one of phoneNumber, personalQr, customerToken'
        : `takes exactly one of phoneNumber, personalQr, customerToken, not ${given.join(' and ')}`,
    )
  }
  return given[0]!
}

const missing = (field: string, reason: string) => fieldProblem('Missing required parameter', field, reason)

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])
// Schemes a browser would run or read locally instead of navigating: never a return address.
const UNSAFE_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:'])

/**
 * A URL the platform sends the user to: https, or an app's custom scheme. Plain
 * http is refused except to this machine, so a shop running locally works.
 */
export function checkMerchantUrl(field: string, value: string): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw fieldProblem('Invalid URL', field, 'is not an absolute URL')
  }
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:') {
    if (LOCAL_HOSTS.has(url.hostname)) return
    throw fieldProblem('Invalid URL', field, 'must use https (plain http only for localhost)')
  }
  if (UNSAFE_SCHEMES.has(url.protocol)) {
    throw fieldProblem('Invalid URL', field, `the ${url.protocol} scheme is not allowed`)
  }
}

function checkMetadata(metadata: Record<string, string>): void {
  for (const key of Object.keys(metadata)) {
    if (key.length > 100) {
      throw fieldProblem(
        'Metadata key length exceeded',
        'metadata',
        `the key "${key.slice(0, 20)}…" is over 100 characters`,
      )
    }
  }
}

function checkScope(scope: string): void {
  for (const name of scope.split(' ')) {
    if (name !== '' && !SCOPES.has(name)) {
      throw fieldProblem('Invalid scope', 'profile.scope', `unknown scope "${name}"`)
    }
  }
}

function checkExpiresAt(request: CreatePaymentRequest, now: number): number {
  const at = Date.parse(request.expiresAt!)
  if (Number.isNaN(at)) throw fieldProblem('Expiration date invalid', 'expiresAt', 'is not a valid date-time')
  if (request.userFlow !== 'PUSH_MESSAGE' && request.userFlow !== 'QR') {
    throw fieldProblem(
      'ExpiresAt not allowed',
      'expiresAt',
      'is only allowed when userFlow is PUSH_MESSAGE or QR',
    )
  }
  if (!request.receipt) throw missing('receipt', 'is required when expiresAt is set')
  if (at - now <= EXPIRES_AT_MIN_MS) {
    throw fieldProblem('Expiration date invalid', 'expiresAt', 'must be more than 10 minutes in the future')
  }
  if (at - now >= EXPIRES_AT_MAX_MS) {
    throw fieldProblem('Expiration date invalid', 'expiresAt', 'must be less than 28 days in the future')
  }
  return at
}

function checkReceipt(receipt: Receipt, currency: Currency): void {
  if (receipt.bottomLine.currency !== currency) {
    throw fieldProblem('Invalid receipt', 'receipt.bottomLine.currency', `must be ${currency}, as the amount`)
  }
  receipt.orderLines.forEach((line, index) => {
    checkOrderLine(line, `receipt.orderLines[${index}]`)
  })
}

/**
 * One receipt line: exactly one tax field; the amounts non-negative (a returned
 * item is marked `isReturn`, not negative) and adding up; the tax what the
 * rate gives from the gross amount, within a minor unit per unit sold, so
 * per-unit rounding passes.
 */
function checkOrderLine(line: OrderLine, path: string): void {
  const hasPercentage = line.taxPercentage != null
  const hasRate = line.taxRate != null
  if (hasPercentage === hasRate) {
    throw fieldProblem(
      'Invalid receipt',
      `${path}.taxRate`,
      hasRate ? 'give taxRate or taxPercentage, not both' : 'taxRate or taxPercentage is required',
    )
  }
  for (const field of ['totalAmount', 'totalAmountExcludingTax', 'totalTaxAmount'] as const) {
    if (line[field] < 0) {
      throw fieldProblem(
        'Invalid receipt',
        `${path}.${field}`,
        'must not be negative (mark returns with isReturn)',
      )
    }
  }
  if (line.totalAmount !== line.totalAmountExcludingTax + line.totalTaxAmount) {
    throw fieldProblem(
      'Invalid receipt',
      `${path}.totalAmount`,
      `must equal totalAmountExcludingTax + totalTaxAmount (${line.totalAmountExcludingTax + line.totalTaxAmount})`,
    )
  }
  const basisPoints = hasRate ? line.taxRate! : line.taxPercentage! * 100
  const expected = (line.totalAmount * basisPoints) / (10_000 + basisPoints)
  const units = line.unitInfo ? Math.ceil(Number(line.unitInfo.quantity)) : 1
  if (Math.abs(line.totalTaxAmount - expected) > Math.max(1, units)) {
    throw fieldProblem(
      'Invalid receipt',
      `${path}.totalTaxAmount`,
      `does not match the tax rate: about ${Math.round(expected)} expected from totalAmount`,
    )
  }
}
