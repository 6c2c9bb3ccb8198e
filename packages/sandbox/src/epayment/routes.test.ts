import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { pseudonymousSub } from './service.ts'
import {
  authorizedPayment,
  call,
  cancel,
  control,
  createPayment,
  DANISH_MERCHANT,
  fieldsOf,
  getEvents,
  getPayment,
  KARI,
  modify,
  newReference,
  OLA,
  orderLine,
  pushRequest,
  receiptOf,
} from './test-helpers.ts'

const eventNames = async (sb: TestSandbox, reference: string) =>
  (await getEvents(sb, reference)).json().map((e: { name: string }) => e.name)

const aggregateValues = async (sb: TestSandbox, reference: string) => {
  const { aggregate } = (await getPayment(sb, reference)).json()
  return {
    authorized: aggregate.authorizedAmount.value,
    cancelled: aggregate.cancelledAmount.value,
    captured: aggregate.capturedAmount.value,
    refunded: aggregate.refundedAmount.value,
  }
}

const withDanishMerchant = async () => {
  const sb = await testSandbox()
  sb.ctx.directory.upsertMerchant(DANISH_MERCHANT)
  return sb
}

const receipt = receiptOf(orderLine())

describe('POST /epayment/v1/payments', () => {
  it('creates a push payment: 201 with the reference and no redirectUrl, CREATED with the key', async () => {
    const sb = await testSandbox()
    const key = randomUUID()
    const body = pushRequest({ metadata: { orderId: 'A-17' } })
    const response = await call(sb, { url: '/epayment/v1/payments', body, key })
    expect(response.statusCode).toBe(201)
    expect(response.json()).toEqual({ reference: body.reference })

    const payment = (await getPayment(sb, body.reference as string)).json()
    expect(payment).toMatchObject({
      state: 'CREATED',
      amount: { currency: 'NOK', value: 10_000 },
      paymentMethod: { type: 'WALLET' },
      profile: {},
      reference: body.reference,
      metadata: { orderId: 'A-17' },
    })
    expect(payment.pspReference).toMatch(/^\d+$/)
    const [created] = (await getEvents(sb, body.reference as string)).json()
    expect(created).toMatchObject({ name: 'CREATED', idempotencyKey: key, success: true })
    expect(created.pspReference).toBe(payment.pspReference)
  })

  it('emits each recorded event with the MSN for the webhooks', async () => {
    const sb = await testSandbox()
    const emitted: Array<{ msn: string; name: string }> = []
    sb.ctx.events.on('epayment.event', (event) => emitted.push(event))
    const reference = await authorizedPayment(sb)
    await modify(sb, reference, 'capture', 10_000)
    expect(emitted.map((e) => [e.msn, e.name])).toEqual([
      ['123456', 'CREATED'],
      ['123456', 'AUTHORIZED'],
      ['123456', 'CAPTURED'],
    ])
    expect((await getEvents(sb, reference)).json()).toEqual(emitted.map(({ msn: _msn, ...event }) => event))
  })

  it('gives a WEB_REDIRECT payment a landing redirectUrl, a QR payment an image or the URL itself, NATIVE a deeplink', async () => {
    const sb = await testSandbox()
    const redirect = (overrides: Record<string, unknown>) =>
      createPayment(sb, { customer: undefined, ...overrides }).then((r) => r.redirectUrl)
    expect(await redirect({ userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' })).toMatch(
      /^http:\/\/127\.0\.0\.1:4010\/landing\?token=[\w-]+$/,
    )
    expect(await redirect({ userFlow: 'QR' })).toMatch(/^http:\/\/127\.0\.0\.1:4010\/qr-image\/v1\?token=/)
    expect(await redirect({ userFlow: 'QR', qrFormat: { format: 'TEXT/TARGETURL' } })).toMatch(
      /\/landing\?token=/,
    )
    expect(await redirect({ userFlow: 'NATIVE_REDIRECT' })).toMatch(/^vipps-sandbox:\/\/payment\?token=/)
  })

  it('puts a push payment to a personal QR on that user’s phone', async () => {
    const sb = await testSandbox()
    const personalQr = sb.ctx.personalQr.current(OLA)
    const { reference } = await createPayment(sb, { customer: { personalQr } })
    const onPhone = (await control(sb, 'GET', `/_sandbox/users/${OLA}/payments`)).json().payments
    expect(onPhone.map((p: { reference: string }) => p.reference)).toEqual([reference])
  })

  it('answers "Customer not found" for a number without the app or a personal QR of nobody', async () => {
    const sb = await testSandbox()
    const noApp = await call(sb, {
      url: '/epayment/v1/payments',
      body: pushRequest({ customer: { phoneNumber: '4700000000' } }),
    })
    expect(noApp.statusCode).toBe(400)
    expect(noApp.json().title).toBe('Customer not found')
    expect(fieldsOf(noApp)).toEqual(['customer.phoneNumber'])
    const nobody = await call(sb, {
      url: '/epayment/v1/payments',
      body: pushRequest({ customer: { personalQr: 'https://qr.vipps.no/p/AAAAAAAAAAAAAAAAAAAAAAAA' } }),
    })
    expect(nobody.statusCode).toBe(400)
    expect(fieldsOf(nobody)).toEqual(['customer.personalQr'])
  })

  it('requires an Idempotency-Key of at most 50 characters, naming the header', async () => {
    const sb = await testSandbox()
    const missing = await call(sb, { url: '/epayment/v1/payments', body: pushRequest(), key: null })
    expect(missing.statusCode).toBe(400)
    expect(fieldsOf(missing)).toEqual(['Idempotency-Key'])
    const long = await call(sb, { url: '/epayment/v1/payments', body: pushRequest(), key: 'k'.repeat(51) })
    expect(long.statusCode).toBe(400)
    expect(fieldsOf(long)).toEqual(['Idempotency-Key'])
  })

  it('needs the MSN header and valid credentials (the gateway)', async () => {
    const sb = await testSandbox()
    const headers = await sb.headers(undefined, { 'idempotency-key': 'k1' })
    delete headers['merchant-serial-number']
    const noMsn = await sb.app.inject({
      method: 'POST',
      url: '/epayment/v1/payments',
      headers,
      payload: pushRequest(),
    })
    expect(noMsn.statusCode).toBe(400)
    expect(fieldsOf(noMsn)).toEqual(['Merchant-Serial-Number'])
    const noToken = await sb.app.inject({
      method: 'POST',
      url: '/epayment/v1/payments',
      headers: { 'ocp-apim-subscription-key': 'test-subscription-key', 'merchant-serial-number': '123456' },
      payload: pushRequest(),
    })
    expect(noToken.statusCode).toBe(401)
  })
})

describe('idempotency', () => {
  it('replays a create retried with the same key and body: same answer, no second event', async () => {
    const sb = await testSandbox()
    const key = randomUUID()
    const body = pushRequest({
      userFlow: 'WEB_REDIRECT',
      customer: undefined,
      returnUrl: 'https://shop.example/r',
    })
    const first = await call(sb, { url: '/epayment/v1/payments', body, key })
    const second = await call(sb, { url: '/epayment/v1/payments', body, key })
    expect(second.statusCode).toBe(201)
    expect(second.json()).toEqual(first.json())
    expect(await eventNames(sb, body.reference as string)).toEqual(['CREATED'])
  })

  it('answers 409 for a used reference under a new key, and for the same key with another body', async () => {
    const sb = await testSandbox()
    const key = randomUUID()
    const body = pushRequest()
    await call(sb, { url: '/epayment/v1/payments', body, key })
    const newKey = await call(sb, { url: '/epayment/v1/payments', body })
    expect(newKey.statusCode).toBe(409)
    expect(newKey.json().title).toBe('Reference already exists')
    const changed = await call(sb, {
      url: '/epayment/v1/payments',
      body: { ...body, amount: { currency: 'NOK', value: 20_000 } },
      key,
    })
    expect(changed.statusCode).toBe(409)
    expect(changed.json().title).toBe('Create idempotency conflict')
    expect(await eventNames(sb, body.reference as string)).toEqual(['CREATED'])
  })

  it('lets another merchant use the same reference', async () => {
    const sb = await withDanishMerchant()
    const body = pushRequest()
    expect((await call(sb, { url: '/epayment/v1/payments', body })).statusCode).toBe(201)
    const danish = { ...body, amount: { currency: 'DKK', value: 500 } }
    expect(
      (await call(sb, { url: '/epayment/v1/payments', body: danish, merchant: DANISH_MERCHANT })).statusCode,
    ).toBe(201)
  })

  it('replays a capture, a refund and a cancel with the same key; a different body is a 409 conflict', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    const captureKey = randomUUID()
    const captured = await modify(sb, reference, 'capture', 4000, captureKey)
    expect(captured.statusCode).toBe(200)
    const again = await modify(sb, reference, 'capture', 4000, captureKey)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual(captured.json())
    const conflict = await modify(sb, reference, 'capture', 5000, captureKey)
    expect(conflict.statusCode).toBe(409)
    expect(conflict.json().title).toBe('Capture idempotency conflict')

    const refundKey = randomUUID()
    expect((await modify(sb, reference, 'refund', 1000, refundKey)).statusCode).toBe(200)
    expect((await modify(sb, reference, 'refund', 1000, refundKey)).statusCode).toBe(200)
    const refundConflict = await modify(sb, reference, 'refund', 2000, refundKey)
    expect(refundConflict.statusCode).toBe(409)
    expect(refundConflict.json().title).toBe('Refund idempotency conflict')

    const cancelKey = randomUUID()
    expect((await cancel(sb, reference, undefined, cancelKey)).statusCode).toBe(200)
    expect((await cancel(sb, reference, undefined, cancelKey)).statusCode).toBe(200)
    const cancelConflict = await cancel(sb, reference, { cancelTransactionOnly: true }, cancelKey)
    expect(cancelConflict.statusCode).toBe(409)
    expect(cancelConflict.json().title).toBe('Cancel idempotency conflict')

    expect(await eventNames(sb, reference)).toEqual([
      'CREATED',
      'AUTHORIZED',
      'CAPTURED',
      'REFUNDED',
      'CANCELLED',
    ])
    expect(await aggregateValues(sb, reference)).toEqual({
      authorized: 10_000,
      cancelled: 6000,
      captured: 4000,
      refunded: 1000,
    })
  })

  it('takes one effect from two identical captures sent at once', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    const key = randomUUID()
    const [a, b] = await Promise.all([
      modify(sb, reference, 'capture', 10_000, key),
      modify(sb, reference, 'capture', 10_000, key),
    ])
    expect([a.statusCode, b.statusCode]).toEqual([200, 200])
    expect(await eventNames(sb, reference)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED'])
  })

  it('judges a refused request afresh when retried with its key', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const key = randomUUID()
    const early = await modify(sb, reference, 'capture', 10_000, key)
    expect(early.json().title).toBe('Cannot capture before reservation')
    await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/approve`)
    expect((await modify(sb, reference, 'capture', 10_000, key)).statusCode).toBe(200)
  })

  it('ignores an Idempotency-Key on a GET', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const response = await call(sb, { url: `/epayment/v1/payments/${reference}`, key: 'some-key' })
    expect(response.statusCode).toBe(200)
  })
})

describe('GET payment and events', () => {
  it('answers 404 "Reference not found" for an unknown reference and for another merchant’s', async () => {
    const sb = await withDanishMerchant()
    const { reference } = await createPayment(sb)
    const unknown = await getPayment(sb, newReference())
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().title).toBe('Reference not found')
    expect(unknown.json().detail).toContain('does not exist for MSN 123456')

    const foreign = await getPayment(sb, reference, DANISH_MERCHANT)
    expect(foreign.statusCode).toBe(404)
    expect(foreign.json().detail).toContain('for MSN 223344')
    const foreignEvents = await call(sb, {
      url: `/epayment/v1/payments/${reference}/events`,
      key: null,
      merchant: DANISH_MERCHANT,
    })
    expect(foreignEvents.statusCode).toBe(404)
    const foreignCapture = await call(sb, {
      url: `/epayment/v1/payments/${reference}/capture`,
      body: { modificationAmount: { currency: 'DKK', value: 100 } },
      merchant: DANISH_MERCHANT,
    })
    expect(foreignCapture.statusCode).toBe(404)
  })

  it('refuses a malformed reference in the path, naming it', async () => {
    const sb = await testSandbox()
    const response = await getPayment(sb, 'short')
    expect(response.statusCode).toBe(400)
    expect(new Set(fieldsOf(response))).toEqual(new Set(['params.reference']))
  })

  it('shows profile.sub once the user approves a payment that asked for a scope, stable per merchant', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb, { profile: { scope: 'name phoneNumber' } })
    expect((await getPayment(sb, reference)).json().profile).toEqual({})
    await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/approve`)
    const { sub } = (await getPayment(sb, reference)).json().profile
    expect(sub).toBe(pseudonymousSub('123456', KARI))
    expect(sub).not.toBe(pseudonymousSub('223344', KARI))
    const plain = await authorizedPayment(sb)
    expect((await getPayment(sb, plain)).json().profile).toEqual({})
  })
})

describe('capture', () => {
  it('captures in parts up to the authorized amount, then "Capture amount too high"', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    const first = await modify(sb, reference, 'capture', 6000)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({
      reference,
      state: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 10_000 },
      aggregate: { capturedAmount: { currency: 'NOK', value: 6000 } },
    })
    expect((await modify(sb, reference, 'capture', 4000)).statusCode).toBe(200)
    const tooHigh = await modify(sb, reference, 'capture', 1)
    expect(tooHigh.statusCode).toBe(400)
    expect(tooHigh.json().title).toBe('Capture amount too high')
    expect(tooHigh.json().type).toMatch(/#capture-amount-too-high$/)
    expect(await eventNames(sb, reference)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'CAPTURED'])
  })

  it('refuses before the user approved, and after a cancel', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const early = await modify(sb, reference, 'capture', 100)
    expect(early.statusCode).toBe(400)
    expect(early.json().title).toBe('Cannot capture before reservation')

    const authorized = await authorizedPayment(sb)
    await cancel(sb, authorized)
    const late = await modify(sb, authorized, 'capture', 100)
    expect(late.json().title).toBe('Cannot capture a cancelled payment')

    await cancel(sb, reference)
    expect((await modify(sb, reference, 'capture', 100)).json().title).toBe(
      'Cannot capture a cancelled payment',
    )
    expect(await eventNames(sb, reference)).toEqual(['CREATED', 'TERMINATED'])
  })

  it('refuses an aborted payment, a zero amount and another currency, naming the field', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/reject`)
    expect((await modify(sb, reference, 'capture', 100)).json().title).toBe('Payment cannot be captured')

    const authorized = await authorizedPayment(sb)
    const zero = await modify(sb, authorized, 'capture', 0)
    expect(zero.statusCode).toBe(400)
    expect(fieldsOf(zero)).toEqual(['modificationAmount.value'])
    const euros = await call(sb, {
      url: `/epayment/v1/payments/${authorized}/capture`,
      body: { modificationAmount: { currency: 'EUR', value: 100 } },
    })
    expect(euros.statusCode).toBe(400)
    expect(fieldsOf(euros)).toEqual(['modificationAmount.currency'])
    const noBody = await call(sb, { method: 'POST', url: `/epayment/v1/payments/${authorized}/capture` })
    expect(noBody.statusCode).toBe(400)
    expect(await eventNames(sb, authorized)).toEqual(['CREATED', 'AUTHORIZED'])
  })

  it('refuses a capture more than 180 days after approval', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    sb.ctx.clock.advance(181 * 86_400_000)
    // The cached access token has long expired by now; a fresh one, as a client would fetch.
    const { token } = sb.ctx.tokens.issue('test-client-id')
    const late = await call(sb, {
      url: `/epayment/v1/payments/${reference}/capture`,
      body: { modificationAmount: { currency: 'NOK', value: 100 } },
      headers: { authorization: `Bearer ${token}` },
    })
    expect(late.json().title).toBe('Capture period expired')
  })
})

describe('cancel', () => {
  it('terminates a payment the user has not answered: cancelledAmount is the amount, the create key on the event', async () => {
    const sb = await testSandbox()
    const { reference, key } = await createPayment(sb)
    const response = await cancel(sb, reference)
    expect(response.statusCode).toBe(200)
    expect(response.json().state).toBe('TERMINATED')
    expect(await aggregateValues(sb, reference)).toEqual({
      authorized: 0,
      cancelled: 10_000,
      captured: 0,
      refunded: 0,
    })
    const events = (await getEvents(sb, reference)).json()
    expect(events[1]).toMatchObject({ name: 'TERMINATED', idempotencyKey: key, amount: { value: 10_000 } })
    expect((await cancel(sb, reference)).json().title).toBe('Payment cannot be cancelled')
  })

  it('after approval releases the whole uncaptured rest, keeps AUTHORIZED, and refuses a second cancel', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    await modify(sb, reference, 'capture', 2500)
    const key = randomUUID()
    const response = await cancel(sb, reference, { cancelTransactionOnly: false }, key)
    expect(response.statusCode).toBe(200)
    expect(response.json().state).toBe('AUTHORIZED')
    expect(await aggregateValues(sb, reference)).toEqual({
      authorized: 10_000,
      cancelled: 7500,
      captured: 2500,
      refunded: 0,
    })
    const events = (await getEvents(sb, reference)).json()
    expect(events.at(-1)).toMatchObject({ name: 'CANCELLED', amount: { value: 7500 }, idempotencyKey: key })
    expect((await cancel(sb, reference)).json().title).toBe('Payment cannot be cancelled')
  })

  it('refuses to cancel a fully captured payment, and cancelTransactionOnly after approval', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    const onlyTransaction = await cancel(sb, reference, { cancelTransactionOnly: true })
    expect(onlyTransaction.statusCode).toBe(400)
    expect(onlyTransaction.json().title).toBe('Cannot cancel authorized payment')
    await modify(sb, reference, 'capture', 10_000)
    const captured = await cancel(sb, reference)
    expect(captured.statusCode).toBe(400)
    expect(captured.json().title).toBe('Cannot cancel a captured payment')
    expect(await eventNames(sb, reference)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED'])
  })

  it('refuses to cancel an expired payment', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    sb.ctx.clock.advance(sb.ctx.config.paymentLifetimeMs)
    const response = await cancel(sb, reference)
    expect(response.statusCode).toBe(400)
    expect(response.json().detail).toContain('EXPIRED')
  })

  it('refuses a body that is not the cancel request', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    const response = await cancel(sb, reference, { cancelTransactionOnly: 'yes' })
    expect(response.statusCode).toBe(400)
    expect(fieldsOf(response)).toEqual(['cancelTransactionOnly'])
  })
})

describe('refund', () => {
  it('refunds in parts up to what is captured, then "Payment already refunded"', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    await modify(sb, reference, 'capture', 8000)
    const tooMuch = await modify(sb, reference, 'refund', 8001)
    expect(tooMuch.statusCode).toBe(400)
    expect(tooMuch.json().title).toBe('Not enough refundable')
    expect((await modify(sb, reference, 'refund', 3000)).statusCode).toBe(200)
    const rest = await modify(sb, reference, 'refund', 5000)
    expect(rest.json().aggregate.refundedAmount.value).toBe(8000)
    expect((await modify(sb, reference, 'refund', 1)).json().title).toBe('Payment already refunded')
    expect(await eventNames(sb, reference)).toEqual([
      'CREATED',
      'AUTHORIZED',
      'CAPTURED',
      'REFUNDED',
      'REFUNDED',
    ])
  })

  it('refuses before anything is captured and before approval', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    expect((await modify(sb, reference, 'refund', 100)).json().title).toBe('Not enough refundable')
    const { reference: pending } = await createPayment(sb)
    expect((await modify(sb, pending, 'refund', 100)).json().title).toBe('Payment cannot be refunded')
  })
})

describe('expiry', () => {
  it('expires a payment the user does not answer once the sandbox clock passes its lifetime', async () => {
    const sb = await testSandbox()
    const changed: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changed.push(msisdn))
    const { reference, key } = await createPayment(sb)
    sb.ctx.clock.advance(sb.ctx.config.paymentLifetimeMs - 1000)
    expect((await getPayment(sb, reference)).json().state).toBe('CREATED')
    const emitted: string[] = []
    sb.ctx.events.on('epayment.event', (event) => emitted.push(event.name))
    sb.ctx.clock.advance(1000)
    // Expired by the clock itself, before anyone reads the payment.
    expect(emitted).toEqual(['EXPIRED'])
    expect(changed).toEqual([KARI, KARI])
    expect((await getPayment(sb, reference)).json().state).toBe('EXPIRED')
    expect((await getEvents(sb, reference)).json()[1]).toMatchObject({ name: 'EXPIRED', idempotencyKey: key })
    const approve = await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/approve`)
    expect(approve.statusCode).toBe(409)
  })

  it('expires at expiresAt instead, when given', async () => {
    const sb = await testSandbox()
    const expiresAt = new Date(sb.ctx.clock.now() + 30 * 60_000).toISOString()
    const { reference } = await createPayment(sb, { expiresAt, receipt })
    sb.ctx.clock.advance(20 * 60_000)
    expect((await getPayment(sb, reference)).json().state).toBe('CREATED')
    sb.ctx.clock.advance(10 * 60_000)
    expect((await getPayment(sb, reference)).json().state).toBe('EXPIRED')
  })

  it('leaves an approved payment alone when its time passes', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb)
    sb.ctx.clock.advance(sb.ctx.config.paymentLifetimeMs * 2)
    expect(await eventNames(sb, reference)).toEqual(['CREATED', 'AUTHORIZED'])
  })
})

describe('POST /epayment/v1/test/payments/:reference/approve', () => {
  const forceApprove = (sb: TestSandbox, reference: string, body?: unknown) =>
    call(sb, {
      method: 'POST',
      url: `/epayment/v1/test/payments/${reference}/approve`,
      key: null,
      ...(body === undefined ? {} : { body }),
    })

  it('approves a push payment as its customer: 200 with no body', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const response = await forceApprove(sb, reference)
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('')
    expect((await getPayment(sb, reference)).json().state).toBe('AUTHORIZED')
  })

  it('approves a redirect payment by its token as the given customer, who then sees it', async () => {
    const sb = await testSandbox()
    const { reference, redirectUrl } = await createPayment(sb, {
      userFlow: 'WEB_REDIRECT',
      customer: undefined,
      returnUrl: 'https://shop.example/r',
    })
    const token = new URL(redirectUrl!).searchParams.get('token')
    const noCustomer = await forceApprove(sb, reference, { token })
    expect(noCustomer.statusCode).toBe(400)
    expect(fieldsOf(noCustomer)).toEqual(['customer'])
    const wrongToken = await forceApprove(sb, reference, { token: 'nope', customer: { phoneNumber: OLA } })
    expect(wrongToken.statusCode).toBe(400)
    expect(fieldsOf(wrongToken)).toEqual(['token'])
    expect((await forceApprove(sb, reference, { token, customer: { phoneNumber: OLA } })).statusCode).toBe(
      200,
    )
    const phone = (await control(sb, 'GET', `/_sandbox/users/${OLA}/payments`)).json().payments
    expect(phone[0]).toMatchObject({ reference, state: 'AUTHORIZED', msisdn: OLA })
  })

  it('refuses an unknown customer, two identifiers, and a payment already approved', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const unknown = await forceApprove(sb, reference, { customer: { phoneNumber: '4700000000' } })
    expect(unknown.json().title).toBe('Customer not found')
    const both = await forceApprove(sb, reference, { customer: { phoneNumber: KARI, customerToken: 'abc' } })
    expect(both.statusCode).toBe(400)
    expect(fieldsOf(both)).toEqual(['customer'])
    await forceApprove(sb, reference)
    const again = await forceApprove(sb, reference)
    expect(again.statusCode).toBe(400)
    expect(again.json().title).toBe('Payment is already reserved')
    expect((await forceApprove(sb, newReference())).statusCode).toBe(404)
  })
})

describe('rate limits', () => {
  it('refuses the sixth write a minute on one reference with 429 and Retry-After, then recovers on the clock', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb, 100_000)
    for (let i = 0; i < 5; i++) expect((await modify(sb, reference, 'capture', 100)).statusCode).toBe(200)
    const limited = await modify(sb, reference, 'capture', 100)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ statusCode: 429 })
    const wait = Number(limited.headers['retry-after'])
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(60)
    // Another reference and another operation have their own budgets.
    expect((await modify(sb, reference, 'refund', 100)).statusCode).toBe(200)
    expect((await createPayment(sb)).reference).toBeDefined()

    sb.ctx.clock.advance(wait * 1000)
    expect((await modify(sb, reference, 'capture', 100)).statusCode).toBe(200)
  })

  it('allows 120 reads a minute per reference', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    for (let i = 0; i < 120; i++) expect((await getPayment(sb, reference)).statusCode).toBe(200)
    const limited = await getPayment(sb, reference)
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
    expect((await getEvents(sb, reference)).statusCode).toBe(200)
    sb.ctx.clock.advance(60_000)
    expect((await getPayment(sb, reference)).statusCode).toBe(200)
  })

  it('can be switched off and tuned at run time', async () => {
    const sb = await testSandbox()
    const reference = await authorizedPayment(sb, 100_000)
    await control(sb, 'PATCH', '/_sandbox/settings', { rateLimits: { enabled: false } })
    for (let i = 0; i < 8; i++) expect((await modify(sb, reference, 'capture', 100)).statusCode).toBe(200)
    await control(sb, 'PATCH', '/_sandbox/settings', { rateLimits: { enabled: true, writesPerMinute: 1 } })
    expect((await modify(sb, reference, 'refund', 100)).statusCode).toBe(200)
    expect((await modify(sb, reference, 'refund', 100)).statusCode).toBe(429)
  })
})

describe('GET /qr-image/v1', () => {
  it('serves the QR image of a QR payment: SVG by default, PNG when asked', async () => {
    const sb = await testSandbox()
    const path = (url: string) => url.replace(sb.ctx.publicUrl, '')
    const svg = await createPayment(sb, { userFlow: 'QR', customer: undefined })
    const svgImage = await sb.app.inject({ url: path(svg.redirectUrl!) })
    expect(svgImage.statusCode).toBe(200)
    expect(svgImage.headers['content-type']).toContain('image/svg+xml')
    expect(svgImage.body).toContain('<svg')

    const png = await createPayment(sb, {
      userFlow: 'QR',
      customer: undefined,
      qrFormat: { format: 'IMAGE/PNG', size: 200 },
    })
    const pngImage = await sb.app.inject({ url: path(png.redirectUrl!) })
    expect(pngImage.headers['content-type']).toBe('image/png')
    expect(pngImage.rawPayload.subarray(1, 4).toString()).toBe('PNG')
    // Width and height sit at bytes 16..24 of the IHDR chunk.
    expect(pngImage.rawPayload.readUInt32BE(16)).toBe(200)

    expect((await sb.app.inject({ url: '/qr-image/v1?token=unknown' })).statusCode).toBe(404)
  })
})
