/**
 * The web shop as people use it, in a real headless Chromium against a
 * started sandbox and a started shop: a shopper paying through the Vipps
 * landing page with approval on the simulated phone (a second page), a
 * rejection and an expiry back to the cart, Hurtigkasse with the delivery
 * chosen on the phone, and the shop manager shipping, which captures.
 */
import { desc } from 'drizzle-orm'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it, vi } from 'vitest'
import { textOf, usePages } from '../../sandbox/test/browser.ts'
import {
  ADMIN,
  control,
  KARI,
  KARI_DETAILS,
  MSN,
  orderIdIn,
  type TestShop,
  useTestShop,
} from '../test/helpers.ts'
import { order as orderTable } from './db/schema.ts'

/** A block's rendered lines (an address's <br>s), joined with " / ". */
const linesOf = async (locator: Locator) =>
  (await locator.innerText())
    .split('\n')
    .map((line) => line.trim())
    .join(' / ')

// Limits, not expectations: a flow here crosses a browser, the sandbox and the shop, which on a
// busy two-core machine may take several times as long as alone.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const env = useTestShop()
const pages = usePages(() => env().sandbox.url)

/** The newest order's id and payment reference. */
async function latestOrder(e: TestShop) {
  const [row] = await e.database.db
    .select({ id: orderTable.id })
    .from(orderTable)
    .orderBy(desc(orderTable.number))
    .limit(1)
  const view = await e.shop.ctx.orders.get(row!.id)
  return { id: view.order.id, number: view.order.number, reference: view.payment.reference }
}

/** Puts products in the cart from the shop window and the product page, then checks out with Kari's details. */
async function shopAndCheckOut(): Promise<Page> {
  const shop = await pages.open(`${env().shop.url}/`)
  expect(await shop.locator('[data-testid="product-card"]').count()).toBe(12)
  await shop
    .locator('[data-testid="product-card"][data-product-id="kaffekopp-steintoy"] a.product-link')
    .click()
  await shop.locator('[data-testid="product"] h1', { hasText: 'Kaffekopp i steintøy' }).waitFor()
  await shop.locator('#quantity').fill('2')
  await shop.locator('[data-testid="add-to-cart"]').click()
  await shop.waitForURL(`${env().shop.url}/handlekurv`)
  expect(await textOf(shop.locator('[data-testid="cart-total"]'))).toBe('kr 398,00')
  expect(await textOf(shop.locator('#cart-count'))).toBe('2')
  await shop.locator('[data-testid="to-checkout"]').click()

  await shop.locator('#name').fill(KARI_DETAILS.name)
  await shop.locator('#email').fill(KARI_DETAILS.email)
  await shop.locator('#phone').fill(KARI_DETAILS.phone)
  await shop.locator('#addressLine1').fill(KARI_DETAILS.addressLine1)
  await shop.locator('#postalCode').fill(KARI_DETAILS.postalCode)
  await shop.locator('#city').fill(KARI_DETAILS.city)
  await shop.locator('#ship-home').check()
  await shop.locator('[data-testid="pay-with-vipps"]').click()
  return shop
}

/** On the Vipps landing page: enter Kari's 8 digits and send the request to her phone. */
async function enterNumberOnLanding(page: Page): Promise<void> {
  await page.waitForURL(/\/landing\?token=/)
  await page.locator('#number-section').waitFor()
  await page.locator('#msisdn').fill('12345678')
  await page.locator('#send').click()
  await page.locator('#waiting').waitFor()
}

async function onKarisPhone(reference: string) {
  const phone = await pages.openPhone(KARI)
  const card = phone.locator(`[data-testid="payment-request"][data-reference="${reference}"]`)
  await card.waitFor()
  return { phone, card }
}

describe('checkout with Pay with Vipps on a desktop', () => {
  it('goes through the landing page and the phone, and ends on the confirmed order', async () => {
    const shop = await shopAndCheckOut()
    await enterNumberOnLanding(shop)
    // The landing page shows the shop's receipt: two mugs and the delivery.
    expect(await textOf(shop.locator('#amount'))).toBe('kr 547,00')
    const { reference, number } = await latestOrder(env())

    const { card } = await onKarisPhone(reference)
    expect(await textOf(card.locator('.amount'))).toBe('kr 547,00')
    await card.locator('button.approve').click()

    await shop.waitForURL(/\/ordre\/[^/]+$/)
    const confirmation = shop.locator('[data-testid="confirmation"]')
    await confirmation.waitFor()
    expect(await textOf(shop.locator('h1'))).toBe('Takk for bestillingen!')
    expect(await textOf(shop.locator('[data-testid="order-number"]'))).toBe(String(number))
    expect(await textOf(shop.locator('[data-testid="order-total"]'))).toBe('kr 547,00')
    const lines = shop.locator('[data-testid="order-line"]')
    expect(await textOf(lines.nth(0))).toContain('2 × Kaffekopp i steintøy')
    expect(await textOf(lines.nth(1))).toContain('Frakt: Posten/Bring – levert hjem')
    expect(await linesOf(shop.locator('[data-testid="delivery-address"]'))).toBe(
      'Kari Nordmann / Robert Levins gate 5 / 0154 Oslo',
    )
    expect(await textOf(shop.locator('[data-testid="shipping-method"]'))).toBe('Posten/Bring – levert hjem')
    expect(await textOf(shop.locator('#cart-count'))).toBe('0')
    expect((await env().shop.ctx.orders.get(orderIdIn(shop.url()))).order.state).toBe('reserved')
  })

  it('returns to the cart with a message when the payment is rejected on the phone', async () => {
    const shop = await shopAndCheckOut()
    await enterNumberOnLanding(shop)
    const { reference } = await latestOrder(env())
    const { card } = await onKarisPhone(reference)
    await card.locator('button.reject').click()

    await shop.waitForURL(/\/handlekurv\?ordre=/)
    const message = shop.locator('[data-testid="message"]')
    await message.waitFor()
    expect(await textOf(message)).toContain('Betalingen ble avvist i Vipps.')
    expect(await textOf(message)).toContain('handlekurven er tatt vare på')
    expect(await shop.locator('[data-testid="cart-line"]').count()).toBe(1)
    expect(await textOf(shop.locator('[data-testid="cart-total"]'))).toBe('kr 398,00')
  })
})

describe('Hurtigkasse', () => {
  it('takes the delivery chosen on the phone; the order ends with Kari’s address and that shipping', async () => {
    const shop = await pages.open(`${env().shop.url}/produkt/ullpledd`)
    await shop.locator('[data-testid="express"]').click()
    await shop.waitForURL(/\/landing\/ecom\?token=/)
    await shop.locator('#number-section').waitFor()
    await shop.locator('#msisdn').fill('12345678')
    await shop.locator('#send').click()
    await shop.locator('#waiting').waitFor()
    const { reference: orderId } = await latestOrder(env())

    const phone = await pages.openPhone(KARI)
    const card = phone.locator(`[data-testid="ecom-order"][data-order-id="${orderId}"]`)
    await card.waitFor()
    const options = card.locator('.shipping-option')
    await options.nth(2).waitFor()
    expect(await textOf(options.nth(0))).toBe('Hent i butikken free')
    expect(await textOf(options.nth(1))).toBe('Posten/Bring – til hentested kr 69,00')
    expect(await textOf(options.nth(2))).toBe('Posten/Bring – levert hjem kr 149,00')
    expect(await options.nth(1).locator('input').isChecked()).toBe(true)
    await options.nth(2).locator('input').check()
    expect(await textOf(card.locator('.ecom-total'))).toBe('kr 1 048,00')
    await card.locator('button.approve').click()

    await shop.waitForURL(/\/ordre\/[^/]+$/)
    await shop.locator('[data-testid="confirmation"]').waitFor()
    expect(await linesOf(shop.locator('[data-testid="delivery-address"]'))).toBe(
      'Kari Nordmann / Robert Levins gate 5 / 0154 Oslo',
    )
    expect(await textOf(shop.locator('[data-testid="shipping-method"]'))).toBe('Posten/Bring – levert hjem')
    expect(await textOf(shop.locator('[data-testid="order-total"]'))).toBe('kr 1 048,00')
    const view = await env().shop.ctx.orders.get(orderIdIn(shop.url()))
    expect(view.order).toMatchObject({
      state: 'reserved',
      shippingMethodId: 'home',
      postalCode: '0154',
      city: 'Oslo',
    })
  })
})

describe('the order admin', () => {
  it('marks lines shipped, which captures what shipped; the sandbox shows the captured amount', async () => {
    // A paid order: two products, paid on the phone through the control API.
    const shop = await pages.open(`${env().shop.url}/produkt/termoflaske`)
    await shop.locator('[data-testid="add-to-cart"]').click()
    await shop.goto(`${env().shop.url}/produkt/melkesjokolade`)
    await shop.locator('[data-testid="add-to-cart"]').click()
    await shop.goto(`${env().shop.url}/kasse`)
    for (const [field, value] of Object.entries(KARI_DETAILS)) {
      if (field !== 'shippingMethodId') await shop.locator(`#${field}`).fill(value)
    }
    await shop.locator('[data-testid="pay-with-vipps"]').click()
    await enterNumberOnLanding(shop)
    const { id, number, reference } = await latestOrder(env())
    expect(
      (await control(env(), 'POST', `/_sandbox/users/${KARI}/payments/${MSN}/${reference}/approve`)).status,
    ).toBe(200)
    await shop.waitForURL(/\/ordre\/[^/]+$/)

    const admin = await pages.open(`${env().shop.url}/admin`)
    await admin.waitForURL(/\/admin\/logg-inn$/)
    await admin.locator('#username').fill(ADMIN.username)
    await admin.locator('#password').fill(ADMIN.password)
    await admin.locator('button[type="submit"]').click()
    const row = admin.locator(`[data-testid="order-row"][data-order-number="${number}"]`)
    await row.waitFor()
    expect(await textOf(row.locator('[data-testid="state"]'))).toBe('betalt (reservert)')
    await row.locator('a').click()

    // Ship the thermos only: it and the pickup-point delivery are captured, the chocolate is not.
    await admin.locator('[data-testid="admin-lines"]').waitFor()
    const chocolate = admin.locator('[data-testid="admin-line"]', { hasText: 'Melkesjokolade' })
    await chocolate.locator('input').fill('0')
    await admin.locator('#tracking').fill('CP123456789NO')
    await admin.locator('[data-testid="ship"]').click()
    await admin.locator('[data-testid="message"]', { hasText: 'Sendingen er registrert' }).waitFor()
    expect(await textOf(admin.locator('[data-testid="order-state"]'))).toBe('delvis sendt')
    expect(await textOf(admin.locator('[data-testid="captured"]'))).toBe('kr 418,00')

    const payment = await control(env(), 'GET', `/_sandbox/payments/${MSN}/${reference}`)
    const aggregate = (payment.json.payment ?? payment.json).aggregate
    expect(aggregate.capturedAmount.value).toBe(34_900 + 6_900)

    // The rest ships: everything is captured, and Kari's phone shows the payment captured.
    await admin.locator('[data-testid="ship"]').click()
    await admin.locator('[data-testid="message"]', { hasText: 'Sendingen er registrert' }).waitFor()
    expect(await textOf(admin.locator('[data-testid="order-state"]'))).toBe('sendt')
    expect(await textOf(admin.locator('[data-testid="captured"]'))).toBe('kr 477,00')
    const phone = await pages.openPhone(KARI)
    await phone.locator(`[data-reference="${reference}"] .history-state[data-word="captured"]`).waitFor()
    expect((await env().shop.ctx.orders.get(id)).payment.capturedAmount).toBe(47_700)
  })
})

// Last in the file: it moves the sandbox's clock 11 minutes on, and the shop (on the real clock)
// then refuses the sandbox's webhooks as dated outside its window; the tests above rely on them.
describe('an unanswered payment', () => {
  it('returns to the cart with a message when it expires', async () => {
    const shop = await shopAndCheckOut()
    await enterNumberOnLanding(shop)
    const advanced = await control(env(), 'POST', '/_sandbox/clock/advance', { minutes: 11 })
    expect(advanced.status).toBe(200)

    await shop.waitForURL(/\/handlekurv\?ordre=/)
    const message = shop.locator('[data-testid="message"]')
    await message.waitFor()
    expect(await textOf(message)).toContain('Betalingen ble ikke bekreftet i tide og er utløpt.')
    expect(await shop.locator('[data-testid="cart-line"]').count()).toBe(1)
  })
})
