import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import {
  call,
  control,
  createPayment,
  fieldsOf,
  getEvents,
  getPayment,
  KARI,
  newReference,
  OLA,
  orderLine,
  receiptOf,
} from './test-helpers.ts'

const webRedirect = { userFlow: 'WEB_REDIRECT', customer: undefined, returnUrl: 'https://shop.example/done' }
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!

describe('the phone: a user sees and answers payment requests', () => {
  it('shows a push payment on the customer’s phone, newest first, with what the app shows', async () => {
    const sb = await testSandbox()
    const changed: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changed.push(msisdn))
    const first = await createPayment(sb)
    const receipt = receiptOf(
      orderLine({ totalAmount: 5000, totalAmountExcludingTax: 4000, totalTaxAmount: 1000 }),
    )
    const second = await createPayment(sb, { amount: { currency: 'NOK', value: 5000 }, receipt })
    expect(changed).toEqual([KARI, KARI])

    const response = await control(sb, 'GET', `/_sandbox/users/${KARI}/payments`)
    expect(response.statusCode).toBe(200)
    const { payments } = response.json()
    expect(payments.map((p: { reference: string }) => p.reference)).toEqual([
      second.reference,
      first.reference,
    ])
    expect(payments[0]).toMatchObject({
      msn: '123456',
      merchantName: 'Kasse Demo Butikk',
      state: 'CREATED',
      amount: { currency: 'NOK', value: 5000 },
      aggregate: { authorizedAmount: { currency: 'NOK', value: 0 } },
      paymentDescription: 'Kaffe og bolle',
      receipt,
      userFlow: 'PUSH_MESSAGE',
      msisdn: KARI,
    })
    expect(Date.parse(payments[0].expiresAt) - Date.parse(payments[0].createdAt)).toBe(10 * 60_000)
    expect((await control(sb, 'GET', `/_sandbox/users/${OLA}/payments`)).json().payments).toEqual([])
  })

  it('answers 404 for a user who does not exist', async () => {
    const sb = await testSandbox()
    const response = await control(sb, 'GET', '/_sandbox/users/4700000000/payments')
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toContain('application/problem+json')
  })

  it('approves on the phone: AUTHORIZED for the merchant too', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const changed: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changed.push(msisdn))
    const response = await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${reference}/approve`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ state: 'AUTHORIZED', reference })
    expect(changed).toEqual([KARI])
    const merchantView = (await getPayment(sb, reference)).json()
    expect(merchantView.state).toBe('AUTHORIZED')
    expect(merchantView.aggregate.authorizedAmount.value).toBe(10_000)
  })

  it('rejects on the phone: ABORTED, and a second answer is 409', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const base = `/_sandbox/users/${KARI}/payments/123456/${reference}`
    const rejected = await control(sb, 'POST', `${base}/reject`)
    expect(rejected.statusCode).toBe(200)
    expect(rejected.json().state).toBe('ABORTED')
    const again = await control(sb, 'POST', `${base}/approve`)
    expect(again.statusCode).toBe(409)
    expect(again.json().title).toBe('Payment is not pending')
    expect((await getPayment(sb, reference)).json().state).toBe('ABORTED')
  })

  it('answers 404 when the payment is not on that user’s phone', async () => {
    const sb = await testSandbox()
    const { reference } = await createPayment(sb)
    const wrongUser = await control(sb, 'POST', `/_sandbox/users/${OLA}/payments/123456/${reference}/approve`)
    expect(wrongUser.statusCode).toBe(404)
    const noSuch = await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/nosuchref1/reject`)
    expect(noSuch.statusCode).toBe(404)
  })
})

describe('the landing page and payment QR codes', () => {
  it('shows the payment behind a WEB_REDIRECT token and puts it on the phone whose number is entered', async () => {
    const sb = await testSandbox()
    const { reference, redirectUrl } = await createPayment(sb, webRedirect)
    expect(redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:4010\/landing\?token=/)
    const token = tokenOf(redirectUrl!)

    const landing = await control(sb, 'GET', `/_sandbox/landing/${token}`)
    expect(landing.statusCode).toBe(200)
    expect(landing.json()).toMatchObject({
      reference,
      state: 'CREATED',
      returnUrl: 'https://shop.example/done',
    })
    expect(landing.json().msisdn).toBeUndefined()

    const changed: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changed.push(msisdn))
    const attached = await control(sb, 'POST', `/_sandbox/landing/${token}/user`, { msisdn: OLA })
    expect(attached.statusCode).toBe(200)
    expect(attached.json().msisdn).toBe(OLA)
    expect(changed).toEqual([OLA])
    const onPhone = (await control(sb, 'GET', `/_sandbox/users/${OLA}/payments`)).json().payments
    expect(onPhone.map((p: { reference: string }) => p.reference)).toEqual([reference])

    const approved = await control(sb, 'POST', `/_sandbox/users/${OLA}/payments/123456/${reference}/approve`)
    expect(approved.json().state).toBe('AUTHORIZED')
    const again = await control(sb, 'POST', `/_sandbox/landing/${token}/user`, { msisdn: OLA })
    expect(again.statusCode).toBe(409)
  })

  it('refuses a number without the app, naming msisdn, and an unknown token with 404', async () => {
    const sb = await testSandbox()
    const { redirectUrl } = await createPayment(sb, webRedirect)
    const noApp = await control(sb, 'POST', `/_sandbox/landing/${tokenOf(redirectUrl!)}/user`, {
      msisdn: '4700000000',
    })
    expect(noApp.statusCode).toBe(400)
    expect(noApp.json().title).toBe('Customer not found')
    expect(fieldsOf(noApp)).toEqual(['msisdn'])
    expect((await control(sb, 'GET', '/_sandbox/landing/no-such-token')).statusCode).toBe(404)
  })

  it('attaches a QR payment to the phone that scans its code', async () => {
    const sb = await testSandbox()
    const { reference, redirectUrl } = await createPayment(sb, {
      userFlow: 'QR',
      customer: undefined,
      qrFormat: { format: 'TEXT/TARGETURL' },
    })
    const scanned = await control(sb, 'POST', `/_sandbox/users/${KARI}/scan`, { content: redirectUrl })
    expect(scanned.statusCode).toBe(200)
    expect(scanned.json()).toMatchObject({ reference, msisdn: KARI, userFlow: 'QR' })
  })

  it('refuses to scan what is no payment code, or a payment no longer pending, naming content', async () => {
    const sb = await testSandbox()
    const garbage = await control(sb, 'POST', `/_sandbox/users/${KARI}/scan`, { content: 'hello' })
    expect(garbage.statusCode).toBe(400)
    expect(fieldsOf(garbage)).toEqual(['content'])

    const { reference, redirectUrl } = await createPayment(sb, { userFlow: 'QR', customer: undefined })
    await call(sb, { url: `/epayment/v1/payments/${reference}/cancel`, method: 'POST' })
    const late = await control(sb, 'POST', `/_sandbox/users/${KARI}/scan`, { content: redirectUrl })
    expect(late.statusCode).toBe(400)
    expect(fieldsOf(late)).toEqual(['content'])
  })

  it('moves a pending payment to the last phone that claims it, telling both phones', async () => {
    const sb = await testSandbox()
    const { redirectUrl } = await createPayment(sb, webRedirect)
    const token = tokenOf(redirectUrl!)
    await control(sb, 'POST', `/_sandbox/landing/${token}/user`, { msisdn: KARI })
    const changed: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changed.push(msisdn))
    await control(sb, 'POST', `/_sandbox/users/${OLA}/scan`, { content: redirectUrl })
    expect(changed.sort()).toEqual([KARI, OLA].sort())
    expect((await control(sb, 'GET', `/_sandbox/users/${KARI}/payments`)).json().payments).toEqual([])
  })
})

describe('payment listings and settings', () => {
  it('lists payments filtered by MSN, state and user, and shows one with its events', async () => {
    const sb = await testSandbox()
    const push = await createPayment(sb)
    const web = await createPayment(sb, webRedirect)
    await control(sb, 'POST', `/_sandbox/users/${KARI}/payments/123456/${push.reference}/approve`)

    const refs = async (query: string) =>
      (await control(sb, 'GET', `/_sandbox/payments${query}`))
        .json()
        .payments.map((p: { reference: string }) => p.reference)
    expect(await refs('')).toEqual([web.reference, push.reference])
    expect(await refs('?state=AUTHORIZED')).toEqual([push.reference])
    expect(await refs('?state=CREATED&msn=123456')).toEqual([web.reference])
    expect(await refs(`?msisdn=${KARI}`)).toEqual([push.reference])
    expect(await refs('?msn=999999')).toEqual([])
    expect((await control(sb, 'GET', '/_sandbox/payments?state=PENDING')).statusCode).toBe(400)

    const one = await control(sb, 'GET', `/_sandbox/payments/123456/${push.reference}`)
    expect(one.statusCode).toBe(200)
    expect(one.json().events.map((e: { name: string }) => e.name)).toEqual(['CREATED', 'AUTHORIZED'])
    expect((await control(sb, 'GET', '/_sandbox/payments/123456/nosuchref1')).statusCode).toBe(404)
  })

  it('changes the payment lifetime and rate limits at run time, and reset restores them', async () => {
    const sb = await testSandbox()
    const patched = await control(sb, 'PATCH', '/_sandbox/settings', {
      paymentLifetimeMs: 60_000,
      rateLimits: { writesPerMinute: 2 },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).toEqual({
      paymentLifetimeMs: 60_000,
      rateLimits: { enabled: true, writesPerMinute: 2, readsPerMinute: 120 },
    })
    const { reference } = await createPayment(sb)
    sb.ctx.clock.advance(60_000)
    expect((await getPayment(sb, reference)).json().state).toBe('EXPIRED')

    const bad = await control(sb, 'PATCH', '/_sandbox/settings', { rateLimits: { writesPerMinute: 0 } })
    expect(bad.statusCode).toBe(400)
    expect(fieldsOf(bad)).toEqual(['rateLimits.writesPerMinute'])

    await control(sb, 'POST', '/_sandbox/reset')
    expect((await control(sb, 'GET', '/_sandbox/settings')).json().paymentLifetimeMs).toBe(600_000)
    expect((await getPayment(sb, reference)).statusCode).toBe(404)
    expect((await getEvents(sb, newReference())).statusCode).toBe(404)
  })
})
