/**
 * The client library's `ecom` API end to end against a running sandbox on
 * 127.0.0.1, with strict contract validation of every answer: a regular order
 * through the landing page and the phone to capture, refund and release; the
 * integration-test approve; an express order with a real shop answering the
 * shipping details request and receiving the callback; and eCom's errors as
 * VippsEcomError.
 */
import { VippsClient, VippsEcomError } from '@kasse/vipps'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MERCHANT } from '../config.ts'
import { type RunningSandbox, startSandbox } from '../server.ts'
import { KARI, newOrderId, startMerchant, until } from './test-helpers.ts'

let sandbox: RunningSandbox
let client: VippsClient

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
  client = new VippsClient({
    host: sandbox.url as `http://${string}`,
    credentials: {
      clientId: DEFAULT_MERCHANT.clientId,
      clientSecret: DEFAULT_MERCHANT.clientSecret,
      subscriptionKey: DEFAULT_MERCHANT.subscriptionKey,
      msn: DEFAULT_MERCHANT.msn,
    },
    responseValidation: 'strict',
  })
})

afterAll(async () => {
  await sandbox.close()
})

/** A control API call over the wire, as the phone and landing pages make them. */
async function controlCall(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  expect(response.status, path).toBeLessThan(300)
  return response.json()
}

const landingToPhone = (url: string, msisdn = KARI) =>
  controlCall('POST', `/_sandbox/ecom/landing/${new URL(url).searchParams.get('token')}/user`, { msisdn })

describe('the client’s ecom API against the sandbox', () => {
  it('takes a regular order from the landing page and the phone to capture, refund and release', async () => {
    const orderId = newOrderId()
    const { url } = await client.ecom.initiate({
      customerInfo: {},
      merchantInfo: {
        callbackPrefix: 'http://127.0.0.1:1/vipps',
        fallBack: 'https://shop.example.no/return',
      },
      transaction: { orderId, amount: 50_000, transactionText: 'Ordre 1' },
    })
    expect(url.startsWith(`${sandbox.url}/landing/ecom?token=`)).toBe(true)
    expect((await client.ecom.details(orderId)).transactionSummary).toBeUndefined()

    await landingToPhone(url)
    await controlCall(
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${DEFAULT_MERCHANT.msn}/${orderId}/approve`,
      {},
    )
    expect((await client.ecom.details(orderId)).transactionLogHistory[0]!.operation).toBe('RESERVE')

    const first = await client.ecom.capture(
      orderId,
      { amount: 30_000, transactionText: 'Pakke 1' },
      { requestId: 'ship-1' },
    )
    const repeated = await client.ecom.capture(
      orderId,
      { amount: 30_000, transactionText: 'Pakke 1' },
      { requestId: 'ship-1' },
    )
    expect(repeated).toEqual(first)
    expect(first.transactionSummary).toMatchObject({
      capturedAmount: 30_000,
      remainingAmountToCapture: 20_000,
    })

    const refunded = await client.ecom.refund(orderId, { amount: 10_000, transactionText: 'Retur' })
    expect(refunded.transaction).toMatchObject({ amount: 10_000, status: 'Refund' })
    const released = await client.ecom.cancel(orderId, {
      transactionText: 'Resten sendes ikke',
      shouldReleaseRemainingFunds: true,
    })
    expect(released.transactionInfo).toMatchObject({ amount: 20_000, status: 'Cancelled' })

    const { transactionLogHistory, transactionSummary } = await client.ecom.details(orderId)
    expect(transactionLogHistory.map((entry) => entry.operation)).toEqual([
      'VOID',
      'REFUND',
      'CAPTURE',
      'RESERVE',
      'INITIATE',
    ])
    expect(transactionSummary).toEqual({
      capturedAmount: 30_000,
      refundedAmount: 10_000,
      remainingAmountToCapture: 0,
      remainingAmountToRefund: 20_000,
    })
  })

  it('approves through the integration-test endpoint and throws eCom’s errors as VippsEcomError', async () => {
    const orderId = newOrderId()
    await client.ecom.initiate({
      customerInfo: { mobileNumber: '12345678' },
      merchantInfo: {
        callbackPrefix: 'http://127.0.0.1:1/vipps',
        fallBack: 'https://shop.example.no/return',
      },
      transaction: { orderId, amount: 10_000, transactionText: 'Ordre 2' },
    })
    await client.ecom.forceApprove(orderId)
    expect((await client.ecom.details(orderId)).transactionSummary?.remainingAmountToCapture).toBe(10_000)

    const tooMuch = await client.ecom
      .capture(orderId, { amount: 10_001, transactionText: 'x' })
      .catch((e) => e)
    expect(tooMuch).toBeInstanceOf(VippsEcomError)
    expect(tooMuch).toMatchObject({ status: 400, errorCode: '61' })
    const missing = await client.ecom.details('no-such-order').catch((e) => e)
    expect(missing).toBeInstanceOf(VippsEcomError)
    expect(missing).toMatchObject({ status: 404, errorCode: '35' })
    const used = await client.ecom
      .initiate({
        customerInfo: {},
        merchantInfo: {
          callbackPrefix: 'http://127.0.0.1:1/vipps',
          fallBack: 'https://shop.example.no/return',
        },
        transaction: { orderId, amount: 10_000, transactionText: 'Ordre 2' },
      })
      .catch((e) => e)
    expect(used).toMatchObject({ kind: 'ecom', errorCode: '34' })
  })

  it('runs an express order with a shop that answers shipping details and receives the callback', async () => {
    const orderId = newOrderId()
    const shop = await startMerchant((request) =>
      request.path.endsWith('/shippingDetails')
        ? {
            status: 200,
            json: {
              addressId: (request.json as { addressId: number }).addressId,
              orderId,
              shippingDetails: [
                { isDefault: 'Y', shippingCost: 79, shippingMethod: 'Posten', shippingMethodId: 'posten' },
              ],
            },
          }
        : { status: 200 },
    )
    const { url } = await client.ecom.initiate({
      customerInfo: {},
      merchantInfo: {
        callbackPrefix: shop.prefix,
        shippingDetailsPrefix: shop.prefix,
        consentRemovalPrefix: shop.prefix,
        fallBack: `https://shop.example.no/orders/${orderId}`,
        authToken: 'express-token',
        paymentType: 'eComm Express Payment',
      },
      transaction: { orderId, amount: 20_000, transactionText: 'Hurtigkasse', useExplicitCheckoutFlow: true },
    })
    await landingToPhone(url)
    const pending = async () => (await controlCall('GET', `/_sandbox/users/${KARI}/ecom-orders`)).pending
    await until(
      async () =>
        (await pending()).some(
          (o: { orderId: string; express: { shipping: { status: string } } }) =>
            o.orderId === orderId && o.express.shipping.status === 'ready',
        ),
      'the shipping options reach the phone',
    )
    await controlCall(
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${DEFAULT_MERCHANT.msn}/${orderId}/approve`,
      {
        shippingMethodId: 'posten',
      },
    )
    await until(() => shop.at(`/vipps/v2/payments/${orderId}`).length === 1, 'the callback arrives')
    expect(shop.at(`/vipps/v2/payments/${orderId}`)[0]!.headers.authorization).toBe('express-token')

    const read = await client.ecom.details(orderId)
    expect(read.shippingDetails).toMatchObject({ shippingMethodId: 'posten', shippingCost: 79 })
    expect(read.userDetails).toMatchObject({ firstName: 'Kari', mobileNumber: '12345678' })
    const captured = await client.ecom.capture(orderId, { transactionText: 'Sporing 70712345678' })
    expect(captured.transactionInfo?.amount).toBe(27_900)
  })
})
