/**
 * eCom v2 (the legacy API the shop's express checkout uses) as a person meets
 * it, in a real headless Chromium against a sandbox on a port: the landing page
 * at the order's url, the order on the simulated phone with express checkout's
 * address and the shop's shipping options, the way back to the shop's fallBack,
 * and the consents the phone lists. The shop initiates with the client library
 * and answers the sandbox's calls from a real server on 127.0.0.1.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { textOf, usePages } from '../../test/browser.ts'
import { useListeningSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'
import {
  KARI,
  type MerchantAnswer,
  type MerchantRequest,
  newOrderId,
  SHIPPING,
  startMerchant,
  until,
} from '../ecom/test-helpers.ts'

const pages = usePages(() => sandbox().url)
const { sandbox, client } = useListeningSandbox()

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'

type Shop = Awaited<ReturnType<typeof startMerchant>>

/**
 * The shop's server: it answers the shipping details request with SHIPPING
 * (pick-up for 49 kr, the default, or Posten for 99,50 kr)
 * once `shippingAnswer` settles (at once by default), and 200 to the rest,
 * including the browser coming back to its fallBack page.
 */
async function startShop(shippingAnswer: () => Promise<MerchantAnswer | undefined> = async () => undefined) {
  const shop = await startMerchant(async (request: MerchantRequest) => {
    const orderId = /\/v2\/payments\/([^/]+)\/shippingDetails$/.exec(request.path)?.[1]
    if (!orderId) return { status: 200 }
    const answer = await shippingAnswer()
    const { addressId } = request.json as { addressId: number }
    return answer ?? { status: 200, json: { addressId, orderId, shippingDetails: SHIPPING } }
  })
  const origin = new URL(shop.prefix).origin
  return { ...shop, fallBack: (orderId: string) => `${origin}/orders/${orderId}/return` }
}

/** The shop initiates an order for 299,00 kr, regular unless `express`; its `url` is the landing page. */
async function initiate(
  shop: Shop & { fallBack: (orderId: string) => string },
  options: { express?: 'asks-shop' | 'static'; mobileNumber?: string; transactionText?: string } = {},
) {
  const orderId = newOrderId()
  const express = options.express
    ? {
        paymentType: 'eComm Express Payment' as const,
        consentRemovalPrefix: shop.prefix,
        ...(options.express === 'static' ? { staticShippingDetails: SHIPPING } : {}),
      }
    : {}
  const { url } = await client().ecom.initiate({
    customerInfo: options.mobileNumber ? { mobileNumber: options.mobileNumber } : {},
    merchantInfo: {
      callbackPrefix: shop.prefix,
      fallBack: shop.fallBack(orderId),
      authToken: 'shop-secret',
      ...express,
    },
    transaction: {
      orderId,
      amount: 29_900,
      transactionText: options.transactionText ?? `Ordre ${orderId}`,
      ...(options.express ? { useExplicitCheckoutFlow: true } : {}),
    },
  })
  return { orderId, url }
}

const orderCard = (phone: Page, orderId: string) =>
  phone.locator(`[data-testid="ecom-order"][data-order-id="${orderId}"]`)
const historyBadge = (phone: Page, orderId: string, word: string) =>
  phone.locator(
    `[data-testid="history-item"][data-order-id="${orderId}"] .history-state[data-word="${word}"]`,
  )

/** Opens the order's landing page and sends the order to Kari's phone by her 8 digits. */
async function landOnKarisPhone(url: string): Promise<Page> {
  const landing = await pages.open(url)
  await landing.locator('#number-section').waitFor()
  await landing.locator('#msisdn').fill('12345678')
  await landing.locator('#send').click()
  await landing.locator('#waiting').waitFor()
  return landing
}

/** The payment callback the shop received for the order, once it has. */
async function callbackTo(shop: Shop, orderId: string) {
  const path = `/vipps/v2/payments/${orderId}`
  await until(() => shop.at(path).length === 1, 'the shop receives the payment callback')
  return shop.at(path)[0]!.json as {
    transactionInfo: { status: string; amount: number }
    shippingDetails?: { shippingMethodId: string; shippingCost: number }
  }
}

describe('the eCom landing page', () => {
  it('sends a regular order to the number entered and, once approved on the phone, returns to the shop’s fallBack', async () => {
    const shop = await startShop()
    const { orderId, url } = await initiate(shop, { transactionText: 'Ordre 7 hos Kasse Demo Butikk' })
    expect(url.startsWith(`${sandbox().url}/landing/ecom?token=`)).toBe(true)

    const landing = await pages.open(url)
    await landing.locator('#summary').waitFor()
    expect(await textOf(landing.locator('#merchant'))).toBe(DEFAULT_MERCHANT.name)
    expect(await textOf(landing.locator('#amount'))).toBe('kr 299,00')
    expect(await textOf(landing.locator('#description'))).toBe('Ordre 7 hos Kasse Demo Butikk')
    await landing.locator('#countdown', { hasText: /Time left to approve: (10:00|9:\d\d)$/ }).waitFor()
    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()
    expect(await textOf(landing.locator('#waiting-text'))).toContain('+47 123 45 678')

    const phone = await pages.openPhone(KARI)
    const card = orderCard(phone, orderId)
    await card.waitFor()
    expect(await textOf(card.locator('.merchant'))).toBe(DEFAULT_MERCHANT.name)
    expect(await textOf(card.locator('.amount'))).toBe('kr 299,00')
    expect(await textOf(card.locator('.description'))).toBe('Ordre 7 hos Kasse Demo Butikk')
    expect(await card.locator('.delivery').count()).toBe(0)
    await card.locator('button.approve').click()

    await landing.waitForURL(shop.fallBack(orderId))
    expect(shop.at(`/orders/${orderId}/return`)).toHaveLength(1)
    expect((await callbackTo(shop, orderId)).transactionInfo).toMatchObject({
      status: 'RESERVED',
      amount: 29_900,
    })
    expect((await client().ecom.details(orderId)).transactionLogHistory[0]!.operation).toBe('RESERVE')
    await historyBadge(phone, orderId, 'approved').waitFor()
    await phone.locator('#notice', { hasText: `Paid kr 299,00 to ${DEFAULT_MERCHANT.name}.` }).waitFor()
  })

  it('returns to the fallBack when the person rejects on the phone, and the history says rejected', async () => {
    const shop = await startShop()
    const markup = '<img src=x onerror="document.title=1">'
    const { orderId, url } = await initiate(shop, { transactionText: markup })
    const landing = await landOnKarisPhone(url)
    expect(await textOf(landing.locator('#description'))).toBe(markup)

    const phone = await pages.openPhone(KARI)
    const card = orderCard(phone, orderId)
    expect(await textOf(card.locator('.description'))).toBe(markup)
    expect(await card.locator('img').count()).toBe(0)
    await card.locator('button.reject').click()

    await landing.waitForURL(shop.fallBack(orderId))
    expect((await callbackTo(shop, orderId)).transactionInfo.status).toBe('CANCELLED')
    await historyBadge(phone, orderId, 'rejected').waitFor()
  })

  it('returns to the fallBack when the order expires unanswered', async () => {
    const shop = await startShop()
    const { orderId, url } = await initiate(shop)
    const landing = await landOnKarisPhone(url)
    const advanced = await fetch(`${sandbox().url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 11 }),
    })
    expect(advanced.status).toBe(200)
    await landing.waitForURL(shop.fallBack(orderId))
    expect((await callbackTo(shop, orderId)).transactionInfo.status).toBe('REJECTED')
  })

  it('prefills the number the shop gave, refuses a number from abroad, and explains a number with no app', async () => {
    const shop = await startShop()
    const { url } = await initiate(shop, { mobileNumber: '12345678' })
    const landing = await pages.open(url)
    await landing.locator('#number-section').waitFor()
    expect(await landing.locator('#msisdn').inputValue()).toBe('+47 123 45 678')

    await landing.locator('#msisdn').fill('+45 20 30 40 50')
    await landing.locator('#send').click()
    await landing.locator('#number-error', { hasText: 'Norwegian numbers only' }).waitFor()

    await landing.locator('#msisdn').fill('11223344')
    await landing.locator('#send').click()
    await landing
      .locator('#number-error', { hasText: 'No Vipps user has the number +47 112 23 344' })
      .waitFor()
    expect(await landing.locator('#number-section').isVisible()).toBe(true)
  })

  it('on a phone, switches to the app of the number remembered on this browser (the one ePayment’s page remembers)', async () => {
    const shop = await startShop()
    const { orderId, url } = await initiate(shop)
    const landing = await pages.open('/phone', { userAgent: IPHONE })
    await landing.evaluate(() => localStorage.setItem('kasse-sandbox.msisdn', '4712345678'))

    await landing.goto(url)

    await landing.locator('#app-switch', { hasText: 'Opening Vipps…' }).waitFor()
    expect(await landing.locator('#open-app').getAttribute('href')).toBe(`/phone/${KARI}`)
    const onPhone = await (await fetch(`${sandbox().url}/_sandbox/users/${KARI}/ecom-orders`)).json()
    expect(onPhone.pending.map((order: { orderId: string }) => order.orderId)).toEqual([orderId])
  })

  it('remembers the number when asked, and the ePayment landing page offers it next time', async () => {
    const shop = await startShop()
    const { url } = await initiate(shop)
    const landing = await pages.open(url)
    await landing.locator('#msisdn').fill('12345678')
    await landing.locator('#remember').check()
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()

    const payment = await client().epayment.create({
      reference: `landing-${newOrderId()}`,
      amount: { currency: 'NOK', value: 4990 },
      paymentMethod: { type: 'WALLET' },
      userFlow: 'WEB_REDIRECT',
      returnUrl: shop.fallBack('epayment'),
    })
    await landing.goto(payment.redirectUrl!)
    await landing.locator('#number-section').waitFor()
    expect(await landing.locator('#msisdn').inputValue()).toBe('+47 123 45 678')
    expect(await landing.locator('#remember').isChecked()).toBe(true)
  })

  it('says so for an unknown token', async () => {
    const landing = await pages.open('/landing/ecom?token=no-such-token')
    await landing.locator('#unknown').waitFor()
    expect(await textOf(landing.locator('#unknown'))).toContain('not valid')
    expect(await landing.locator('#number-section').isHidden()).toBe(true)
  })
})

describe('express checkout on the phone', () => {
  it('shows Kari’s address and the shop’s options once fetched; the second option updates the total and reaches details and callback', async () => {
    let answerShipping!: () => void
    const shippingAsked = new Promise<void>((resolve) => {
      answerShipping = resolve
    })
    const shop = await startShop(async () => {
      await shippingAsked
      return undefined
    })
    const { orderId, url } = await initiate(shop, { express: 'asks-shop', mobileNumber: '12345678' })

    const landing = await pages.open(url)
    await landing.locator('#number-section').waitFor()
    expect(await textOf(landing.locator('#amount-note'))).toBe('+ delivery, which you choose in Vipps')
    expect(await landing.locator('#msisdn').inputValue()).toBe('+47 123 45 678')
    await landing.locator('#send').click()
    await landing.locator('#waiting').waitFor()

    const phone = await pages.openPhone(KARI)
    const card = orderCard(phone, orderId)
    // The shop has not answered yet: the phone says it is asking.
    await card.locator('.shipping-waiting', { hasText: 'Fetching delivery options' }).waitFor()
    expect(await card.locator('button.approve').isDisabled()).toBe(true)
    expect(await textOf(card.locator('.address'))).toBe(
      'Kari Nordmann Robert Levins gate 5 0154 Oslo, Norway',
    )

    answerShipping()
    const options = card.locator('.shipping-option')
    await options.nth(1).waitFor()
    expect(await options.count()).toBe(2)
    expect(await textOf(options.nth(0))).toBe('Hentested kr 49,00')
    expect(await textOf(options.nth(1))).toBe('Posten Servicepakke kr 99,50')
    expect(await options.nth(0).locator('input').isChecked()).toBe(true)
    expect(await textOf(card.locator('.ecom-total'))).toBe('kr 348,00')
    expect(await card.locator('button.approve').isEnabled()).toBe(true)

    await options.nth(1).locator('input').check()
    expect(await textOf(card.locator('.ecom-total'))).toBe('kr 398,50')
    expect(await textOf(card.locator('.amount'))).toBe('kr 398,50')
    expect(await textOf(card.locator('.totals-shipping'))).toBe('kr 99,50')
    await card.locator('button.approve').click()

    await landing.waitForURL(shop.fallBack(orderId))
    const details = await client().ecom.details(orderId)
    expect(details.shippingDetails).toMatchObject({
      shippingMethodId: 'posten',
      shippingMethod: 'Posten Servicepakke',
      shippingCost: 99.5,
    })
    const callback = await callbackTo(shop, orderId)
    expect(callback.shippingDetails).toMatchObject({ shippingMethodId: 'posten', shippingCost: 99.5 })
    // The express callback says RESERVE, as eCom's spec has it.
    expect(callback.transactionInfo).toMatchObject({ status: 'RESERVE', amount: 39_850 })
    const history = phone.locator(`[data-testid="history-item"][data-order-id="${orderId}"]`)
    await history.locator('.history-state[data-word="approved"]').waitFor()
    expect(await textOf(history.locator('.history-amount'))).toBe('kr 398,50')
  })

  it('explains that the order cannot be paid when the shop offers no delivery, and lets the person reject it', async () => {
    const shop = await startShop(async () => ({ status: 500 }))
    const { orderId, url } = await initiate(shop, { express: 'asks-shop' })
    const landing = await landOnKarisPhone(url)

    const phone = await pages.openPhone(KARI)
    const card = orderCard(phone, orderId)
    const failed = card.locator('.shipping-failed')
    await failed.waitFor()
    expect(await textOf(failed.locator('.shipping-failed-text'))).toBe(
      `${DEFAULT_MERCHANT.name} offers no delivery to your address, so this order cannot be paid in Vipps. Reject it and choose another way to pay in the shop.`,
    )
    expect(await textOf(failed.locator('.shipping-failed-reason'))).toContain('HTTP 500')
    expect(await card.locator('.shipping-waiting').isHidden()).toBe(true)
    expect(await card.locator('.shipping-option').count()).toBe(0)
    expect(await card.locator('button.approve').isDisabled()).toBe(true)

    await card.locator('button.reject').click()
    await landing.waitForURL(shop.fallBack(orderId))
  })

  it('lists the shop under "Shared with merchants" once approved; Remove calls the shop’s consent removal endpoint', async () => {
    const shop = await startShop()
    const { orderId, url } = await initiate(shop, { express: 'static' })
    const token = new URL(url).searchParams.get('token')!
    const sent = await fetch(`${sandbox().url}/_sandbox/ecom/landing/${token}/user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: KARI }),
    })
    expect(sent.status).toBe(200)

    const phone = await pages.openPhone(KARI)
    await phone.locator('#no-shared').waitFor()
    const card = orderCard(phone, orderId)
    // Static options need no asking: the default is chosen and Approve is ready.
    expect(await card.locator('.shipping-option input:checked').getAttribute('value')).toBe('pickup')
    await card.locator('button.approve').click()

    const shared = phone.locator('[data-testid="shared-merchant"]')
    await shared.waitFor()
    expect(await textOf(shared.locator('.shared-merchant'))).toBe(DEFAULT_MERCHANT.name)
    const { userId } = (await client().ecom.details(orderId)).userDetails!
    await shared.locator('button.remove').click()

    const removal = `/vipps/v2/consents/${encodeURIComponent(userId)}`
    await until(() => shop.at(removal).length === 1, 'the shop is asked to delete the user’s data')
    expect(shop.at(removal)[0]).toMatchObject({
      method: 'DELETE',
      headers: expect.objectContaining({ authorization: 'shop-secret' }),
    })
    await shared.waitFor({ state: 'detached' })
    await phone.locator('#no-shared').waitFor()
    await phone
      .locator('#notice', { hasText: `${DEFAULT_MERCHANT.name} is told to delete your data` })
      .waitFor()
  })
})
