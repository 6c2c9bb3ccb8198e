/**
 * Taking Vipps MobilePay at the till, in a real browser on both sides: the
 * cashier's screen, and Kari's phone (the sandbox's phone simulator) in a
 * second page. The cashier scans three products and Kari's personal QR (read
 * off her phone's page), sends the request; the phone shows it with the
 * receipt lines; Kari approves, rejects, or lets it expire; or the cashier
 * cancels. Then the journal: a manager refunds part of a paid sale.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import {
  CASHIER,
  cartLines,
  KARI_MSISDN,
  kr,
  MANAGER,
  PRODUCTS,
  personalQrOf,
  scan,
  signIn,
  textOf,
  useCashierWorld,
} from './helpers.ts'

const world = useCashierWorld()
const { milk, batteries, newspaper } = PRODUCTS
const THREE = [milk, batteries, newspaper] as const
const TOTAL = milk.price + batteries.price + newspaper.price
const KARI_DISPLAY = '+47 123 45 678'

/**
 * The cashier signs in, scans the three products and Kari's QR (typed by the
 * scanner into the same field), and sends the request. Resolves with the
 * payment's reference once the screen says it waits for Kari.
 */
async function requestPayment(till: Page, phone: Page): Promise<string> {
  await signIn(till, CASHIER)
  for (const product of THREE) await scan(till, product.barcode)
  await scan(till, await personalQrOf(phone))
  await till.getByTestId('customer').getByText(KARI_DISPLAY).waitFor()
  await expect.poll(() => cartLines(till)).toHaveLength(3)
  expect(await textOf(till.getByTestId('total'))).toBe(kr(TOTAL))

  await till.getByRole('button', { name: /^Send to phone/ }).click()
  const status = till.locator('[data-testid="payment-status"][data-state="waiting_for_customer"]')
  await status.waitFor()
  expect(await textOf(status.getByTestId('payment-customer'))).toBe(KARI_DISPLAY)
  return (await textOf(status.locator('code'))).trim()
}

/** The request's card on the phone, once it has arrived there. */
async function requestOnPhone(phone: Page, reference: string) {
  const card = phone.locator(`#request-list [data-reference="${reference}"]`)
  await card.waitFor()
  return card
}

async function paymentState(till: Page, state: string): Promise<void> {
  await till.locator(`[data-testid="payment-status"][data-state="${state}"]`).waitFor()
}

describe('a payment request to the customer’s phone', () => {
  it('is approved on the phone: "Payment registered" with the receipt, then a new sale', async () => {
    const phone = await world.openPhone(KARI_MSISDN)
    const till = await world.openTill()
    const reference = await requestPayment(till, phone)

    // The phone shows the request with the receipt's lines and amount.
    const card = await requestOnPhone(phone, reference)
    const lines = await card.locator('.receipt-line .line-name').allTextContents()
    expect(lines.map((line) => line.trim())).toEqual(THREE.map((product) => product.name))
    expect(await textOf(card.locator('.amount'))).toBe(kr(TOTAL))
    // Meanwhile the cart is frozen on the till.
    expect(await till.getByRole('button', { name: `Remove ${milk.name}` }).isDisabled()).toBe(true)

    await card.getByRole('button', { name: 'Approve' }).click()

    await paymentState(till, 'captured')
    await till.getByRole('heading', { name: 'Payment registered' }).waitFor()
    const receipt = till.frameLocator('[data-testid="receipt"]')
    for (const product of THREE) await receipt.getByText(product.name).first().waitFor()
    const receiptText = (await receipt.locator('body').textContent()) ?? ''
    // The receipt prints amounts its own way ("150,80 kr"); the total's digits are there.
    expect(receiptText.replace(/\s+/g, ' ')).toContain(kr(TOTAL).replace(/^kr /, ''))
    expect(await till.getByRole('link', { name: 'Open receipt' }).getAttribute('href')).toMatch(
      /^\/api\/sales\/[^/]+\/receipt\.html$/,
    )

    await till.getByRole('button', { name: 'New sale' }).click()
    await till.getByTestId('cart-empty').waitFor()
    expect(await till.getByTestId('payment-status').count()).toBe(0)
    expect(await textOf(till.getByTestId('total'))).toBe(kr(0))
  })

  it('is rejected on the phone: declined on the till, the cart kept and open to change', async () => {
    const phone = await world.openPhone(KARI_MSISDN)
    const till = await world.openTill()
    const reference = await requestPayment(till, phone)
    const card = await requestOnPhone(phone, reference)
    await card.getByRole('button', { name: 'Reject' }).click()

    await paymentState(till, 'declined')
    await till.getByText('The customer rejected the payment request.', { exact: false }).waitFor()
    expect(await cartLines(till)).toEqual(
      THREE.map((product) => `${product.name} × 1 = ${kr(product.price)}`),
    )
    expect(await textOf(till.getByTestId('total'))).toBe(kr(TOTAL))

    // The sale is open again: another product goes on the same cart, and the message gives way.
    await scan(till, PRODUCTS.bread.barcode)
    await expect.poll(() => cartLines(till)).toHaveLength(4)
    expect(await till.getByTestId('payment-status').count()).toBe(0)
    expect(await till.getByRole('button', { name: /^Send to phone/ }).isEnabled()).toBe(true)
  })

  it('expires when the customer does not answer (the sandbox clock moved on): expired on the till', async () => {
    const phone = await world.openPhone(KARI_MSISDN)
    const till = await world.openTill()
    const reference = await requestPayment(till, phone)
    await requestOnPhone(phone, reference)

    const advanced = await fetch(`${world.sandbox().url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 11 }),
    })
    expect(advanced.status).toBe(200)

    await paymentState(till, 'expired')
    await till.getByText('The customer did not answer in time.', { exact: false }).waitFor()
    expect(await cartLines(till)).toHaveLength(3)
    // Sending again makes a new request to the same phone.
    await till.getByRole('button', { name: 'Send again' }).click()
    await paymentState(till, 'waiting_for_customer')
    const again = await textOf(till.getByTestId('payment-status').locator('code'))
    expect(again).not.toBe(reference)
    await requestOnPhone(phone, again)
  })

  it('is cancelled by the cashier while it waits: cancelled on the till, gone from the phone', async () => {
    const phone = await world.openPhone(KARI_MSISDN)
    const till = await world.openTill()
    const reference = await requestPayment(till, phone)
    await requestOnPhone(phone, reference)

    await till.getByRole('button', { name: 'Cancel the request' }).click()
    await paymentState(till, 'cancelled')
    await till.getByText('The payment request was cancelled. The sale is kept.').waitFor()
    await phone.locator(`#request-list [data-reference="${reference}"]`).waitFor({ state: 'detached' })
    expect(await cartLines(till)).toHaveLength(3)

    await till.getByRole('button', { name: 'Back to the sale' }).click()
    expect(await till.getByTestId('payment-status').count()).toBe(0)
  })
})

describe('identifying the customer', () => {
  it('takes a typed number, says what is wrong with a wrong one, and lets the cashier change it', async () => {
    const till = await world.openTill()
    await signIn(till, CASHIER)
    await scan(till, milk.barcode)
    await expect.poll(() => cartLines(till)).toHaveLength(1)
    expect(await textOf(till.locator('.pay .hint'))).toBe(
      'Identify the customer first: scan their QR code or type their number.',
    )

    const number = till.getByLabel('Mobile number')
    await number.fill('12 34')
    await till.getByRole('button', { name: 'Use number' }).click()
    // The till's own message, beside the field.
    await till
      .getByTestId('phone-error')
      .getByText('A Norwegian number has 8 digits (this one has 4)')
      .waitFor()
    expect(await number.getAttribute('aria-invalid')).toBe('true')
    expect(await cartLines(till)).toHaveLength(1)

    await number.fill('123 45 678')
    await till.getByRole('button', { name: 'Use number' }).click()
    await till.getByTestId('customer').getByText(KARI_DISPLAY).waitFor()
    expect(await textOf(till.locator('.customer-who'))).toContain('typed in')

    await till.getByRole('button', { name: 'Change customer' }).click()
    await till.getByLabel('Mobile number').waitFor()

    // This browser has no camera, so the camera is not offered.
    const cameras = await till.evaluate(
      async () =>
        (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length,
    )
    expect(cameras).toBe(0)
    expect(await till.getByRole('button', { name: 'Scan QR with the camera' }).count()).toBe(0)
  })

  it('says so when a scanned QR code is nobody’s, and keeps the cart', async () => {
    const till = await world.openTill()
    await signIn(till, CASHIER)
    await scan(till, milk.barcode)
    await expect.poll(() => cartLines(till)).toHaveLength(1)
    await scan(till, 'https://qr.vipps.no/p/not-a-real-code')
    await till
      .getByTestId('scan-error')
      .getByText('Vipps MobilePay does not recognise that code.', { exact: false })
      .waitFor()
    expect(await cartLines(till)).toHaveLength(1)
    expect(await till.getByLabel('Mobile number').isVisible()).toBe(true)
  })
})

describe('the journal (manager)', () => {
  it('finds a paid sale by its receipt number and refunds one line, with the return receipt', async () => {
    const phone = await world.openPhone(KARI_MSISDN)
    const till = await world.openTill()
    const reference = await requestPayment(till, phone)
    await (await requestOnPhone(phone, reference)).getByRole('button', { name: 'Approve' }).click()
    await paymentState(till, 'captured')
    const receiptNumber = (await textOf(till.locator('.payment-facts'))).match(/No\. (\d+)/)?.[1]
    expect(receiptNumber).toBeDefined()
    await till.getByRole('button', { name: 'Sign out' }).click()

    await signIn(till, MANAGER)
    await till.getByRole('button', { name: 'Journal and refunds' }).click()
    const row = till.locator(`[data-testid="journal-row"][data-receipt="${receiptNumber}"]`)
    await row.waitFor()
    expect(await textOf(row)).toContain(reference)
    expect(await textOf(row)).toContain(KARI_DISPLAY)

    await till.getByLabel('Receipt number').fill(receiptNumber!)
    await till.getByRole('button', { name: 'Search' }).click()
    await till.getByRole('heading', { name: /^1 sale/ }).waitFor()
    await row.getByRole('button', { name: `Open sale ${receiptNumber}` }).click()

    const detail = till.getByTestId('sale-detail')
    await detail.getByTestId('refund-line').first().waitFor()
    await detail.getByLabel(`Quantity of ${batteries.name} to refund`).fill('1')
    await detail.getByRole('button', { name: 'Refund the chosen lines' }).click()
    await detail.getByRole('button', { name: 'Yes, refund' }).click()

    const result = detail.locator('[data-testid="refund-result"][data-state="refunded"]')
    await result.waitFor()
    expect(await textOf(result)).toContain(`Refunded ${kr(batteries.price)}`)
    await till.frameLocator('[data-testid="return-receipt"]').getByText(batteries.name).first().waitFor()
    // The line is refunded: nothing of it is left to refund.
    expect(await detail.getByLabel(`Quantity of ${batteries.name} to refund`).isDisabled()).toBe(true)
  })

  it('is not offered to a cashier', async () => {
    const till = await world.openTill()
    await signIn(till, CASHIER)
    expect(await till.getByRole('button', { name: 'Journal and refunds' }).count()).toBe(0)
  })
})
