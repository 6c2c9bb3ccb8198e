/**
 * eCom v2 for the shop's express checkout: the MSN goes into the body from the
 * credentials, X-Request-Id is kept across retries, and its error list arrives
 * as VippsEcomError.
 */
import { describe, expect, it } from 'vitest'
import {
  EcomCancelResponse,
  EcomCaptureResponse,
  EcomErrorList,
  EcomExpressCallback,
  EcomInitiatePaymentResponse,
  EcomPaymentDetails,
  EcomRefundResponse,
  EcomShippingDetailsResponse,
  schemaIssues,
  VippsEcomError,
  VippsNetworkError,
} from '../src/index.ts'
import { FakePlatform, FakeTime, fakeClient, fetchFailed, json } from './helpers/fake-platform.ts'

const ORDER = 'shop-000042'
const BASE = `/ecomm/v2/payments/${ORDER}`
const user = {
  email: 'kari.nordmann@example.no',
  firstName: 'Kari',
  lastName: 'Nordmann',
  mobileNumber: '12345678',
  userId: 'uiJskNQ6qNN1iwN891uuob==',
}
const summary = {
  capturedAmount: 0,
  refundedAmount: 0,
  remainingAmountToCapture: 29900,
  remainingAmountToRefund: 0,
}

describe('eCom v2', () => {
  it('initiates an express payment with the MSN from the credentials', async () => {
    const platform = new FakePlatform().on('POST', '/ecomm/v2/payments', () =>
      json(200, { orderId: ORDER, url: 'https://vipps.fake/landing?token=abc' }, EcomInitiatePaymentResponse),
    )
    const answer = await fakeClient(platform).ecom.initiate({
      customerInfo: {},
      merchantInfo: {
        callbackPrefix: 'https://shop.example/vipps/callbacks',
        fallBack: `https://shop.example/orders/${ORDER}`,
        consentRemovalPrefix: 'https://shop.example/vipps/consents',
        paymentType: 'eComm Express Payment',
        staticShippingDetails: [
          {
            isDefault: 'Y',
            priority: 0,
            shippingCost: 49.0,
            shippingMethod: 'Posten',
            shippingMethodId: 'posten',
          },
        ],
      },
      transaction: {
        orderId: ORDER,
        amount: 29900,
        transactionText: 'Ordre 42',
        useExplicitCheckoutFlow: true,
      },
    })
    expect(answer.url).toContain('token=abc')
    const [request] = platform.calls('POST', '/ecomm/v2/payments')
    expect(request!.json()).toMatchObject({
      merchantInfo: { merchantSerialNumber: '123456', paymentType: 'eComm Express Payment' },
      transaction: { orderId: ORDER, amount: 29900 },
    })
    expect(request!.headers.get('x-request-id')).toBeNull()
  })

  it('does not repeat an initiate that may have arrived', async () => {
    const platform = new FakePlatform().on('POST', '/ecomm/v2/payments', () => {
      throw fetchFailed('ECONNRESET')
    })
    const error = await fakeClient(platform)
      .ecom.initiate({
        customerInfo: {},
        merchantInfo: { callbackPrefix: 'https://shop.example/cb', fallBack: 'https://shop.example/back' },
        transaction: { orderId: ORDER, amount: 29900, transactionText: 'Ordre 42' },
      })
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsNetworkError)
    expect(platform.calls('POST', '/ecomm/v2/payments')).toHaveLength(1)
  })

  it('captures with X-Request-Id, the same on every retry', async () => {
    const captured = {
      orderId: ORDER,
      paymentInstrument: 'Mastercard',
      transactionInfo: {
        amount: 29900,
        status: 'Captured',
        timeStamp: '2025-03-14T10:00:00.000Z',
        transactionId: '5001446662',
        transactionText: 'Sporing 70712345678',
      },
      transactionSummary: {
        ...summary,
        capturedAmount: 29900,
        remainingAmountToCapture: 0,
        remainingAmountToRefund: 29900,
      },
    }
    const platform = new FakePlatform().on('POST', `${BASE}/capture`, (_request, nth) =>
      nth === 0 ? new Response('', { status: 502 }) : json(200, captured, EcomCaptureResponse),
    )
    const result = await fakeClient(platform).ecom.capture(
      ORDER,
      { amount: 29900, transactionText: 'Sporing 70712345678' },
      { requestId: 'order-42-capture-1' },
    )
    expect(result.transactionSummary?.capturedAmount).toBe(29900)
    const calls = platform.calls('POST', `${BASE}/capture`)
    expect(calls.map((r) => r.headers.get('x-request-id'))).toEqual([
      'order-42-capture-1',
      'order-42-capture-1',
    ])
    expect(calls[0]!.json()).toEqual({
      merchantInfo: { merchantSerialNumber: '123456' },
      transaction: { amount: 29900, transactionText: 'Sporing 70712345678' },
    })
  })

  it('refunds and cancels with the bodies the API expects', async () => {
    const refunded = {
      orderId: ORDER,
      transaction: {
        amount: 5000,
        status: 'Refund',
        timeStamp: '2025-03-15T10:00:00.000Z',
        transactionId: '5001446663',
        transactionText: 'Retur',
      },
      transactionSummary: {
        ...summary,
        capturedAmount: 29900,
        refundedAmount: 5000,
        remainingAmountToCapture: 0,
        remainingAmountToRefund: 24900,
      },
    }
    const cancelled = {
      orderId: ORDER,
      transactionInfo: {
        amount: 29900,
        status: 'Cancelled',
        timeStamp: '2025-03-15T10:00:00.000Z',
        transactionText: 'Avbrutt',
      },
      transactionSummary: summary,
    }
    const platform = new FakePlatform()
      .on('POST', `${BASE}/refund`, () => json(200, refunded, EcomRefundResponse))
      .on('PUT', `${BASE}/cancel`, () => json(200, cancelled, EcomCancelResponse))
    const client = fakeClient(platform)
    expect(
      (await client.ecom.refund(ORDER, { amount: 5000, transactionText: 'Retur' })).transaction?.amount,
    ).toBe(5000)
    await client.ecom.cancel(ORDER, { transactionText: 'Avbrutt', shouldReleaseRemainingFunds: true })
    expect(platform.calls('PUT', `${BASE}/cancel`)[0]!.json()).toEqual({
      merchantInfo: { merchantSerialNumber: '123456' },
      transaction: { transactionText: 'Avbrutt' },
      shouldReleaseRemainingFunds: true,
    })
    expect(platform.calls('POST', `${BASE}/refund`)[0]!.headers.get('x-request-id')).toMatch(
      /^[0-9a-f-]{36}$/,
    )
  })

  it('reads details, with the express user and shipping', async () => {
    const details = {
      orderId: ORDER,
      transactionLogHistory: [
        {
          amount: 29900,
          operation: 'RESERVE',
          operationSuccess: true,
          transactionText: 'Ordre 42',
          timeStamp: '2025-03-14T10:00:00.000Z',
        },
        { amount: 29900, operation: 'INITIATE', operationSuccess: true, transactionText: 'Ordre 42' },
      ],
      transactionSummary: summary,
      userDetails: user,
      shippingDetails: {
        address: { addressLine1: 'Robert Levins gate 5', city: 'Oslo', country: 'Norway', postCode: '0154' },
        shippingCost: 49.0,
        shippingMethod: 'Posten',
        shippingMethodId: 'posten',
      },
    }
    const platform = new FakePlatform().on('GET', `${BASE}/details`, () =>
      json(200, details, EcomPaymentDetails),
    )
    const read = await fakeClient(platform).ecom.details(ORDER)
    expect(read.transactionLogHistory[0]!.operation).toBe('RESERVE')
    expect(read.userDetails?.userId).toBe('uiJskNQ6qNN1iwN891uuob==')
  })

  it("throws eCom's error list as VippsEcomError", async () => {
    const errors = [
      {
        errorGroup: 'Payment',
        errorCode: '35',
        errorMessage: 'Requested Order not found',
        contextId: 'ctx-1',
      },
    ]
    const platform = new FakePlatform().on('GET', `${BASE}/details`, () => json(404, errors, EcomErrorList))
    const error = await fakeClient(platform, new FakeTime())
      .ecom.details(ORDER)
      .catch((e) => e)
    expect(error).toBeInstanceOf(VippsEcomError)
    expect(error.status).toBe(404)
    expect(error.errors).toEqual(errors)
    expect(error.errorCode).toBe('35')
  })

  it('describes the callbacks the shop receives', () => {
    const callback = {
      merchantSerialNumber: '123456',
      orderId: ORDER,
      transactionInfo: {
        amount: 34800,
        status: 'RESERVE',
        timeStamp: '2025-03-14T10:00:00.000Z',
        transactionId: '5001446662',
      },
      shippingDetails: {
        address: { addressLine1: 'Robert Levins gate 5', city: 'Oslo', country: 'NO', zipCode: '0154' },
        shippingCost: 49.0,
        shippingMethod: 'Posten',
        shippingMethodId: 'posten',
      },
      userDetails: user,
    }
    expect(schemaIssues(EcomExpressCallback, callback)).toEqual([])
    expect(
      schemaIssues(EcomExpressCallback, {
        ...callback,
        transactionInfo: { ...callback.transactionInfo, status: 'RESERVED' },
      }),
    ).toEqual([{ field: 'transactionInfo.status', message: expect.any(String) }])
    expect(
      schemaIssues(EcomShippingDetailsResponse, {
        addressId: 100,
        orderId: ORDER,
        shippingDetails: [
          { isDefault: 'Y', shippingCost: 49.0, shippingMethod: 'Posten', shippingMethodId: 'posten' },
        ],
      }),
    ).toEqual([])
  })
})
