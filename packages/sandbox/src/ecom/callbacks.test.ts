/**
 * The platform's calls to the merchant, against a real shop server on
 * 127.0.0.1: the payment callback with the authToken and the right body (regular
 * and express), the express shipping details request with the user's address
 * and the user's choice reflected in details and callback, retries of a failed
 * callback on the sandbox clock, and consent removal. Every body is checked
 * against specs/ecom-v2.yaml (with its known bugs corrected) and the contract.
 */
import {
  EcomExpressCallback,
  EcomRegularCallback,
  EcomShippingDetailsRequest,
  schemaIssues,
} from '@kasse/vipps'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { KNOWN_SPEC_BUGS, loadSpec } from '../../test/contract.ts'
import { testSandbox } from '../../test/helpers.ts'
import { RETRY_DELAYS_MS } from './merchant-calls.ts'
import {
  approveOnPhone,
  control,
  details,
  ecom,
  expressBody,
  initiate,
  initiateBody,
  KARI,
  type MerchantRequest,
  MSN,
  startMerchant,
  toPhone,
  until,
} from './test-helpers.ts'

type Sandbox = Awaited<ReturnType<typeof testSandbox>>

/** Validates a body the sandbox sent against a schema of the eCom spec, its known bugs corrected. */
const specSchema = (() => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  ;(addFormatsModule as unknown as (ajv: Ajv) => Ajv)(ajv)
  const doc = loadSpec('ecom-v2.yaml')
  for (const bug of KNOWN_SPEC_BUGS) if (bug.spec === 'ecom-v2.yaml') bug.fix(doc)
  ajv.addSchema(doc as object, 'ecom-v2.yaml')
  return (name: string, body: unknown) => {
    const validate = ajv.compile({ $ref: `ecom-v2.yaml#/components/schemas/${name}` })
    return validate(body) ? [] : (validate.errors ?? [])
  }
})()

/** The orderId in a shipping details path, `…/v2/payments/{orderId}/shippingDetails`. */
const orderIdIn = (path: string) => /\/payments\/([^/]+)\/shippingDetails$/.exec(path)?.[1]

const forceApprove = (sb: Sandbox, orderId: string) =>
  ecom(sb, {
    url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
    body: { customerPhoneNumber: '12345678' },
  })

const callbacksOf = async (sb: Sandbox, orderId: string) =>
  (await control(sb, 'GET', `/_sandbox/ecom/callbacks?orderId=${orderId}`)).json().callbacks as Array<{
    kind: string
    state: string
    nextAttemptAt?: string
    attempts: Array<{ statusCode?: number; error?: string }>
  }>

describe('the payment callback', () => {
  it('posts the reservation to {callbackPrefix}/v2/payments/{orderId} with the authToken', async () => {
    const sb = await testSandbox()
    const shop = await startMerchant()
    const { orderId } = await initiate(sb, initiateBody({}, shop.prefix))
    await forceApprove(sb, orderId)
    await until(() => shop.received.length === 1, 'the callback arrives')
    const [callback] = shop.received as [MerchantRequest]
    expect(callback.method).toBe('POST')
    expect(callback.path).toBe(`/vipps/v2/payments/${orderId}`)
    expect(callback.headers.authorization).toBe('shop-secret-token')
    expect(callback.headers['content-type']).toContain('application/json')
    const reserve = (await details(sb, orderId)).transactionLogHistory[0]
    expect(callback.json).toEqual({
      merchantSerialNumber: MSN,
      orderId,
      transactionInfo: {
        amount: 29_900,
        status: 'RESERVED',
        timeStamp: reserve.timeStamp,
        transactionId: reserve.transactionId,
      },
    })
    expect(specSchema('RegularCheckOutPaymentRequest', callback.json)).toEqual([])
    expect(schemaIssues(EcomRegularCallback, callback.json)).toEqual([])
  })

  it('sends no Authorization when the merchant gave no authToken', async () => {
    const sb = await testSandbox()
    const shop = await startMerchant()
    const body = initiateBody({}, shop.prefix)
    delete (body.merchantInfo as Record<string, unknown>).authToken
    const { orderId } = await initiate(sb, body)
    await forceApprove(sb, orderId)
    await until(() => shop.received.length === 1, 'the callback arrives')
    expect(shop.received[0]!.headers.authorization).toBeUndefined()
  })

  it('tells the merchant CANCELLED when the user rejects, and REJECTED when the order times out', async () => {
    const sb = await testSandbox()
    const shop = await startMerchant()
    const rejected = await initiate(sb, initiateBody({}, shop.prefix))
    await toPhone(sb, rejected.url)
    const reject = await control(
      sb,
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${rejected.orderId}/reject`,
    )
    expect(reject.json().state).toBe('REJECTED')
    const expired = await initiate(sb, initiateBody({}, shop.prefix))
    sb.ctx.clock.advance(sb.ctx.config.paymentLifetimeMs)
    await until(() => shop.received.length === 2, 'both callbacks arrive')
    const statusOf = (orderId: string) =>
      (shop.at(`/vipps/v2/payments/${orderId}`)[0]!.json as EcomRegularCallback).transactionInfo.status
    expect(statusOf(rejected.orderId)).toBe('CANCELLED')
    expect(statusOf(expired.orderId)).toBe('REJECTED')
    for (const request of shop.received) {
      expect(specSchema('RegularCheckOutPaymentRequest', request.json)).toEqual([])
    }
  })

  it('retries a callback the merchant fails, on the sandbox clock, until it is answered', async () => {
    const sb = await testSandbox()
    let answered = 0
    const shop = await startMerchant(() => ({ status: answered++ === 0 ? 503 : 200 }))
    const { orderId } = await initiate(sb, initiateBody({}, shop.prefix))
    await forceApprove(sb, orderId)
    await until(
      async () => (await callbacksOf(sb, orderId))[0]?.nextAttemptAt !== undefined,
      'a retry is due',
    )
    expect(shop.received).toHaveLength(1)
    sb.ctx.clock.advance(RETRY_DELAYS_MS[0])
    await until(
      async () => (await callbacksOf(sb, orderId))[0]?.state === 'delivered',
      'the retry is answered',
    )
    const [call] = await callbacksOf(sb, orderId)
    expect(call!.attempts.map((a) => a.statusCode)).toEqual([503, 200])
    expect(shop.received[1]!.body).toBe(shop.received[0]!.body)
  })

  it('gives up after the last retry when the merchant never answers 2xx', async () => {
    const sb = await testSandbox()
    const shop = await startMerchant(() => ({ status: 500 }))
    const { orderId } = await initiate(sb, initiateBody({}, shop.prefix))
    await forceApprove(sb, orderId)
    for (const delay of RETRY_DELAYS_MS) {
      await until(
        async () => (await callbacksOf(sb, orderId))[0]?.nextAttemptAt !== undefined,
        'a retry is due',
      )
      sb.ctx.clock.advance(delay)
    }
    await until(async () => (await callbacksOf(sb, orderId))[0]?.state === 'failed', 'the sandbox gives up')
    expect(shop.received).toHaveLength(RETRY_DELAYS_MS.length + 1)
  })
})

describe('express checkout', () => {
  const OPTIONS = [
    {
      isDefault: 'Y',
      priority: 0,
      shippingCost: 0,
      shippingMethod: 'Hent i butikk',
      shippingMethodId: 'store',
    },
    {
      isDefault: 'N',
      priority: 1,
      shippingCost: 129.9,
      shippingMethod: 'Posten Ekspress',
      shippingMethodId: 'express',
    },
  ]

  /** A shop that offers OPTIONS for any address, echoing the ids as it must. */
  const shippingShop = () =>
    startMerchant((request) =>
      request.path.endsWith('/shippingDetails')
        ? {
            status: 200,
            json: {
              addressId: (request.json as { addressId: number }).addressId,
              orderId: orderIdIn(request.path),
              shippingDetails: OPTIONS,
            },
          }
        : { status: 200 },
    )

  it('asks the merchant for shipping to the user’s address, and the user’s choice reaches details and the callback', async () => {
    const sb = await testSandbox()
    const shop = await shippingShop()
    const body = expressBody(
      {
        merchantInfo: { staticShippingDetails: undefined, shippingDetailsPrefix: `${shop.prefix}/shipping` },
      },
      shop.prefix,
    )
    const { orderId, url } = await initiate(sb, body)
    await toPhone(sb, url)

    const asked = `/vipps/shipping/v2/payments/${orderId}/shippingDetails`
    await until(() => shop.at(asked).length === 1, 'the merchant is asked for shipping')
    const request = shop.at(asked)[0]!
    expect(request.method).toBe('POST')
    expect(request.headers.authorization).toBe('shop-secret-token')
    expect(request.json).toEqual({
      addressId: expect.any(Number),
      addressLine1: 'Robert Levins gate 5',
      city: 'Oslo',
      country: 'Norway',
      postCode: '0154',
      addressType: 'H',
    })
    expect(specSchema('ShippingCostAndMethod', request.json)).toEqual([])
    expect(schemaIssues(EcomShippingDetailsRequest, request.json)).toEqual([])

    const ready = async () =>
      (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json().pending[0]
    await until(
      async () => (await ready()).express.shipping.status === 'ready',
      'the options are on the phone',
    )
    expect((await ready()).express.shipping).toEqual({
      status: 'ready',
      defaultShippingMethodId: 'store',
      options: [
        {
          shippingMethodId: 'store',
          shippingMethod: 'Hent i butikk',
          shippingCost: 0,
          isDefault: true,
          priority: 0,
          totalAmount: 29_900,
        },
        {
          shippingMethodId: 'express',
          shippingMethod: 'Posten Ekspress',
          shippingCost: 129.9,
          isDefault: false,
          priority: 1,
          totalAmount: 42_890,
        },
      ],
    })

    const approved = await approveOnPhone(sb, orderId, { shippingMethodId: 'express' })
    expect(approved).toMatchObject({
      state: 'RESERVED',
      money: { reserved: 42_890 },
      express: { chosen: { shippingMethodId: 'express' } },
    })

    const read = await details(sb, orderId)
    expect(read.shippingDetails).toEqual({
      address: { addressLine1: 'Robert Levins gate 5', city: 'Oslo', country: 'Norway', postCode: '0154' },
      shippingCost: 129.9,
      shippingMethod: 'Posten Ekspress',
      shippingMethodId: 'express',
    })
    expect(read.userDetails).toEqual({
      email: 'kari.nordmann@example.no',
      firstName: 'Kari',
      lastName: 'Nordmann',
      mobileNumber: '12345678',
      userId: expect.stringMatching(/^[\w/+=]{24}$/),
    })
    expect(read.transactionLogHistory[0]).toMatchObject({ operation: 'RESERVE', amount: 42_890 })
    expect(read.transactionSummary.remainingAmountToCapture).toBe(42_890)

    const callbackPath = `/vipps/v2/payments/${orderId}`
    await until(() => shop.at(callbackPath).length === 1, 'the callback arrives')
    const callback = shop.at(callbackPath)[0]!
    expect(callback.headers.authorization).toBe('shop-secret-token')
    expect(callback.json).toEqual({
      merchantSerialNumber: MSN,
      orderId,
      shippingDetails: {
        address: {
          addressLine1: 'Robert Levins gate 5',
          city: 'Oslo',
          country: 'Norway',
          postCode: '0154',
          zipCode: '0154',
        },
        shippingCost: 129.9,
        shippingMethod: 'Posten Ekspress',
        shippingMethodId: 'express',
      },
      transactionInfo: {
        amount: 42_890,
        status: 'RESERVE',
        timeStamp: expect.any(String),
        transactionId: read.transactionLogHistory[0].transactionId,
      },
      userDetails: read.userDetails,
    })
    expect(specSchema('ExpressCheckOutPaymentRequest', callback.json)).toEqual([])
    expect(schemaIssues(EcomExpressCallback, callback.json)).toEqual([])
  })

  it('asks at the callbackPrefix when there is no shippingDetailsPrefix, and takes the default when none is chosen', async () => {
    const sb = await testSandbox()
    const shop = await shippingShop()
    const { orderId, url } = await initiate(
      sb,
      expressBody({ merchantInfo: { staticShippingDetails: undefined } }, shop.prefix),
    )
    await toPhone(sb, url)
    await until(
      () => shop.at(`/vipps/v2/payments/${orderId}/shippingDetails`).length === 1,
      'the merchant is asked',
    )
    await until(
      async () =>
        (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json().pending[0].express.shipping
          .status === 'ready',
      'the options arrive',
    )
    const approved = await approveOnPhone(sb, orderId)
    expect(approved.express.chosen).toMatchObject({ shippingMethodId: 'store', totalAmount: 29_900 })
  })

  it('shows "No shipping methods found" when the merchant fails or answers wrongly, and the user cannot approve', async () => {
    const sb = await testSandbox()
    const failing = await startMerchant(() => ({ status: 500 }))
    const wrong = await startMerchant((request) => ({
      status: 200,
      json: { addressId: 1, orderId: orderIdIn(request.path), shippingDetails: OPTIONS },
    }))
    for (const [shop, reason] of [
      [failing, 'HTTP 500'],
      [wrong, 'addressId 1'],
    ] as const) {
      const { orderId, url } = await initiate(
        sb,
        expressBody({ merchantInfo: { staticShippingDetails: undefined } }, shop.prefix),
      )
      await toPhone(sb, url)
      const order = async () =>
        (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`))
          .json()
          .pending.find((o: { orderId: string }) => o.orderId === orderId)
      await until(async () => (await order()).express.shipping.status === 'failed', 'the request fails')
      expect((await order()).express.shipping.error).toMatch(
        new RegExp(`^No shipping methods found: .*${reason}`),
      )
      const approve = await control(
        sb,
        'POST',
        `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`,
        {},
      )
      expect(approve.statusCode).toBe(409)
      expect(approve.json().title).toBe('No shipping methods found')
    }
  })

  it('asks the merchant again when the order is sent to the same phone after a failed request', async () => {
    const sb = await testSandbox()
    let asked = 0
    const shop = await startMerchant((request) => {
      if (asked++ === 0) return { status: 503 }
      const { addressId } = request.json as { addressId: number }
      return { status: 200, json: { addressId, orderId: orderIdIn(request.path), shippingDetails: OPTIONS } }
    })
    const body = expressBody({ merchantInfo: { staticShippingDetails: undefined } }, shop.prefix)
    const { url } = await initiate(sb, body)
    const status = async () =>
      (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json().pending[0].express.shipping
        .status
    await toPhone(sb, url)
    await until(async () => (await status()) === 'failed', 'the first request fails')
    await toPhone(sb, url)
    await until(async () => (await status()) === 'ready', 'the second request is answered')
    expect(shop.received).toHaveLength(2)
  })

  it('refuses a shipping option the merchant did not offer, naming shippingMethodId', async () => {
    const sb = await testSandbox()
    const { orderId, url } = await initiate(sb, expressBody())
    await toPhone(sb, url)
    const response = await control(
      sb,
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`,
      {
        shippingMethodId: 'drone',
      },
    )
    expect(response.statusCode).toBe(400)
    expect(response.json().extraDetails).toEqual([
      { name: 'shippingMethodId', reason: expect.stringContaining('pickup') },
    ])
  })

  it('tells the merchant to delete the user’s data when the user withdraws consent', async () => {
    const sb = await testSandbox()
    const shop = await startMerchant()
    const { orderId, url } = await initiate(sb, expressBody({}, shop.prefix))
    await toPhone(sb, url)
    await approveOnPhone(sb, orderId)
    const { userId } = (await details(sb, orderId)).userDetails
    const consents = await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-consents`)
    expect(consents.json().consents).toEqual([
      { msn: MSN, merchantName: 'Kasse Demo Butikk', userId, givenAt: expect.any(String) },
    ])

    const removed = await control(sb, 'POST', `/_sandbox/users/${KARI}/ecom-consents/${MSN}/remove`)
    expect(removed.statusCode).toBe(202)
    const path = `/vipps/v2/consents/${encodeURIComponent(userId)}`
    await until(() => shop.at(path).length === 1, 'the consent removal arrives')
    expect(shop.at(path)[0]).toMatchObject({
      method: 'DELETE',
      headers: { authorization: 'shop-secret-token' },
    })
    expect((await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-consents`)).json().consents).toEqual([])
    const again = await control(sb, 'POST', `/_sandbox/users/${KARI}/ecom-consents/${MSN}/remove`)
    expect(again.statusCode).toBe(404)
  })
})
