/**
 * The eCom v2 API in-process: initiate (regular and express) and every
 * refusal in eCom's own error list naming the field, X-Request-Id idempotency,
 * the used orderId, details through the lifecycle, the limits of capture,
 * refund and cancel, the integration-test approve and expiry. Every answer is
 * checked against specs/ecom-v2.yaml by the test sandbox.
 */
import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { loadConfig, type MerchantConfig } from '../config.ts'
import {
  actionBody,
  control,
  details,
  ecom,
  ecomError,
  expressBody,
  initiate,
  initiateBody,
  KARI,
  MSN,
  newOrderId,
  OLA,
  toPhone,
} from './test-helpers.ts'

const OTHER: MerchantConfig = {
  msn: '654321',
  name: 'Annen Butikk',
  clientId: 'other-client',
  clientSecret: 'other-secret',
  subscriptionKey: 'other-key',
  currency: 'NOK',
}
const DANISH: MerchantConfig = {
  ...OTHER,
  msn: '223344',
  clientId: 'dk',
  subscriptionKey: 'dk-key',
  currency: 'DKK',
}

const sandboxWith = (...merchants: MerchantConfig[]) =>
  testSandbox({ config: loadConfig(undefined, { merchants }) })

type Sandbox = Awaited<ReturnType<typeof testSandbox>>

/** Initiates a regular order and approves it as Kari through the integration-test endpoint. */
async function reservedOrder(sb: Sandbox, amount = 29_900) {
  const { orderId } = await initiate(sb, initiateBody({ transaction: { amount } }))
  const approved = await ecom(sb, {
    url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
    body: { customerPhoneNumber: '12345678' },
  })
  expect(approved.statusCode, approved.body).toBe(200)
  return orderId
}

const capture = (sb: Sandbox, orderId: string, transaction: Record<string, unknown>, requestId?: string) =>
  ecom(sb, {
    url: `/ecomm/v2/payments/${orderId}/capture`,
    body: actionBody({ transactionText: 'Sendt med Posten', ...transaction }),
    ...(requestId ? { requestId } : {}),
  })

const refund = (sb: Sandbox, orderId: string, transaction: Record<string, unknown>, requestId?: string) =>
  ecom(sb, {
    url: `/ecomm/v2/payments/${orderId}/refund`,
    body: actionBody({ transactionText: 'Retur', ...transaction }),
    ...(requestId ? { requestId } : {}),
  })

const cancel = (sb: Sandbox, orderId: string, extra: Record<string, unknown> = {}, requestId?: string) =>
  ecom(sb, {
    method: 'PUT',
    url: `/ecomm/v2/payments/${orderId}/cancel`,
    body: { ...actionBody({ transactionText: 'Kansellert' }), ...extra },
    ...(requestId ? { requestId } : {}),
  })

const orderState = async (sb: Sandbox, orderId: string) =>
  (await control(sb, 'GET', `/_sandbox/ecom/orders/${MSN}/${orderId}`)).json().state as string

describe('initiate', () => {
  it('starts a regular order and answers its landing page URL, with the order in the log and no summary yet', async () => {
    const sb = await testSandbox()
    const body = initiateBody()
    const { orderId, url } = await initiate(sb, body)
    expect(orderId).toBe((body.transaction as { orderId: string }).orderId)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4010\/landing\/ecom\?token=[\w-]{24}$/)
    const read = await details(sb, orderId)
    expect(read.transactionSummary).toBeUndefined()
    expect(read.transactionLogHistory).toEqual([
      {
        amount: 29_900,
        operation: 'INITIATE',
        operationSuccess: true,
        transactionText: 'Ordre hos Kasse Demo Butikk',
        timeStamp: expect.any(String),
        transactionId: expect.stringMatching(/^\d{10,}$/),
      },
    ])
  })

  it('answers an app-switch link for isApp, and accepts an app’s own fallBack there', async () => {
    const sb = await testSandbox()
    const { url } = await initiate(sb, initiateBody({ merchantInfo: { isApp: true, fallBack: 'INTENT' } }))
    expect(url).toMatch(/^vipps-sandbox:\/\/ecom\?token=[\w-]+$/)
  })

  it('starts an express order whose static shipping options the phone shows in priority order', async () => {
    const sb = await testSandbox()
    const { orderId, url } = await initiate(sb, expressBody())
    const onPhone = await toPhone(sb, url)
    expect(onPhone).toMatchObject({
      orderId,
      state: 'INITIATED',
      paymentType: 'eComm Express Payment',
      amount: 29_900,
      express: {
        useExplicitCheckoutFlow: true,
        address: { addressLine1: 'Robert Levins gate 5', city: 'Oslo', country: 'Norway', postCode: '0154' },
        shipping: {
          status: 'ready',
          defaultShippingMethodId: 'pickup',
          options: [
            { shippingMethodId: 'pickup', shippingCost: 49, isDefault: true, totalAmount: 34_800 },
            { shippingMethodId: 'posten', shippingCost: 99.5, isDefault: false, totalAmount: 39_850 },
          ],
        },
      },
    })
  })

  const refusals: Array<[string, (body: ReturnType<typeof initiateBody>) => void, string]> = [
    ['an amount under 1 NOK', (b) => set(b, 'transaction', { amount: 99 }), 'transaction.amount'],
    ['a fractional amount', (b) => set(b, 'transaction', { amount: 150.5 }), 'transaction.amount'],
    ['an orderId with spaces', (b) => set(b, 'transaction', { orderId: 'ordre 1' }), 'transaction.orderId'],
    [
      'an orderId of 51 characters',
      (b) => set(b, 'transaction', { orderId: 'a'.repeat(51) }),
      'transaction.orderId',
    ],
    ['no transactionText', (b) => unset(b, 'transaction', 'transactionText'), 'transaction.transactionText'],
    [
      'a blank transactionText',
      (b) => set(b, 'transaction', { transactionText: '  ' }),
      'transaction.transactionText',
    ],
    [
      'a transactionText over 100 characters',
      (b) => set(b, 'transaction', { transactionText: 'x'.repeat(101) }),
      'transaction.transactionText',
    ],
    ['no callbackPrefix', (b) => unset(b, 'merchantInfo', 'callbackPrefix'), 'merchantInfo.callbackPrefix'],
    [
      'a plain-http callbackPrefix on the internet',
      (b) => set(b, 'merchantInfo', { callbackPrefix: 'http://shop.example.no/vipps' }),
      'merchantInfo.callbackPrefix',
    ],
    ['no fallBack', (b) => unset(b, 'merchantInfo', 'fallBack'), 'merchantInfo.fallBack'],
    [
      'a javascript: fallBack',
      (b) => set(b, 'merchantInfo', { fallBack: 'javascript:alert(1)' }),
      'merchantInfo.fallBack',
    ],
    [
      'the MSN as a number',
      (b) => set(b, 'merchantInfo', { merchantSerialNumber: 123456 }),
      'merchantInfo.merchantSerialNumber',
    ],
    [
      'a misspelt paymentType',
      (b) => set(b, 'merchantInfo', { paymentType: 'eCom Express Payment' }),
      'merchantInfo.paymentType',
    ],
    [
      'an MSISDN where 8 digits belong',
      (b) => set(b, 'customerInfo', { mobileNumber: '4712345678' }),
      'customerInfo.mobileNumber',
    ],
    ['no customerInfo', (b) => delete b.customerInfo, 'customerInfo'],
    [
      'skipLandingPage without a number',
      (b) => set(b, 'transaction', { skipLandingPage: true }),
      'customerInfo.mobileNumber',
    ],
    ['an unknown scope', (b) => set(b, 'transaction', { scope: 'name shoeSize' }), 'transaction.scope'],
    [
      'express without consentRemovalPrefix',
      (b) => set(b, 'merchantInfo', { paymentType: 'eComm Express Payment' }),
      'merchantInfo.consentRemovalPrefix',
    ],
  ]
  for (const [what, spoil, field] of refusals) {
    it(`refuses ${what}, naming ${field} in eCom's format`, async () => {
      const sb = await testSandbox()
      const body = initiateBody()
      spoil(body)
      const error = ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body }))
      expect(error).toMatchObject({ errorGroup: 'InvalidRequest', errorCode: field })
      expect(error.errorMessage).toContain(field)
    })
  }

  it('refuses express static shipping that is empty or repeats an id', async () => {
    const sb = await testSandbox()
    const empty = expressBody({ merchantInfo: { staticShippingDetails: [] } })
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body: empty })).errorCode).toBe(
      'merchantInfo.staticShippingDetails',
    )
    const option = { isDefault: 'Y', shippingCost: 0, shippingMethod: 'Hent selv', shippingMethodId: 'same' }
    const repeated = expressBody({
      merchantInfo: { staticShippingDetails: [option, { ...option, isDefault: 'N' }] },
    })
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body: repeated })).errorCode).toBe(
      'merchantInfo.staticShippingDetails[1].shippingMethodId',
    )
  })

  it('refuses a body that is not JSON, and an X-Request-Id over 40 characters', async () => {
    const sb = await testSandbox()
    const broken = await sb.app.inject({
      method: 'POST',
      url: '/ecomm/v2/payments',
      headers: { ...(await sb.headers()), 'content-type': 'application/json' },
      payload: '{"customerInfo":',
    })
    expect(ecomError(broken).errorCode).toBe('body')
    const long = await ecom(sb, {
      url: '/ecomm/v2/payments',
      body: initiateBody(),
      requestId: 'r'.repeat(41),
    })
    expect(ecomError(long).errorCode).toBe('X-Request-Id')
  })

  it('refuses a number that is no user (81) and an MSN the keys do not act for (403)', async () => {
    const sb = await sandboxWith(OTHER)
    const stranger = initiateBody({ customerInfo: { mobileNumber: '40000000' } })
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body: stranger }))).toMatchObject({
      errorGroup: 'User',
      errorCode: '81',
    })
    const foreign = initiateBody({ merchantInfo: { merchantSerialNumber: OTHER.msn } })
    const error = ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body: foreign }), 403)
    expect(error).toMatchObject({ errorGroup: 'Merchant', errorCode: 'merchantInfo.merchantSerialNumber' })
    expect(error.errorMessage).toContain(`Invalid MSN: ${OTHER.msn}`)
  })

  it('refuses a sales unit that does not take NOK', async () => {
    const sb = await sandboxWith(DANISH)
    const body = initiateBody({ merchantInfo: { merchantSerialNumber: DANISH.msn } })
    const error = ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body, merchant: DANISH }))
    expect(error.errorCode).toBe('merchantInfo.merchantSerialNumber')
  })

  it('leaves a request without an access token to the gateway, in its own format', async () => {
    const sb = await testSandbox()
    const response = await sb.app.inject({
      method: 'POST',
      url: '/ecomm/v2/payments',
      headers: { 'ocp-apim-subscription-key': 'test-subscription-key' },
      payload: initiateBody(),
    })
    expect(response.statusCode).toBe(401)
    expect(response.json()).toEqual({ statusCode: 401, message: expect.stringContaining('Unauthorized') })
  })
})

describe('orderId and X-Request-Id', () => {
  it('refuses a used orderId (34), per MSN: another sales unit may use it', async () => {
    const sb = await sandboxWith(OTHER)
    const body = initiateBody()
    await initiate(sb, body)
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments', body }))).toMatchObject({
      errorGroup: 'Merchant',
      errorCode: '34',
    })
    const theirs = {
      ...body,
      merchantInfo: { ...(body.merchantInfo as object), merchantSerialNumber: OTHER.msn },
    }
    const response = await ecom(sb, { url: '/ecomm/v2/payments', body: theirs, merchant: OTHER })
    expect(response.statusCode, response.body).toBe(200)
  })

  it('answers a repeated initiate with the same X-Request-Id and body as the first time; another body is refused', async () => {
    const sb = await testSandbox()
    const body = initiateBody()
    const first = await initiate(sb, body, 'init-1')
    expect(await initiate(sb, body, 'init-1')).toEqual(first)
    const changed = { ...body, transaction: { ...(body.transaction as object), amount: 100 } }
    const refused = await ecom(sb, { url: '/ecomm/v2/payments', body: changed, requestId: 'init-1' })
    expect(ecomError(refused).errorCode).toBe('34')
  })

  it('captures once for a repeated X-Request-Id, refuses the id for another amount (93), and refunds once', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    const first = await capture(sb, orderId, { amount: 10_000 }, 'cap-1')
    expect(first.statusCode, first.body).toBe(200)
    const again = await capture(sb, orderId, { amount: 10_000 }, 'cap-1')
    expect(again.json()).toEqual(first.json())
    expect(ecomError(await capture(sb, orderId, { amount: 5_000 }, 'cap-1')).errorCode).toBe('93')
    await refund(sb, orderId, { amount: 2_000 }, 'ref-1')
    await refund(sb, orderId, { amount: 2_000 }, 'ref-1')
    const read = await details(sb, orderId)
    expect(read.transactionSummary).toEqual({
      capturedAmount: 10_000,
      refundedAmount: 2_000,
      remainingAmountToCapture: 19_900,
      remainingAmountToRefund: 8_000,
    })
    expect(read.transactionLogHistory.map((e: { operation: string }) => e.operation)).toEqual([
      'REFUND',
      'CAPTURE',
      'RESERVE',
      'INITIATE',
    ])
  })

  it('replays a repeated cancel with the same X-Request-Id instead of refusing it as already cancelled', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    const first = await cancel(sb, orderId, {}, 'cancel-1')
    expect(first.statusCode, first.body).toBe(200)
    expect((await cancel(sb, orderId, {}, 'cancel-1')).json()).toEqual(first.json())
    expect(ecomError(await cancel(sb, orderId)).errorCode).toBe('52')
  })

  it('judges a refused request’s retry afresh: a capture sent before approval succeeds with the same id after', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody())
    expect(ecomError(await capture(sb, orderId, {}, 'cap-early')).errorCode).toBe('62')
    await ecom(sb, {
      url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
      body: { customerPhoneNumber: '12345678' },
    })
    expect((await capture(sb, orderId, {}, 'cap-early')).statusCode).toBe(200)
  })

  it('requires an X-Request-Id for a partial capture or refund, not for the whole remainder', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    expect(ecomError(await capture(sb, orderId, { amount: 100 })).errorCode).toBe('X-Request-Id')
    expect((await capture(sb, orderId, { amount: 29_900 })).statusCode).toBe(200)
    expect(ecomError(await refund(sb, orderId, { amount: 100 })).errorCode).toBe('X-Request-Id')
    expect((await refund(sb, orderId, {})).statusCode).toBe(200)
  })
})

describe('details through the lifecycle', () => {
  it('shows every operation newest first, with request ids, own transaction ids and the summary', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody(), 'init-42')
    await ecom(sb, {
      url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
      body: { customerPhoneNumber: '12345678' },
    })
    const reserved = await details(sb, orderId)
    expect(reserved.transactionSummary).toEqual({
      capturedAmount: 0,
      refundedAmount: 0,
      remainingAmountToCapture: 29_900,
      remainingAmountToRefund: 0,
    })
    const captured = await capture(sb, orderId, { amount: 20_000 }, 'ship-1')
    expect(captured.json()).toEqual({
      orderId,
      transactionInfo: {
        amount: 20_000,
        status: 'Captured',
        timeStamp: expect.any(String),
        transactionId: expect.stringMatching(/^\d{10,}$/),
        transactionText: 'Sendt med Posten',
      },
      transactionSummary: {
        capturedAmount: 20_000,
        refundedAmount: 0,
        remainingAmountToCapture: 9_900,
        remainingAmountToRefund: 20_000,
      },
    })
    const rest = await capture(sb, orderId, { amount: 0 }, 'ship-2')
    expect(rest.json().transactionInfo.amount).toBe(9_900)
    const refunded = await refund(sb, orderId, { amount: 5_000 }, 'ret-1')
    expect(refunded.json()).toMatchObject({
      orderId,
      transaction: { amount: 5_000, status: 'Refund', transactionText: 'Retur' },
      transactionSummary: { capturedAmount: 29_900, refundedAmount: 5_000, remainingAmountToRefund: 24_900 },
    })
    const log = (await details(sb, orderId)).transactionLogHistory as Array<Record<string, unknown>>
    expect(log.map((e) => [e.operation, e.amount, e.requestId])).toEqual([
      ['REFUND', 5_000, 'ret-1'],
      ['CAPTURE', 9_900, 'ship-2'],
      ['CAPTURE', 20_000, 'ship-1'],
      ['RESERVE', 29_900, undefined],
      ['INITIATE', 29_900, 'init-42'],
    ])
    // The reservation keeps the initiate's transaction id; each merchant operation has its own.
    expect(log[3]!.transactionId).toBe(log[4]!.transactionId)
    expect(new Set(log.map((e) => e.transactionId)).size).toBe(4)
    expect(await orderState(sb, orderId)).toBe('REFUNDED')
  })

  it('answers 35 for an unknown order and for another sales unit’s', async () => {
    const sb = await sandboxWith(OTHER)
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments/no-such-order/details' }), 404)).toMatchObject(
      {
        errorGroup: 'Merchant',
        errorCode: '35',
      },
    )
    const { orderId } = await initiate(sb, initiateBody())
    const theirs = await ecom(sb, { url: `/ecomm/v2/payments/${orderId}/details`, merchant: OTHER })
    expect(ecomError(theirs, 404).errorCode).toBe('35')
    expect(ecomError(await ecom(sb, { url: '/ecomm/v2/payments/bad%20id/details' })).errorCode).toBe(
      'orderId',
    )
  })
})

describe('capture, refund and cancel limits', () => {
  it('refuses to capture before approval (62), more than reserved (61), or anything after all is captured', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody())
    expect(ecomError(await capture(sb, orderId, {})).errorCode).toBe('62')
    const reserved = await reservedOrder(sb)
    const tooMuch = ecomError(await capture(sb, reserved, { amount: 30_000 }, 'c1'))
    expect(tooMuch).toMatchObject({ errorGroup: 'Payment', errorCode: '61' })
    expect(tooMuch.errorMessage).toContain('at most 29900')
    expect((await capture(sb, reserved, {})).statusCode).toBe(200)
    expect(ecomError(await capture(sb, reserved, { amount: 100 }, 'c2')).errorCode).toBe('61')
  })

  it('refuses to refund what is only reserved (72), more than captured (71), or a cancelled order (73)', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    expect(ecomError(await refund(sb, orderId, {})).errorCode).toBe('72')
    await capture(sb, orderId, { amount: 10_000 }, 'c1')
    expect(ecomError(await refund(sb, orderId, { amount: 10_001 }, 'r1')).errorCode).toBe('71')
    const cancelled = await reservedOrder(sb)
    await cancel(sb, cancelled)
    expect(ecomError(await refund(sb, cancelled, {})).errorCode).toBe('73')
  })

  it('cancels a reservation whole (VOID), after which nothing can be captured', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    const response = await cancel(sb, orderId)
    expect(response.json()).toEqual({
      orderId,
      transactionInfo: {
        amount: 29_900,
        status: 'Cancelled',
        timeStamp: expect.any(String),
        transactionId: expect.stringMatching(/^\d{10,}$/),
        transactionText: 'Kansellert',
      },
      transactionSummary: {
        capturedAmount: 0,
        refundedAmount: 0,
        remainingAmountToCapture: 0,
        remainingAmountToRefund: 0,
      },
    })
    expect((await details(sb, orderId)).transactionLogHistory[0].operation).toBe('VOID')
    expect(ecomError(await capture(sb, orderId, {})).errorCode).toBe('62')
    expect(await orderState(sb, orderId)).toBe('CANCELLED')
  })

  it('releases the rest after a partial capture only with shouldReleaseRemainingFunds (51 without)', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    await capture(sb, orderId, { amount: 20_000 }, 'c1')
    expect(ecomError(await cancel(sb, orderId)).errorCode).toBe('51')
    const released = await cancel(sb, orderId, { shouldReleaseRemainingFunds: true })
    expect(released.json()).toMatchObject({
      transactionInfo: { amount: 9_900, status: 'Cancelled' },
      transactionSummary: {
        capturedAmount: 20_000,
        remainingAmountToCapture: 0,
        remainingAmountToRefund: 20_000,
      },
    })
    expect(await orderState(sb, orderId)).toBe('CAPTURED')
    expect(ecomError(await cancel(sb, orderId, { shouldReleaseRemainingFunds: true })).errorCode).toBe('51')
    expect(ecomError(await capture(sb, orderId, { amount: 100 }, 'c2')).errorCode).toBe('61')
  })

  it('cancels an order the user has not answered: it leaves the phone, and a second cancel is refused (52)', async () => {
    const sb = await testSandbox()
    const { orderId, url } = await initiate(sb, initiateBody())
    await toPhone(sb, url)
    expect((await cancel(sb, orderId)).json().transactionSummary.remainingAmountToCapture).toBe(0)
    const phone = (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json()
    expect(phone.pending).toEqual([])
    expect(phone.history[0]).toMatchObject({ orderId, state: 'CANCELLED' })
    expect(ecomError(await cancel(sb, orderId)).errorCode).toBe('52')
  })

  it('refuses a write whose body names another MSN', async () => {
    const sb = await testSandbox()
    const orderId = await reservedOrder(sb)
    const response = await ecom(sb, {
      url: `/ecomm/v2/payments/${orderId}/capture`,
      body: { merchantInfo: { merchantSerialNumber: '999999' }, transaction: { transactionText: 'x' } },
    })
    expect(ecomError(response, 403).errorCode).toBe('merchantInfo.merchantSerialNumber')
  })
})

describe('the integration-test approve', () => {
  it('reserves as the given number and puts the order in that user’s history', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody())
    const response = await ecom(sb, {
      url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
      body: { customerPhoneNumber: '91234567' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('')
    expect((await details(sb, orderId)).transactionLogHistory[0]).toMatchObject({
      operation: 'RESERVE',
      amount: 29_900,
    })
    const phone = (await control(sb, 'GET', `/_sandbox/users/${OLA}/ecom-orders`)).json()
    expect(phone.history[0]).toMatchObject({ orderId, state: 'RESERVED', msisdn: OLA })
  })

  it('approves as the number the order was initiated with, with no body', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody({ customerInfo: { mobileNumber: '12345678' } }))
    const response = await sb.app.inject({
      method: 'POST',
      url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
      headers: await sb.headers(),
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(await orderState(sb, orderId)).toBe('RESERVED')
  })

  it('refuses a wrong token, an unknown number (81), no user at all, express (91), and a second approve (92)', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody())
    const approve = (body: unknown, requestId?: string) =>
      ecom(sb, {
        url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
        body,
        ...(requestId ? { requestId } : {}),
      })
    expect(ecomError(await approve({ token: 'not-it' })).errorCode).toBe('token')
    expect(ecomError(await approve({ customerPhoneNumber: '40000000' })).errorCode).toBe('81')
    expect(ecomError(await approve({})).errorCode).toBe('customerPhoneNumber')
    expect((await approve({ customerPhoneNumber: '12345678' }, 'approve-1')).statusCode).toBe(200)
    expect((await approve({ customerPhoneNumber: '12345678' }, 'approve-1')).statusCode).toBe(200)
    expect(ecomError(await approve({ customerPhoneNumber: '12345678' })).errorCode).toBe('92')
    const express = await initiate(sb, expressBody())
    const refused = await ecom(sb, {
      url: `/ecomm/v2/integration-test/payments/${express.orderId}/approve`,
      body: { customerPhoneNumber: '12345678' },
    })
    expect(ecomError(refused)).toMatchObject({ errorGroup: 'VippsError', errorCode: '91' })
  })
})

describe('expiry', () => {
  it('cancels an order the user did not answer in time; it can then be neither approved nor captured', async () => {
    const sb = await testSandbox()
    const { orderId, url } = await initiate(sb, initiateBody({ transaction: { orderId: newOrderId() } }))
    await toPhone(sb, url)
    sb.ctx.clock.advance(sb.ctx.config.paymentLifetimeMs)
    expect(await orderState(sb, orderId)).toBe('EXPIRED')
    expect((await details(sb, orderId)).transactionLogHistory[0]).toMatchObject({ operation: 'CANCEL' })
    const approve = await control(
      sb,
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`,
      {},
    )
    expect(approve.statusCode).toBe(409)
    expect(ecomError(await capture(sb, orderId, {})).errorCode).toBe('62')
  })
})

function set(body: Record<string, unknown>, part: string, values: Record<string, unknown>): void {
  body[part] = { ...(body[part] as object), ...values }
}

function unset(body: Record<string, unknown>, part: string, key: string): void {
  delete (body[part] as Record<string, unknown>)[key]
}
