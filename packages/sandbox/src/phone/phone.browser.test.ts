/**
 * What a person does on the simulated phone and the landing page, in a real
 * headless Chromium against a sandbox listening on a port. Payments are made
 * through the ePayment API as a merchant would; the person answers on the page.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { textOf, usePages } from '../../test/browser.ts'
import { useListeningSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'

const KARI = '4712345678'

const { open: openPage, openPhone: openPhoneOf } = usePages(() => sandbox().url)
const { sandbox } = useListeningSandbox()
let accessToken: string

beforeAll(async () => {
  const response = await fetch(`${sandbox().url}/accesstoken/get`, {
    method: 'POST',
    headers: {
      client_id: DEFAULT_MERCHANT.clientId,
      client_secret: DEFAULT_MERCHANT.clientSecret,
      'ocp-apim-subscription-key': DEFAULT_MERCHANT.subscriptionKey,
    },
  })
  accessToken = (await response.json()).access_token
})

const openPhone = (msisdn = KARI) => openPhoneOf(msisdn)

async function merchantApi(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox().url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      'ocp-apim-subscription-key': DEFAULT_MERCHANT.subscriptionKey,
      'merchant-serial-number': DEFAULT_MERCHANT.msn,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

const RECEIPT = {
  orderLines: [
    {
      name: 'Kaffebønner 500 g',
      id: 'KB-500',
      totalAmount: 20000,
      totalAmountExcludingTax: 17391,
      totalTaxAmount: 2609,
      taxRate: 1500,
      unitInfo: { unitPrice: 10000, quantity: '2' },
    },
    {
      name: 'Kaffekopp',
      id: 'KK-1',
      totalAmount: 14900,
      totalAmountExcludingTax: 11920,
      totalTaxAmount: 2980,
      taxRate: 2500,
      unitInfo: { unitPrice: 14900, quantity: '1' },
    },
  ],
  bottomLine: { currency: 'NOK', posId: 'kasse-1', receiptNumber: '1042' },
}

/** RECEIPT as the phone and the landing page show it, under `root`. */
async function expectReceipt(root: Locator) {
  const lines = root.locator('.receipt-line')
  expect(await lines.count()).toBe(2)
  const first = await textOf(lines.nth(0))
  expect(first).toContain('Kaffebønner 500 g')
  expect(first).toContain('2 × kr 100,00')
  expect(first).toContain('VAT 15 %')
  expect(first).toContain('kr 200,00')
  const second = await textOf(lines.nth(1))
  expect(second).toContain('Kaffekopp')
  expect(second).toContain('1 × kr 149,00')
  expect(second).toContain('VAT 25 %')
  expect(await textOf(root.locator('.receipt-total'))).toBe('kr 349,00')
  expect(await textOf(root.locator('.receipt-vat'))).toBe('kr 55,89')
}

async function createPayment(fields: Record<string, unknown>) {
  const reference = `phone-${randomUUID()}`
  const created = await merchantApi('POST', '/epayment/v1/payments', {
    amount: { currency: 'NOK', value: 34900 },
    paymentMethod: { type: 'WALLET' },
    reference,
    ...fields,
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return { reference, redirectUrl: created.body.redirectUrl as string | undefined }
}

const pushPayment = (description = 'Kaffe og kopp') =>
  createPayment({
    userFlow: 'PUSH_MESSAGE',
    customer: { phoneNumber: KARI },
    paymentDescription: description,
    receipt: RECEIPT,
  })

const stateOf = async (reference: string) =>
  (await merchantApi('GET', `/epayment/v1/payments/${reference}`)).body.state as string

describe('the simulated phone', () => {
  it('shows a payment request live with its receipt, and approving it authorizes the payment', async () => {
    const phone = await openPhone()
    await phone.locator('#no-requests').waitFor()

    const { reference } = await pushPayment()

    const card = phone.locator(`[data-testid="payment-request"][data-reference="${reference}"]`)
    await card.waitFor()
    expect(await textOf(card.locator('.merchant'))).toBe(DEFAULT_MERCHANT.name)
    expect(await textOf(card.locator('.amount'))).toBe('kr 349,00')
    expect(await textOf(card.locator('.description'))).toBe('Kaffe og kopp')
    await expectReceipt(card)

    await card.locator('button.approve').click()

    await card.waitFor({ state: 'detached' })
    const history = phone.locator(`[data-testid="history-item"][data-reference="${reference}"]`)
    await history.locator('.history-state[data-word="approved"]').waitFor()
    expect(await stateOf(reference)).toBe('AUTHORIZED')
  })

  it('rejecting a request aborts the payment and the history says rejected', async () => {
    const { reference } = await pushPayment()
    const phone = await openPhone()
    const card = phone.locator(`[data-testid="payment-request"][data-reference="${reference}"]`)

    await card.locator('button.reject').click()

    await phone
      .locator(
        `[data-testid="history-item"][data-reference="${reference}"] .history-state[data-word="rejected"]`,
      )
      .waitFor()
    expect(await stateOf(reference)).toBe('ABORTED')
  })

  it('follows the payment after approval: captured, then refunded, in words', async () => {
    const { reference } = await pushPayment()
    const phone = await openPhone()
    await phone.locator(`[data-reference="${reference}"] button.approve`).click()
    const badge = phone.locator(`[data-testid="history-item"][data-reference="${reference}"] .history-state`)
    await phone.locator(`[data-reference="${reference}"] .history-state[data-word="approved"]`).waitFor()

    const amount = { currency: 'NOK', value: 34900 }
    expect(
      (
        await merchantApi('POST', `/epayment/v1/payments/${reference}/capture`, {
          modificationAmount: amount,
        })
      ).status,
    ).toBe(200)
    await phone.locator(`[data-reference="${reference}"] .history-state[data-word="captured"]`).waitFor()
    expect(
      (await merchantApi('POST', `/epayment/v1/payments/${reference}/refund`, { modificationAmount: amount }))
        .status,
    ).toBe(200)
    await phone.locator(`[data-reference="${reference}"] .history-state[data-word="refunded"]`).waitFor()
    expect(await textOf(badge)).toBe('refunded')
  })

  it('shows text from the merchant as text, never as markup', async () => {
    const description = '<img src=x onerror="document.title=1">'
    const { reference } = await pushPayment(description)
    const phone = await openPhone()
    const card = phone.locator(`[data-testid="payment-request"][data-reference="${reference}"]`)
    expect(await textOf(card.locator('.description'))).toBe(description)
    expect(await card.locator('img').count()).toBe(0)
  })

  it('shows the personal QR code whose content the QR exchange resolves to the user, and a new one on request', async () => {
    const phone = await openPhone()
    const content = phone.locator('#qr-content')
    await content.filter({ hasText: 'https://qr.vipps.no/p/' }).waitFor()
    const shown = await textOf(content)
    expect(await phone.locator('#qr-image').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)

    const exchanged = await merchantApi('POST', '/qr/v1/exchange', { qrCode: shown })
    expect(exchanged.status).toBe(200)
    expect(exchanged.body).toMatchObject({ msisdn: KARI, version: '2.0' })

    await phone.locator('#qr-rotate').click()
    await phone.locator('#qr-content').filter({ hasNotText: shown }).waitFor()
    const fresh = await textOf(content)
    expect((await merchantApi('POST', '/qr/v1/exchange', { qrCode: fresh })).body.msisdn).toBe(KARI)
    expect((await merchantApi('POST', '/qr/v1/exchange', { qrCode: shown })).status).toBe(400)
  })

  it('"scans" a payment QR code: the pasted landing URL becomes a request on this phone', async () => {
    const { reference, redirectUrl } = await createPayment({
      userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://shop.example/return',
    })
    const phone = await openPhone()
    await phone.locator('#scan-content').fill('not a payment code')
    await phone.locator('#scan-form button').click()
    await phone.locator('#scan-error').filter({ hasText: /\S/ }).waitFor()

    await phone.locator('#scan-content').fill(redirectUrl!)
    await phone.locator('#scan-form button').click()

    await phone.locator(`[data-testid="payment-request"][data-reference="${reference}"]`).waitFor()
    expect(await textOf(phone.locator('#scan-error'))).toBe('')
  })

  it('lists the test users and adds one, given 8 digits, then opens their phone', async () => {
    const page = await openPage('/phone')
    await page.locator('[data-testid="test-user"]', { hasText: 'Kari Nordmann' }).waitFor()
    await page.locator('#add-msisdn').fill('98 76 54 32')
    await page.locator('#add-given-name').fill('Per')
    await page.locator('#add-family-name').fill('Hansen')
    await page.locator('#add-user button').click()

    await page.waitForURL(`${sandbox().url}/phone/4798765432`)
    await page.locator('#name', { hasText: 'Per Hansen' }).waitFor()
    expect(await textOf(page.locator('#number'))).toBe('+47 987 65 432')
  })

  it('says so when no test user has the number in the address', async () => {
    const page = await openPage('/phone/4700000000')
    await page.locator('#unknown-user').waitFor()
    expect(await textOf(page.locator('#unknown-user-text'))).toContain('4700000000')
  })
})

describe('the landing page', () => {
  let shop: Server
  let shopUrl: string
  const shopVisits: string[] = []

  beforeAll(async () => {
    // The merchant's returnUrl: a tiny shop page that records who came back.
    shop = createServer((request, response) => {
      shopVisits.push(request.url ?? '')
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end('<!doctype html><title>Thanks</title><h1>Thanks for your order</h1>')
    })
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve))
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => shop.close(resolve))
  })

  const webPayment = () =>
    createPayment({
      userFlow: 'WEB_REDIRECT',
      returnUrl: `${shopUrl}/order/42/done`,
      paymentDescription: 'Ordre 42',
    })

  it('sends the request to the number entered and, once approved on the phone, returns to the shop', async () => {
    const { reference, redirectUrl } = await webPayment()
    expect(redirectUrl).toMatch(new RegExp(`^${sandbox().url}/landing\\?token=`))
    const landing = await openPage(redirectUrl!)
    await landing.locator('#summary').waitFor()
    expect(await textOf(landing.locator('#merchant'))).toBe(DEFAULT_MERCHANT.name)
    expect(await textOf(landing.locator('#amount'))).toBe('kr 349,00')

    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()
    expect(await textOf(landing.locator('#waiting-text'))).toContain('+47 123 45 678')

    const phone = await openPhone()
    await phone
      .locator(`[data-testid="payment-request"][data-reference="${reference}"] button.approve`)
      .click()

    await landing.waitForURL(`${shopUrl}/order/42/done`)
    expect(shopVisits).toContain('/order/42/done')
    expect(await stateOf(reference)).toBe('AUTHORIZED')
  })

  it('returns to the shop when the person rejects the payment', async () => {
    const { reference, redirectUrl } = await webPayment()
    const landing = await openPage(redirectUrl!)
    await landing.locator('#msisdn').fill('4712345678')
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()

    const answered = await fetch(
      `${sandbox().url}/_sandbox/users/${KARI}/payments/${DEFAULT_MERCHANT.msn}/${reference}/reject`,
      {
        method: 'POST',
      },
    )
    expect(answered.status).toBe(200)

    await landing.waitForURL(`${shopUrl}/order/42/done`)
    expect(await stateOf(reference)).toBe('ABORTED')
  })

  it('returns to the shop when the payment expires unanswered', async () => {
    const { reference, redirectUrl } = await webPayment()
    const landing = await openPage(redirectUrl!)
    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()

    // Past the 10-minute lifetime, and well inside the test's access token's hour.
    const advanced = await fetch(`${sandbox().url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 11 }),
    })
    expect(advanced.status).toBe(200)

    await landing.waitForURL(`${shopUrl}/order/42/done`)
    expect(await stateOf(reference)).toBe('EXPIRED')
  })

  it('explains a wrong number and a number with no app, and stays on the page', async () => {
    const { redirectUrl } = await webPayment()
    const landing = await openPage(redirectUrl!)
    await landing.locator('#msisdn').fill('1234')
    await landing.locator('#send').click()
    await landing.locator('#number-error').filter({ hasText: '8 digits' }).waitFor()

    await landing.locator('#msisdn').fill('11223344')
    await landing.locator('#send').click()
    await landing
      .locator('#number-error')
      .filter({ hasText: 'No Vipps user has the number +47 112 23 344' })
      .waitFor()
    expect(await landing.locator('#number-section').isVisible()).toBe(true)
  })

  it('remembers the number on this browser when asked, and offers it next time', async () => {
    const first = await webPayment()
    const landing = await openPage(first.redirectUrl!)
    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#remember').check()
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()

    const second = await webPayment()
    await landing.goto(second.redirectUrl!)
    await landing.locator('#number-section').waitFor()
    expect(await landing.locator('#msisdn').inputValue()).toBe('+47 123 45 678')
    expect(await landing.locator('#remember').isChecked()).toBe(true)
  })

  it('on a phone, simulates the switch to the app of the remembered number', async () => {
    const { reference, redirectUrl } = await webPayment()
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
    const landing = await openPage('/phone', { userAgent: iphone })
    await landing.evaluate(() => localStorage.setItem('kasse-sandbox.msisdn', '4712345678'))

    await landing.goto(redirectUrl!)

    await landing.locator('#app-switch', { hasText: 'Opening Vipps…' }).waitFor()
    expect(await landing.locator('#open-app').getAttribute('href')).toBe(`/phone/${KARI}`)
    const onPhone = await fetch(`${sandbox().url}/_sandbox/users/${KARI}/payments`)
    expect((await onPhone.json()).payments.map((p: { reference: string }) => p.reference)).toContain(
      reference,
    )
  })

  it('on a phone without a remembered number, asks for it before switching to the app', async () => {
    const { redirectUrl } = await webPayment()
    const landing = await openPage(redirectUrl!, {
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36',
    })
    await landing.locator('#app-switch', { hasText: 'Opening Vipps…' }).waitFor()
    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#send').click()
    await landing.locator('#open-app').waitFor()
    expect(await landing.locator('#open-app').getAttribute('href')).toBe(`/phone/${KARI}`)
  })

  it('shows the payment’s description, its receipt lines and the time left, which follows the sandbox clock', async () => {
    const { redirectUrl } = await createPayment({
      userFlow: 'WEB_REDIRECT',
      returnUrl: `${shopUrl}/order/43/done`,
      paymentDescription: 'Kaffe og kopp',
      receipt: RECEIPT,
    })
    const landing = await openPage(redirectUrl!)
    await landing.locator('#summary').waitFor()
    expect(await textOf(landing.locator('#description'))).toBe('Kaffe og kopp')
    await expectReceipt(landing.locator('#receipt'))

    // The sandbox's 10-minute lifetime, counted down; moving the sandbox clock moves it.
    await landing.locator('#countdown', { hasText: /Time left to approve: (10:00|9:\d\d)$/ }).waitFor()
    const advanced = await fetch(`${sandbox().url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 6 }),
    })
    expect(advanced.status).toBe(200)
    await landing.locator('#countdown', { hasText: /Time left to approve: [34]:\d\d$/ }).waitFor()
  })

  it('shows no receipt for a payment without one', async () => {
    const { redirectUrl } = await webPayment()
    const landing = await openPage(redirectUrl!)
    await landing.locator('#number-section').waitFor()
    expect(await textOf(landing.locator('#description'))).toBe('Ordre 42')
    expect(await landing.locator('#receipt table').count()).toBe(0)
  })

  it('says so for an unknown token', async () => {
    const landing = await openPage('/landing?token=no-such-token')
    await landing.locator('#unknown').waitFor()
    expect(await textOf(landing.locator('#unknown'))).toContain('not valid')
    const bare = await openPage('/landing')
    await bare.locator('#unknown').waitFor()
  })
})
