/**
 * The initiate rules the schema cannot say: how fields depend on each other
 * and on the merchant. The route's schema has already checked types, patterns
 * and lengths; each rule here refuses with the field's name as the error code.
 */
import type { EcomInitiatePaymentRequest } from '@kasse/vipps'
import type { Merchant } from '../directory/directory.ts'
import { checkMerchantUrl } from '../epayment/validation.ts'
import { ProblemError } from '../http/problem.ts'
import { webhookUrlProblem } from '../webhooks/url-rules.ts'
import { EcomRefusal, invalidField } from './errors.ts'

/** The userinfo scopes eCom takes in `transaction.scope`. */
const SCOPES = new Set(['name', 'address', 'email', 'phoneNumber', 'birthDate', 'nin'])

/** The platform's paymentType for express checkout, spelled as it must be ("eComm", two m's). */
export const EXPRESS = 'eComm Express Payment'

/**
 * Checks an initiate request against the merchant that sent it.
 *
 * @example
 * checkInitiate(request, merchantOf(httpRequest)) // throws an EcomRefusal naming the field
 */
export function checkInitiate(request: EcomInitiatePaymentRequest, merchant: Merchant): void {
  const { merchantInfo, transaction, customerInfo } = request
  checkBodyMsn(merchantInfo.merchantSerialNumber, merchant)
  if (merchant.currency !== 'NOK') {
    throw invalidField(
      'merchantInfo.merchantSerialNumber',
      `is a ${merchant.currency} sales unit; eCom v2 takes NOK only`,
    )
  }
  if (!Number.isSafeInteger(transaction.amount)) {
    throw invalidField('transaction.amount', 'must be a whole number of øre')
  }
  if (transaction.transactionText.trim() === '') {
    throw invalidField('transaction.transactionText', 'must not be empty: the user sees it in the app')
  }
  checkCallbackUrl('merchantInfo.callbackPrefix', merchantInfo.callbackPrefix)
  // authToken goes back as the Authorization header of every callback; a value no
  // header can carry (a line break, a control character) would make them unsendable.
  if (
    merchantInfo.authToken !== undefined &&
    !/^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(merchantInfo.authToken)
  ) {
    throw invalidField(
      'merchantInfo.authToken',
      'must be text an HTTP header can carry: no line breaks, control characters or characters above U+00FF',
    )
  }
  // With isApp the fallBack is an app's own link ("INTENT", "myapp://…"), which the platform does not validate.
  if (!merchantInfo.isApp) checkFallBack(merchantInfo.fallBack)
  if (transaction.skipLandingPage && !customerInfo.mobileNumber) {
    throw invalidField('customerInfo.mobileNumber', 'is required when transaction.skipLandingPage is true')
  }
  if (transaction.scope !== undefined) checkScope(transaction.scope)
  if (merchantInfo.paymentType === EXPRESS) checkExpress(request)
}

/**
 * The MSN in the body must be the one the credentials act for; eCom names it in
 * the body as well as the header.
 */
export function checkBodyMsn(msn: string, merchant: Merchant): void {
  if (msn === merchant.msn) return
  throw new EcomRefusal(403, [
    {
      errorGroup: 'Merchant',
      errorCode: 'merchantInfo.merchantSerialNumber',
      errorMessage: `Invalid MSN: ${msn}. Check your API keys on portal.vipps.no and see the eCom FAQ for tips.`,
    },
  ])
}

function checkExpress({ merchantInfo }: EcomInitiatePaymentRequest): void {
  if (!merchantInfo.consentRemovalPrefix) {
    throw invalidField('merchantInfo.consentRemovalPrefix', 'is required for eComm Express Payment (GDPR)')
  }
  checkCallbackUrl('merchantInfo.consentRemovalPrefix', merchantInfo.consentRemovalPrefix)
  if (merchantInfo.shippingDetailsPrefix !== undefined) {
    checkCallbackUrl('merchantInfo.shippingDetailsPrefix', merchantInfo.shippingDetailsPrefix)
  }
  const options = merchantInfo.staticShippingDetails
  if (options === undefined) return
  if (options.length === 0) {
    throw invalidField(
      'merchantInfo.staticShippingDetails',
      'must list at least one option (leave it out to be asked at shippingDetailsPrefix)',
    )
  }
  const seen = new Set<string>()
  options.forEach((option, index) => {
    if (seen.has(option.shippingMethodId)) {
      throw invalidField(
        `merchantInfo.staticShippingDetails[${index}].shippingMethodId`,
        `repeats "${option.shippingMethodId}": the user chooses by it`,
      )
    }
    seen.add(option.shippingMethodId)
  })
}

/** A URL the platform calls: https (plain http only to a loopback host), no credentials. */
function checkCallbackUrl(field: string, value: string): void {
  const problem = webhookUrlProblem(value)
  if (problem) throw invalidField(field, problem)
}

/** Where the user is sent back to: https, or an app's scheme; plain http only to this machine. */
function checkFallBack(value: string): void {
  try {
    checkMerchantUrl('merchantInfo.fallBack', value)
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error
    throw invalidField('merchantInfo.fallBack', error.extraDetails?.[0]?.reason ?? 'is not a valid URL')
  }
}

function checkScope(scope: string): void {
  for (const name of scope.split(' ')) {
    if (name !== '' && !SCOPES.has(name)) {
      throw invalidField(
        'transaction.scope',
        `has the unknown scope "${name}"; use ${[...SCOPES].join(', ')}`,
      )
    }
  }
}
