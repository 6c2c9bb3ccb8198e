// The two kinds of order the landing page (landing.js) takes: an ePayment
// WEB_REDIRECT payment (/landing?token=…) and a legacy eCom v2 order
// (/landing/ecom?token=…). Each says where the control API has it and turns its
// answer into what the page shows; the page does the rest the same way for both.

const APPROVED = ['Payment approved', 'Taking you back to']
const REJECTED = ['Payment cancelled', 'You rejected the payment. Taking you back to']
const EXPIRED = ['Payment timed out', 'The payment was not approved in time. Taking you back to']
const CANCELLED = ['Payment cancelled', 'The shop cancelled the payment. Taking you back to']

const PAYMENT_OUTCOMES = { AUTHORIZED: APPROVED, ABORTED: REJECTED, EXPIRED, TERMINATED: CANCELLED }

/** eCom's states after the user's part: money reserved (and what the shop did since), or none. */
const ECOM_OUTCOMES = {
  RESERVED: APPROVED,
  PARTIALLY_CAPTURED: APPROVED,
  CAPTURED: APPROVED,
  REFUNDED: APPROVED,
  REJECTED,
  EXPIRED,
  CANCELLED,
}

/**
 * What the landing page shows of an order:
 * { merchantName, amount: {currency, value}, amountNote, description, receipt,
 *   expiresAt, waiting, outcome: [title, text], returnUrl, msisdn, suggestedMsisdn }
 */

/** An ePayment payment behind `/landing?token=…`. */
export function paymentLanding(token) {
  return {
    path: `/_sandbox/landing/${encodeURIComponent(token)}`,
    norwegianOnly: false,
    view: (payment) => ({
      merchantName: payment.merchantName,
      amount: payment.amount,
      amountNote: '',
      description: payment.paymentDescription ?? '',
      receipt: payment.receipt,
      expiresAt: payment.expiresAt,
      waiting: payment.state === 'CREATED',
      outcome: PAYMENT_OUTCOMES[payment.state],
      returnUrl: payment.returnUrl,
      msisdn: payment.msisdn,
    }),
  }
}

/** An eCom v2 order behind `/landing/ecom?token=…`: Norwegian numbers only, amounts in øre of NOK. */
export function ecomLanding(token) {
  return {
    path: `/_sandbox/ecom/landing/${encodeURIComponent(token)}`,
    norwegianOnly: true,
    view: (order) => ({
      merchantName: order.merchantName,
      amount: { currency: 'NOK', value: order.amount },
      amountNote: order.express ? '+ delivery, which you choose in Vipps' : '',
      description: order.transactionText,
      receipt: undefined,
      expiresAt: order.expiresAt,
      waiting: order.state === 'INITIATED',
      outcome: ECOM_OUTCOMES[order.state],
      returnUrl: order.fallBack,
      msisdn: order.msisdn,
      suggestedMsisdn: order.suggestedMsisdn,
    }),
  }
}
