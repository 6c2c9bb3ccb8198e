/**
 * The manager's End of day, In-flight check and Reconciliation screens in a
 * real browser against a real sandbox and till: a sale paid on the phone,
 * then the day's Z report with its chart, the CSV, closing the day; the
 * in-flight check agreeing; the settlement not there yet.
 */
import { describe, expect, it } from 'vitest'
import {
  cartLines,
  KARI_MSISDN,
  kr,
  MANAGER,
  PRODUCTS,
  scan,
  signIn,
  textOf,
  useCashierWorld,
} from './helpers.ts'

const world = useCashierWorld()
const { milk, batteries } = PRODUCTS

describe('the end of day screens', () => {
  it('show the day’s Z report with its chart and CSV, close the day, and check the payments', async () => {
    const till = await world.openTill()
    await signIn(till, MANAGER)
    for (const product of [milk, batteries]) await scan(till, product.barcode)
    await expect.poll(() => cartLines(till)).toHaveLength(2)
    await till.getByLabel('Mobile number').fill('123 45 678')
    await till.getByRole('button', { name: 'Use number' }).click()
    await till.getByTestId('customer').getByText('+47 123 45 678').waitFor()
    await till.getByRole('button', { name: /^Send to phone/ }).click()
    const waiting = till.locator('[data-testid="payment-status"][data-state="waiting_for_customer"]')
    await waiting.waitFor()
    const reference = (await textOf(waiting.locator('code'))).trim()
    const approved = await fetch(
      `${world.sandbox().url}/_sandbox/users/${KARI_MSISDN}/payments/123456/${reference}/approve`,
      { method: 'POST' },
    )
    expect(approved.status).toBe(200)
    await till.getByRole('heading', { name: 'Payment registered' }).waitFor()

    await till.getByRole('button', { name: 'End of day' }).click()
    const report = till.locator('[data-testid="z-report"][data-status="open"]')
    await report.waitFor()
    expect(await textOf(report.getByTestId('z-sales'))).toBe(`1 · ${kr(milk.price + batteries.price)}`)
    expect(await textOf(report.getByTestId('z-takings'))).toBe(kr(milk.price + batteries.price))
    // The printable report in place, with one bar in its takings chart.
    const page = till.frameLocator('[data-testid="z-report-page"]')
    await page.locator('svg.chart').waitFor()
    expect(await page.locator('svg.chart rect.bar').count()).toBe(1)
    const csvHref = await report.getByTestId('z-csv').getAttribute('href')
    expect(csvHref).toMatch(/^\/api\/end-of-day\/\d{4}-\d{2}-\d{2}\/report\.csv$/)
    const csv = await till.evaluate(async (href) => (await fetch(href!)).text(), csvHref)
    expect(csv.split('\r\n')).toContain(`summary,sales,,1,${csvRow(milk, batteries)}`)

    await till.getByRole('button', { name: 'Close the day…' }).click()
    await till.getByRole('button', { name: /^Yes, close / }).click()
    await till.locator('[data-testid="z-report"][data-status="closed"]').waitFor()
    expect(await till.getByRole('button', { name: 'Close the day…' }).count()).toBe(0)

    await till.getByRole('button', { name: 'In-flight check' }).click()
    await till
      .getByRole('heading', { name: 'The till and Vipps MobilePay agree on the payment request' })
      .waitFor()

    await till.getByRole('button', { name: 'Reconciliation' }).click()
    await till.getByTestId('not-settled').waitFor()
    expect(await textOf(till.getByTestId('not-settled'))).toContain(
      `1 payments (${kr(milk.price + batteries.price)})`,
    )
  })
})

/** The summary row's net, VAT and gross for one sale of these products, as the CSV writes them. */
function csvRow(...products: Array<{ price: number; vat: number }>): string {
  const vatOf = (gross: number, percent: number) =>
    Math.floor((2 * gross * percent + (100 + percent)) / (2 * (100 + percent)))
  const gross = products.reduce((sum, p) => sum + p.price, 0)
  const vat = products.reduce((sum, p) => sum + vatOf(p.price, p.vat), 0)
  const text = (value: number) => `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`
  return `${text(gross - vat)},${text(vat)},${text(gross)}`
}
