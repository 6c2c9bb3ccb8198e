/**
 * Regular checkout and the order admin, in-process against a real sandbox:
 * the order stored before Vipps is called, a lost answer retried with the same
 * key, the return page that believes only Vipps, webhooks verified and
 * replayed, capture of exactly what ships, cancel and refund limits.
 */
import { signWebhook } from '@kasse/vipps'
import { desc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  control,
  KARI,
  MSN,
  Shopper,
  signInAdmin,
  type TestShop,
  until,
  useTestShop,
} from '../../test/helpers.ts'
import { order as orderTable, payment as paymentTable } from '../db/schema.ts'
import { WEBHOOK_PATH } from '../webhooks/registration.ts'

const env = useTestShop()

/** The newest order in the shop's database. */
async function latestOrderId(e: TestShop): Promise<string> {
  const [row] = await e.database.db
    .select({ id: orderTable.id })
    .from(orderTable)
    .orderBy(desc(orderTable.number))
    .limit(1)
  return row!.id
}

/** A shopper who has checked out: the browser is on its way to the landing page. */
async function checkedOut(items: Array<[string, number]> = [['kaffekopp-steintoy', 1]], overrides = {}) {
  const shopper = new Shopper(env())
  for (const [product, quantity] of items) await shopper.add(product, quantity)
  const response = await shopper.checkout(overrides)
  expect(response.statusCode, response.body).toBe(303)
  const landing = response.headers.location as string
  expect(landing).toMatch(new RegExp(`^${env().sandbox.url}/landing\\?token=`))
  const id = await latestOrderId(env())
  const view = await env().shop.ctx.orders.get(id)
  return { shopper, landing, id, view, reference: view.payment.reference }
}

/** Kari enters her number on the landing page and approves on her phone (through the control API). */
async function approve(landing: string, reference: string, action: 'approve' | 'reject' = 'approve') {
  const token = new URL(landing).searchParams.get('token')!
  expect((await control(env(), 'POST', `/_sandbox/landing/${token}/user`, { msisdn: KARI })).status).toBe(200)
  const answer = await control(
    env(),
    'POST',
    `/_sandbox/users/${KARI}/payments/${MSN}/${reference}/${action}`,
  )
  expect(answer.status, JSON.stringify(answer.json)).toBe(200)
}

async function stateOf(id: string) {
  return (await env().shop.ctx.orders.get(id)).order.state
}

async function waitForState(id: string, state: string) {
  for (let i = 0; i < 500 && (await stateOf(id)) !== state; i++) await new Promise((r) => setTimeout(r, 10))
  expect(await stateOf(id)).toBe(state)
}

/** The sandbox's own view of the payment's money. */
async function aggregate(reference: string) {
  const { json } = await control(env(), 'GET', `/_sandbox/payments/${MSN}/${reference}`)
  const agg = (json.payment ?? json).aggregate
  return {
    authorized: agg.authorizedAmount.value,
    captured: agg.capturedAmount.value,
    cancelled: agg.cancelledAmount.value,
    refunded: agg.refundedAmount.value,
  }
}

describe('checkout with Pay with Vipps', () => {
  it('stores the order and its payment (reference, key, request) before calling, and a retry after a lost answer sends the same', async () => {
    const e = env()
    const seen: Array<{ key: string; stored: unknown; state: unknown }> = []
    e.faults.before = async (request) => {
      if (request.method !== 'POST' || request.path !== '/epayment/v1/payments') return
      const reference = (request.body as { reference: string }).reference
      const [row] = await e.database.db
        .select({ key: paymentTable.idempotencyKey, request: paymentTable.request, state: orderTable.state })
        .from(paymentTable)
        .innerJoin(orderTable, eq(orderTable.id, paymentTable.orderId))
        .where(eq(paymentTable.reference, reference))
      seen.push({ key: request.headers['idempotency-key']!, stored: row, state: row?.state })
      expect(row, 'the payment is in the database before the call').toBeDefined()
      expect(row!.key).toBe(request.headers['idempotency-key'])
      expect(row!.request).toEqual(request.body)
    }
    e.faults.loseAnswer('POST', /^\/epayment\/v1\/payments$/)
    try {
      const shopper = new Shopper(e)
      await shopper.add('kaffekopp-steintoy', 2)
      const first = await shopper.checkout()
      // No answer: the shopper is told so, and the order waits as "unknown".
      expect(first.statusCode).toBe(502)
      expect(first.body).toContain('Vi fikk ikke svar fra Vipps')
      const id = await latestOrderId(e)
      expect(await stateOf(id)).toBe('unknown')

      const retry = await shopper.request('POST', `/ordre/${id}/betal`)
      expect(retry.statusCode).toBe(303)
      expect(retry.headers.location).toMatch(/\/landing\?token=/)
      expect(await stateOf(id)).toBe('pending_payment')
      expect(seen).toHaveLength(2)
      expect(seen[1]!.key).toBe(seen[0]!.key)
      const sent = e.faults.to('POST', /^\/epayment\/v1\/payments$/).slice(-2)
      expect(sent[1]!.body).toEqual(sent[0]!.body)
      // One payment at the platform, whatever the retries.
      const { json } = await control(e, 'GET', `/_sandbox/payments?msn=${MSN}`)
      const reference = (sent[0]!.body as { reference: string }).reference
      expect(json.payments.filter((p: { reference: string }) => p.reference === reference)).toHaveLength(1)
    } finally {
      e.faults.before = undefined
    }
  })

  it('sends an order stored just before a crash (never sent) from the status sync, with its stored key', async () => {
    const e = env()
    const shopper = new Shopper(e)
    await shopper.add('earl-grey-100', 3)
    const cart = await e.shop.ctx.carts.get(/kasse_shop_cart=([^;]+)/.exec(shopper.cookieHeader)![1])
    const placed = await e.shop.ctx.orders.placeOrder(cart, {
      name: 'Ola Nordmann',
      email: 'ola@example.no',
      phone: '4791234567',
      addressLine1: 'Storgata 2',
      postalCode: '0155',
      city: 'Oslo',
      shippingMethodId: 'store',
    })
    expect(placed.payment.redirectUrl).toBeNull()
    await e.shop.ctx.sync.sweep()
    const creates = e.faults
      .to('POST', /^\/epayment\/v1\/payments$/)
      .filter((r) => (r.body as { reference: string }).reference === placed.payment.reference)
    expect(creates).toHaveLength(1)
    expect(creates[0]!.headers['idempotency-key']).toBe(placed.payment.idempotencyKey)
    const after = await e.shop.ctx.orders.get(placed.order.id)
    expect(after.order.state).toBe('pending_payment')
    expect(after.payment.redirectUrl).toMatch(/\/landing\?token=/)
  })

  it('sends the receipt with every line and the shipping line, adding up to the amount', async () => {
    const { view } = await checkedOut(
      [
        ['kaffekopp-steintoy', 2],
        ['kaffebonner-500', 1],
      ],
      { shippingMethodId: 'home', postalCode: '9008', city: 'Tromsø' },
    )
    const request = view.payment.request as {
      amount: { value: number }
      receipt: {
        orderLines: Array<{
          totalAmount: number
          totalTaxAmount: number
          isShipping?: boolean
          taxRate: number
        }>
      }
      userFlow: string
      returnUrl: string
    }
    expect(request.userFlow).toBe('WEB_REDIRECT')
    expect(request.returnUrl).toBe(`${env().shop.url}/ordre/${view.order.id}/retur`)
    // 2 × 199 + 149 + home delivery to Tromsø (north of 8000) 199.
    expect(request.amount.value).toBe(2 * 19_900 + 14_900 + 19_900)
    const lines = request.receipt.orderLines
    expect(lines.map((l) => l.totalAmount)).toEqual([39_800, 14_900, 19_900])
    expect(lines.map((l) => l.totalTaxAmount)).toEqual([7_960, 1_943, 3_980])
    expect(lines.map((l) => l.isShipping ?? false)).toEqual([false, false, true])
    expect(lines.reduce((sum, l) => sum + l.totalAmount, 0)).toBe(request.amount.value)
  })

  it('refuses a form with missing or wrong fields with 400, naming each field, and stores nothing', async () => {
    const shopper = new Shopper(env())
    await shopper.add('ullsokker')
    const before = await latestOrderId(env())
    const response = await shopper.checkout({
      name: '',
      email: 'ikke-epost',
      postalCode: '12',
      shippingMethodId: 'drone',
    })
    expect(response.statusCode).toBe(400)
    for (const field of ['name', 'email', 'postalCode', 'shippingMethodId']) {
      expect(response.body).toContain(`data-testid="error-${field}"`)
    }
    expect(response.body).toContain('aria-invalid="true"')
    expect(await latestOrderId(env())).toBe(before)
  })

  it('answers bad cart input with a 4xx that names the field, never a 500', async () => {
    const shopper = new Shopper(env())
    const unknown = await shopper.request('POST', '/handlekurv', { productId: 'finnes-ikke', quantity: '1' })
    expect(unknown.statusCode).toBe(404)
    const quantity = await shopper.request('POST', '/handlekurv', { productId: 'ullsokker', quantity: '-3' })
    expect(quantity.statusCode).toBe(400)
    expect(quantity.body).toContain('quantity')
    const missing = await shopper.request('POST', '/handlekurv', { quantity: '1' })
    expect(missing.statusCode).toBe(400)
    expect(missing.body).toContain('productId mangler')
    const json = await env().shop.app.inject({ method: 'POST', url: '/kasse', payload: { name: 42 } })
    expect(json.statusCode).toBe(415)
    const empty = await shopper.request('POST', '/kasse', {})
    expect(empty.statusCode).toBe(303)
    expect(empty.headers.location).toBe('/handlekurv')
  })

  it('confirms the order from the webhook; the return page then shows it', async () => {
    const { shopper, landing, id, reference } = await checkedOut()
    await approve(landing, reference)
    await waitForState(id, 'reserved')
    const back = await shopper.request('GET', `/ordre/${id}/retur`)
    expect(back.statusCode).toBe(303)
    expect(back.headers.location).toBe(`/ordre/${id}`)
    const confirmation = await shopper.request('GET', `/ordre/${id}`)
    expect(confirmation.body).toContain('Takk for bestillingen!')
    expect(confirmation.body).toContain('Robert Levins gate 5')
    // The cart is emptied once the order is paid.
    expect((await shopper.request('GET', '/handlekurv')).body).toContain('Handlekurven er tom')
  })

  it('does not trust the browser coming back: without an answer in Vipps the return page waits', async () => {
    const { shopper, id } = await checkedOut()
    const back = await shopper.request('GET', `/ordre/${id}/retur`)
    expect(back.statusCode).toBe(200)
    expect(back.body).toContain('data-testid="waiting"')
    expect(back.body).toContain('http-equiv="refresh"')
    expect(await stateOf(id)).toBe('pending_payment')
  })

  it('confirms by looking the payment up when no webhook comes', async () => {
    const e = env()
    const hook = (await e.shop.ctx.vipps.webhooks.list()).find((w) => w.url.endsWith(WEBHOOK_PATH))!
    await e.shop.ctx.vipps.webhooks.delete(hook.id)
    try {
      const { shopper, landing, id, reference } = await checkedOut()
      await approve(landing, reference)
      expect(await stateOf(id)).toBe('pending_payment')
      const back = await shopper.request('GET', `/ordre/${id}/retur`)
      expect(back.headers.location).toBe(`/ordre/${id}`)
      expect(await stateOf(id)).toBe('reserved')
    } finally {
      await e.shop.ctx.webhooks.ensure(`${e.shop.url}${WEBHOOK_PATH}`)
    }
  })

  it('sends a rejected payment back to the cart, kept, with a message', async () => {
    const { shopper, landing, id, reference } = await checkedOut([['strikkelue', 1]])
    await approve(landing, reference, 'reject')
    const back = await shopper.request('GET', `/ordre/${id}/retur`)
    expect(back.headers.location).toBe(`/handlekurv?ordre=${id}`)
    const cart = await shopper.request('GET', back.headers.location as string)
    expect(cart.body).toContain('Betalingen ble avvist i Vipps.')
    expect(cart.body).toContain('data-product-id="strikkelue"')
    const view = await env().shop.ctx.orders.get(id)
    expect(view.order).toMatchObject({ state: 'payment_failed', failure: 'rejected' })
    // Another shopper does not learn why someone else's payment failed.
    const stranger = new Shopper(env())
    await stranger.add('ullsokker')
    expect((await stranger.request('GET', `/handlekurv?ordre=${id}`)).body).not.toContain('avvist')
  })
})

describe('the webhook', () => {
  it('is applied only when its signature verifies; a replay changes nothing', async () => {
    const e = env()
    const { id, reference, view } = await checkedOut()
    const active = e.shop.ctx.webhooks.current()!
    const event = {
      msn: MSN,
      reference,
      pspReference: 'psp-1',
      name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: view.order.totalAmount },
      timestamp: new Date().toISOString(),
      success: true,
    }
    const body = JSON.stringify(event)
    const deliver = (headers: Record<string, string>) =>
      e.shop.app.inject({
        method: 'POST',
        url: WEBHOOK_PATH,
        headers: { 'content-type': 'application/json', ...headers },
        payload: body,
      })

    const forged = signWebhook(body, active.url, 'not-the-secret', new Date())
    const refused = await deliver(forged)
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error.code).toBe('UNAUTHORIZED')
    expect(await stateOf(id)).toBe('pending_payment')

    const unsigned = await deliver({})
    expect(unsigned.statusCode).toBe(401)

    const signed = signWebhook(body, active.url, active.secret, new Date())
    expect((await deliver(signed)).statusCode).toBe(200)
    expect(await stateOf(id)).toBe('reserved')
    const afterFirst = await e.shop.ctx.orders.get(id)
    expect((await deliver(signed)).statusCode).toBe(200)
    const afterReplay = await e.shop.ctx.orders.get(id)
    expect(afterReplay.order).toEqual(afterFirst.order)
    expect(afterReplay.payment).toEqual(afterFirst.payment)
  })

  it('is registered once: a restart reuses the registration and its secret', async () => {
    const e = env()
    const url = `${e.shop.url}${WEBHOOK_PATH}`
    const first = await e.shop.ctx.webhooks.ensure(url)
    const again = await e.shop.ctx.webhooks.ensure(url)
    expect(again.secret).toBe(first.secret)
    const mine = (await e.shop.ctx.vipps.webhooks.list()).filter((w) => w.url === url)
    expect(mine).toHaveLength(1)
  })
})

describe('the order admin', () => {
  async function paidOrder(items: Array<[string, number]>) {
    const placed = await checkedOut(items)
    await approve(placed.landing, placed.reference)
    await waitForState(placed.id, 'reserved')
    return { ...placed, view: await env().shop.ctx.orders.get(placed.id) }
  }

  const lineNo = (view: Awaited<ReturnType<typeof paidOrder>>['view'], productId: string) =>
    view.lines.find((l) => l.productId === productId)!.lineNo

  it('captures only what ships: the first shipment with the shipping, the rest when it ships', async () => {
    const { id, reference, view } = await paidOrder([
      ['kaffekopp-steintoy', 2],
      ['kaffebonner-500', 1],
    ])
    const staff = await signInAdmin(env())
    const mug = lineNo(view, 'kaffekopp-steintoy')
    const beans = lineNo(view, 'kaffebonner-500')

    const first = await staff.post(`/admin/ordre/${id}/send`, {
      [`quantity_${mug}`]: '1',
      [`quantity_${beans}`]: '0',
      tracking: 'CP123456789NO',
    })
    expect(first.statusCode, first.body).toBe(200)
    expect(first.body).toContain('Sendingen er registrert')
    // One mug and the pickup-point shipping.
    expect(await aggregate(reference)).toMatchObject({ captured: 19_900 + 6_900 })
    expect(await stateOf(id)).toBe('partially_shipped')

    const second = await staff.post(`/admin/ordre/${id}/send`, {
      [`quantity_${mug}`]: '1',
      [`quantity_${beans}`]: '1',
    })
    expect(second.statusCode, second.body).toBe(200)
    expect(await aggregate(reference)).toMatchObject({ captured: view.order.totalAmount })
    const done = await env().shop.ctx.orders.get(id)
    expect(done.order.state).toBe('shipped')
    expect(done.payment.capturedAmount).toBe(view.order.totalAmount)
    expect(done.shipments.map((s) => s.amount)).toEqual([26_800, 19_900 + 14_900])
  })

  it('refuses to ship more than is left, naming the line, and captures nothing', async () => {
    const { id, reference, view } = await paidOrder([['ullsokker', 1]])
    const staff = await signInAdmin(env())
    const line = lineNo(view, 'ullsokker')
    const tooMany = await staff.post(`/admin/ordre/${id}/send`, { [`quantity_${line}`]: '2' })
    expect(tooMany.statusCode).toBe(400)
    expect(tooMany.body).toContain('du kan sende fra 0 til 1')
    const nothing = await staff.post(`/admin/ordre/${id}/send`, { [`quantity_${line}`]: '0' })
    expect(nothing.statusCode).toBe(400)
    const garbage = await staff.post(`/admin/ordre/${id}/send`, { [`quantity_${line}`]: 'en' })
    expect(garbage.statusCode).toBe(400)
    expect(await aggregate(reference)).toMatchObject({ captured: 0 })
    expect(await stateOf(id)).toBe('reserved')
  })

  it('keeps a capture whose answer was lost as unknown, and the sync sends it again with the same key: captured once', async () => {
    const e = env()
    const { id, reference, view } = await paidOrder([['termoflaske', 1]])
    const line = lineNo(view, 'termoflaske')
    // No webhook this time, so only the status sync can find out.
    const hook = (await e.shop.ctx.vipps.webhooks.list()).find((w) => w.url.endsWith(WEBHOOK_PATH))!
    await e.shop.ctx.vipps.webhooks.delete(hook.id)
    try {
      e.faults.loseAnswer('POST', /\/capture$/)
      const outcome = await e.shop.ctx.orders.ship(id, new Map([[line, 1]]))
      expect(outcome.state).toBe('unknown')
      // The platform did capture; the shop does not know yet and takes no other money operation meanwhile.
      expect(await aggregate(reference)).toMatchObject({ captured: view.order.totalAmount })
      await expect(e.shop.ctx.orders.cancel(id)).rejects.toThrow(/ikke avklart/)
      const page = await (await signInAdmin(e)).get(`/admin/ordre/${id}`)
      expect(page.body).toContain('venter på svar')

      await e.shop.ctx.sync.sweep()
      const captures = e.faults.to('POST', new RegExp(`/payments/${reference}/capture$`))
      expect(captures).toHaveLength(2)
      expect(captures[1]!.headers['idempotency-key']).toBe(captures[0]!.headers['idempotency-key'])
      expect(captures[1]!.body).toEqual(captures[0]!.body)
      const after = await e.shop.ctx.orders.get(id)
      expect(after.operations.map((op) => op.state)).toEqual(['done'])
      expect(after.order.state).toBe('shipped')
      expect(after.payment.capturedAmount).toBe(view.order.totalAmount)
      expect(await aggregate(reference)).toMatchObject({ captured: view.order.totalAmount })
    } finally {
      await e.shop.ctx.webhooks.ensure(`${e.shop.url}${WEBHOOK_PATH}`)
    }
  })

  it('settles a capture whose answer was lost when the CAPTURED webhook names its key', async () => {
    const e = env()
    const { id, view } = await paidOrder([['strikkelue', 1]])
    e.faults.loseAnswer('POST', /\/capture$/)
    const outcome = await e.shop.ctx.orders.ship(id, new Map([[lineNo(view, 'strikkelue'), 1]]))
    expect(outcome.state).toBe('unknown')
    await waitForState(id, 'shipped')
    const after = await e.shop.ctx.orders.get(id)
    expect(after.operations.map((op) => op.state)).toEqual(['done'])
    expect(after.payment.capturedAmount).toBe(view.order.totalAmount)
  })

  it('cancels a paid order before shipping: the reservation is released', async () => {
    const { id, reference, view } = await paidOrder([['ullpledd', 1]])
    const staff = await signInAdmin(env())
    const answer = await staff.post(`/admin/ordre/${id}/kanseller`)
    expect(answer.statusCode, answer.body).toBe(200)
    expect(await aggregate(reference)).toMatchObject({ captured: 0, cancelled: view.order.totalAmount })
    const after = await env().shop.ctx.orders.get(id)
    expect(after.order.state).toBe('cancelled')
    expect(after.payment.cancelledAmount).toBe(view.order.totalAmount)
    expect((await staff.post(`/admin/ordre/${id}/kanseller`)).statusCode).toBe(409)
  })

  it('cancels an order still waiting for payment: the request is stopped, and its TERMINATED webhook changes nothing', async () => {
    const { id, reference } = await checkedOut([['stearinlys', 1]])
    const staff = await signInAdmin(env())
    expect((await staff.post(`/admin/ordre/${id}/kanseller`)).statusCode).toBe(200)
    expect(await stateOf(id)).toBe('cancelled')
    const { json } = await control(env(), 'GET', `/_sandbox/payments/${MSN}/${reference}`)
    expect((json.payment ?? json).state).toBe('TERMINATED')
    await until(async () => {
      const { json: listed } = await control(
        env(),
        'GET',
        `/_sandbox/webhooks/deliveries?reference=${reference}`,
      )
      return listed.deliveries.some(
        (d: { event: { name: string }; state: string }) =>
          d.event.name === 'TERMINATED' && d.state === 'delivered',
      )
    }, 'the shop has acknowledged the TERMINATED webhook')
    expect(await stateOf(id)).toBe('cancelled')
  })

  it('cancels the rest after a partial shipment: what shipped stays captured, the rest is released', async () => {
    const { id, reference, view } = await paidOrder([
      ['notatbok-a5', 1],
      ['stearinlys', 2],
    ])
    const staff = await signInAdmin(env())
    const notebook = lineNo(view, 'notatbok-a5')
    const candles = lineNo(view, 'stearinlys')
    await staff.post(`/admin/ordre/${id}/send`, {
      [`quantity_${notebook}`]: '1',
      [`quantity_${candles}`]: '0',
    })
    expect((await staff.post(`/admin/ordre/${id}/kanseller`)).statusCode).toBe(200)
    const captured = 16_900 + 6_900
    expect(await aggregate(reference)).toMatchObject({
      captured,
      cancelled: view.order.totalAmount - captured,
    })
    const after = await env().shop.ctx.orders.get(id)
    expect(after.order.state).toBe('shipped')
    expect(after.lines.find((l) => l.lineNo === candles)).toMatchObject({
      shippedQuantity: 0,
      cancelledQuantity: 2,
    })
  })

  it('refunds part and then the rest of what is captured, never more', async () => {
    const { id, reference, view } = await paidOrder([['skjaerefjol-eik', 1]])
    const staff = await signInAdmin(env())
    const before = await staff.post(`/admin/ordre/${id}/refunder`, { amount: '10' })
    expect(before.statusCode).toBe(409)
    await staff.post(`/admin/ordre/${id}/send`, { [`quantity_${lineNo(view, 'skjaerefjol-eik')}`]: '1' })
    const total = view.order.totalAmount

    const tooMuch = await staff.post(`/admin/ordre/${id}/refunder`, { amount: String(total / 100 + 1) })
    expect(tooMuch.statusCode).toBe(400)
    expect(tooMuch.body).toContain('Beløpet må være mellom')
    expect((await staff.post(`/admin/ordre/${id}/refunder`, { amount: 'mye' })).statusCode).toBe(400)
    expect((await staff.post(`/admin/ordre/${id}/refunder`, { amount: '0' })).statusCode).toBe(400)

    expect((await staff.post(`/admin/ordre/${id}/refunder`, { amount: '100,50' })).statusCode).toBe(200)
    expect(await aggregate(reference)).toMatchObject({ refunded: 10_050 })
    const rest = total - 10_050
    const overRest = await staff.post(`/admin/ordre/${id}/refunder`, {
      amount: ((rest + 1) / 100).toFixed(2),
    })
    expect(overRest.statusCode).toBe(400)
    expect(
      (await staff.post(`/admin/ordre/${id}/refunder`, { amount: (rest / 100).toFixed(2) })).statusCode,
    ).toBe(200)
    expect(await aggregate(reference)).toMatchObject({ captured: total, refunded: total })
    expect((await env().shop.ctx.orders.get(id)).payment.refundedAmount).toBe(total)
    expect((await staff.post(`/admin/ordre/${id}/refunder`, { amount: '1' })).statusCode).toBe(409)
  })

  it('lists orders with their payment state, behind the admin login and CSRF', async () => {
    const e = env()
    const anonymous = await e.shop.app.inject({ url: '/admin' })
    expect(anonymous.statusCode).toBe(303)
    expect(anonymous.headers.location).toBe('/admin/logg-inn')
    const wrong = await e.shop.app.inject({
      method: 'POST',
      url: '/admin/logg-inn',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=butikksjef&password=feil',
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('Feil brukernavn eller passord')

    const { id } = await paidOrder([['handlenett', 1]])
    const staff = await signInAdmin(e)
    const list = await staff.get('/admin')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain('betalt (reservert)')
    const noCsrf = await e.shop.app.inject({
      method: 'POST',
      url: `/admin/ordre/${id}/kanseller`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: staff.cookie,
      },
      payload: '',
    })
    expect(noCsrf.statusCode).toBe(403)
    expect(await stateOf(id)).toBe('reserved')
  })
})
