/**
 * Hurtigkasse against a running sandbox: the shop's shipping methods for the
 * user's address, the choice and address from the callback, the details poll
 * as the safety net, capture on shipping, consent removal; and every callback
 * without the order's authToken refused.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { control, KARI, MSN, Shopper, until, useTestShop } from '../../test/helpers.ts'
import { payment } from '../db/schema.ts'
import { ECOM_CALLBACK_PATH } from '../orders/service.ts'

const env = useTestShop()

/** Hurtigkasse on a product page: the browser is sent to the eCom landing page. */
async function expressCheckout(productId = 'kaffekopp-steintoy') {
  const shopper = new Shopper(env())
  const response = await shopper.request('POST', `/produkt/${productId}/hurtigkasse`, { quantity: '1' })
  expect(response.statusCode, response.body).toBe(303)
  const url = response.headers.location as string
  expect(url).toMatch(new RegExp(`^${env().sandbox.url}/landing/ecom\\?token=`))
  const [row] = await env().database.db.select().from(payment).where(eq(payment.redirectUrl, url))
  const orderId = row!.reference
  return { shopper, url, id: row!.orderId, orderId, token: new URL(url).searchParams.get('token')! }
}

/** Kari's number on the landing page; waits until the phone shows the shop's shipping options. */
async function onKarisPhone(token: string, orderId: string) {
  expect(
    (await control(env(), 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn: KARI })).status,
  ).toBe(200)
  let options: Array<{ shippingMethodId: string; shippingCost: number; totalAmount: number }> = []
  await until(async () => {
    const { json } = await control(env(), 'GET', `/_sandbox/ecom/orders/${MSN}/${orderId}`)
    options = json.express.shipping.options
    return json.express.shipping.status === 'ready'
  }, 'the shop has answered the shipping details request')
  return options
}

const approveOnPhone = (orderId: string, shippingMethodId: string) =>
  control(env(), 'POST', `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`, {
    shippingMethodId,
  })

describe('Hurtigkasse', () => {
  it('offers the shop’s shipping for the user’s address; the choice, user and address reach the order', async () => {
    const e = env()
    const { id, orderId, token } = await expressCheckout()
    const order = await e.shop.ctx.orders.get(id)
    expect(order.order).toMatchObject({
      state: 'pending_payment',
      flow: 'ecom_express',
      shippingAmount: null,
    })
    expect(order.payment.request).toMatchObject({
      merchantInfo: {
        paymentType: 'eComm Express Payment',
        callbackPrefix: `${e.shop.url}${ECOM_CALLBACK_PATH}`,
        consentRemovalPrefix: `${e.shop.url}${ECOM_CALLBACK_PATH}`,
        fallBack: `${e.shop.url}/ordre/${id}/retur`,
      },
      transaction: { orderId, amount: 19_900 },
    })

    const options = await onKarisPhone(token, orderId)
    // Kari lives in Oslo (0154): home delivery at the southern price; shipping costs in kroner on the wire.
    expect(options.map((o) => [o.shippingMethodId, o.shippingCost, o.totalAmount])).toEqual([
      ['store', 0, 19_900],
      ['pickup-point', 69, 26_800],
      ['home', 149, 34_800],
    ])
    expect((await approveOnPhone(orderId, 'home')).status).toBe(200)
    await until(
      async () => (await e.shop.ctx.orders.get(id)).order.state === 'reserved',
      'the callback reserves the order',
    )

    const reserved = await e.shop.ctx.orders.get(id)
    expect(reserved.order).toMatchObject({
      shippingMethodId: 'home',
      shippingMethodName: 'Posten/Bring – levert hjem',
      shippingAmount: 14_900,
      totalAmount: 34_800,
      customerName: 'Kari Nordmann',
      addressLine1: 'Robert Levins gate 5',
      postalCode: '0154',
      city: 'Oslo',
    })
    expect(reserved.order.ecomUserId).toMatch(/\S/)
    expect(reserved.payment.authorizedAmount).toBe(34_800)
    const shippingLine = reserved.lines.find((l) => l.isShipping)!
    expect(shippingLine).toMatchObject({ grossAmount: 14_900, vatAmount: 2_980, vatRate: 2500 })
    expect(reserved.lines.reduce((sum, l) => sum + l.grossAmount, 0)).toBe(reserved.order.totalAmount)

    // Shipping captures through eCom: the goods and the shipping, all of it here.
    const outcome = await e.shop.ctx.orders.ship(id, new Map([[1, 1]]), 'CP000000001NO')
    expect(outcome.state).toBe('done')
    const details = await e.shop.ctx.vipps.ecom.details(orderId)
    expect(details.transactionSummary).toMatchObject({ capturedAmount: 34_800, remainingAmountToCapture: 0 })
    expect((await e.shop.ctx.orders.get(id)).order.state).toBe('shipped')

    // And a refund of part of it, through eCom with the operation's key.
    expect((await e.shop.ctx.orders.refund(id, 14_900)).state).toBe('done')
    const refunded = await e.shop.ctx.vipps.ecom.details(orderId)
    expect(refunded.transactionSummary).toMatchObject({
      refundedAmount: 14_900,
      remainingAmountToRefund: 19_900,
    })
    await expect(e.shop.ctx.orders.refund(id, 19_901)).rejects.toMatchObject({ field: 'amount' })
  })

  it('reserves the order from the details poll when the callback never lands', async () => {
    const e = env()
    const { id, orderId, token } = await expressCheckout('ullpledd')
    await onKarisPhone(token, orderId)
    // The callback will not authenticate, so the shop refuses it: only the status sync can find out.
    await e.database.db
      .update(payment)
      .set({ authTokenHash: 'x'.repeat(64) })
      .where(eq(payment.orderId, id))
    expect((await approveOnPhone(orderId, 'store')).status).toBe(200)
    await until(async () => {
      const { json } = await control(e, 'GET', `/_sandbox/ecom/callbacks?orderId=${orderId}&kind=payment`)
      return json.callbacks[0]?.attempts.some((a: { statusCode?: number }) => a.statusCode === 401) ?? false
    }, 'the shop refuses the callback')
    expect((await e.shop.ctx.orders.get(id)).order.state).toBe('pending_payment')

    await e.shop.ctx.sync.sweep()
    const view = await e.shop.ctx.orders.get(id)
    expect(view.order).toMatchObject({
      state: 'reserved',
      shippingMethodId: 'store',
      shippingAmount: 0,
      totalAmount: 89_900,
    })
    expect(view.order.city).toBe('Oslo')
  })

  it('sends a rejected Hurtigkasse back with a message; nothing to ship', async () => {
    const e = env()
    const { shopper, id, orderId, token } = await expressCheckout('strikkelue')
    await onKarisPhone(token, orderId)
    const rejected = await control(e, 'POST', `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/reject`)
    expect(rejected.status).toBe(200)
    await until(
      async () => (await e.shop.ctx.orders.get(id)).order.state === 'payment_failed',
      'the callback says cancelled',
    )
    const back = await shopper.request('GET', `/ordre/${id}/retur`)
    expect(back.statusCode).toBe(200)
    expect(back.body).toContain('Betalingen ble avvist i Vipps.')
    expect(back.body).toContain('href="/produkt/strikkelue"')
  })

  it('refuses every callback without the order’s authToken, and changes nothing', async () => {
    const e = env()
    const { id, orderId } = await expressCheckout('termoflaske')
    const call = (method: 'POST' | 'DELETE', url: string, authorization?: string, payload?: object) =>
      e.shop.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        ...(payload ? { payload } : {}),
      })
    const shippingBody = {
      addressId: 1,
      addressLine1: 'Gate 1',
      city: 'Oslo',
      country: 'NO',
      postCode: '0150',
    }
    const callback = {
      merchantSerialNumber: MSN,
      orderId,
      transactionInfo: { amount: 34_900, status: 'RESERVED', timeStamp: new Date().toISOString() },
    }
    for (const authorization of [undefined, 'wrong-token', '']) {
      const shipping = await call(
        'POST',
        `${ECOM_CALLBACK_PATH}/v2/payments/${orderId}/shippingDetails`,
        authorization,
        shippingBody,
      )
      expect(shipping.statusCode).toBe(401)
      expect(shipping.json().error.code).toBe('UNAUTHORIZED')
      const paid = await call('POST', `${ECOM_CALLBACK_PATH}/v2/payments/${orderId}`, authorization, callback)
      expect(paid.statusCode).toBe(401)
    }
    // An order the shop never made answers the same, telling nothing.
    expect(
      (await call('POST', `${ECOM_CALLBACK_PATH}/v2/payments/nettbutikk-1-ffffffff`, 'x', callback))
        .statusCode,
    ).toBe(401)
    expect((await e.shop.ctx.orders.get(id)).order.state).toBe('pending_payment')
  })

  it('answers a malformed shipping details request with a 400 naming the field', async () => {
    const e = env()
    const { id, orderId } = await expressCheckout('notatbok-a5')
    const authToken = (
      (await e.shop.ctx.orders.get(id)).payment.request as { merchantInfo: { authToken: string } }
    ).merchantInfo.authToken
    const response = await e.shop.app.inject({
      method: 'POST',
      url: `${ECOM_CALLBACK_PATH}/v2/payments/${orderId}/shippingDetails`,
      headers: { 'content-type': 'application/json', authorization: authToken },
      payload: { addressId: 'one', city: 'Oslo' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.field).toMatch(/addressId|addressLine1/)
  })

  it('settles a cancel whose answer was lost: eCom refuses the repeat as already cancelled, which it was', async () => {
    const e = env()
    const { id, orderId, token } = await expressCheckout('kaffebonner-500')
    await onKarisPhone(token, orderId)
    expect((await approveOnPhone(orderId, 'store')).status).toBe(200)
    await until(async () => (await e.shop.ctx.orders.get(id)).order.state === 'reserved', 'reserved')
    e.faults.loseAnswer('PUT', /\/cancel$/)
    expect((await e.shop.ctx.orders.cancel(id)).state).toBe('unknown')
    expect((await e.shop.ctx.orders.get(id)).order.state).toBe('reserved')

    await e.shop.ctx.sync.sweep()
    expect(e.faults.to('PUT', new RegExp(`/${orderId}/cancel$`))).toHaveLength(2)
    const after = await e.shop.ctx.orders.get(id)
    expect(after.operations.map((op) => op.state)).toEqual(['done'])
    expect(after.order.state).toBe('cancelled')
    expect(after.payment.cancelledAmount).toBe(14_900)
  })

  it('removes the user’s data from finished orders when they withdraw consent in Vipps', async () => {
    const e = env()
    const { id, orderId, token } = await expressCheckout('handlenett')
    await onKarisPhone(token, orderId)
    expect((await approveOnPhone(orderId, 'pickup-point')).status).toBe(200)
    await until(async () => (await e.shop.ctx.orders.get(id)).order.state === 'reserved', 'reserved')
    expect((await e.shop.ctx.orders.cancel(id)).state).toBe('done')
    expect((await e.shop.ctx.orders.get(id)).order.state).toBe('cancelled')

    const removal = await control(e, 'POST', `/_sandbox/users/${KARI}/ecom-consents/${MSN}/remove`)
    expect(removal.status).toBe(202)
    await until(
      async () => (await e.shop.ctx.orders.get(id)).order.personalDataRemovedAt !== null,
      'the data is removed',
    )
    const cleaned = (await e.shop.ctx.orders.get(id)).order
    expect(cleaned).toMatchObject({
      customerName: null,
      customerEmail: null,
      addressLine1: null,
      ecomUserId: null,
    })
    expect(cleaned.totalAmount).toBe(12_900 + 6_900)
  })
})
