/**
 * The cashier app's sign-in and sale screens in a real browser: signing in
 * (wrong PIN, a locked till), scanning with a keyboard-wedge scanner (bursts
 * of fast characters and Enter), unknown and misread barcodes without losing
 * the cart, quantities, search and tap, manager discounts, and the totals
 * with their VAT per rate to the øre.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import {
  CASHIER,
  cartLines,
  ean13,
  kr,
  MANAGER,
  PRODUCTS,
  scan,
  signIn,
  textOf,
  useCashierWorld,
} from './helpers.ts'

const world = useCashierWorld()

/** Waits until the cart shows exactly these lines ("name × quantity = amount"). */
async function expectCart(page: Page, expected: string[]): Promise<void> {
  await expect.poll(() => cartLines(page)).toEqual(expected)
}

/** The VAT table's rows, each as its cells' texts joined by " | ". */
async function vatRows(page: Page): Promise<string[]> {
  const rows = page.getByTestId('vat-breakdown').locator('tbody tr')
  const result: string[] = []
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = await rows.nth(i).locator('th, td').allTextContents()
    result.push(cells.map((cell) => cell.replace(/\s+/g, ' ').trim()).join(' | '))
  }
  return result
}

/** VAT included in a gross amount at a percent rate, rounded half up: the till's rule, worked by hand. */
const vatOf = (gross: number, percent: number) =>
  Math.floor((2 * gross * percent + (100 + percent)) / (2 * (100 + percent)))

describe('signing in', () => {
  it('asks for the till once, takes the PIN from the keypad, and remembers the till on this device', async () => {
    const page = await world.openTill()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByLabel('Till', { exact: true }).fill('till-1')
    await page.getByLabel('Staff number', { exact: true }).fill(CASHIER.staffNumber)
    await page.getByLabel('PIN', { exact: true }).focus()
    for (const digit of CASHIER.pin) await page.getByRole('button', { name: digit, exact: true }).click()
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.getByTestId('scan-input').waitFor()
    expect(await textOf(page.getByTestId('signed-in-as'))).toBe('Kari Kasserer')
    expect(await textOf(page.locator('.topbar-where'))).toContain('Kasse 1 (till-1)')

    // A reload keeps the session; signing out comes back to the same till.
    await page.reload()
    await page.getByTestId('scan-input').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    expect(await textOf(page.getByTestId('till-id'))).toBe('till-1')
    expect(await page.getByLabel('Till', { exact: true }).count()).toBe(0)
  })

  it('says a PIN is wrong and how many tries are left, and asks for what is missing before sending', async () => {
    const page = await world.openTill()
    await page.getByLabel('Till', { exact: true }).fill('till-1')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await textOf(page.getByTestId('sign-in-error'))).toBe('Type your staff number')

    await page.getByLabel('Staff number', { exact: true }).fill('1')
    await page.getByLabel('PIN', { exact: true }).fill('12')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await textOf(page.getByTestId('sign-in-error'))).toBe('A PIN has 4 to 8 digits')

    await page.getByLabel('PIN', { exact: true }).fill('0000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('Wrong staff number or PIN; 4 tries left before this till locks').waitFor()
    // The PIN is cleared for the next try, and focused.
    expect(await page.getByLabel('PIN', { exact: true }).inputValue()).toBe('')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('pin')

    await page.getByLabel('Till', { exact: true }).fill('till-9')
    await page.getByLabel('PIN', { exact: true }).fill('1234')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText("There is no till 'till-9'").waitFor()
  })

  it('says the till is locked after five wrong PINs, with the time left, and keeps the button off', async () => {
    const page = await world.openTill()
    await page.getByLabel('Till', { exact: true }).fill('till-2')
    await page.getByLabel('Staff number', { exact: true }).fill('1')
    for (const left of ['4 tries', '3 tries', '2 tries', '1 try', 'locked']) {
      await page.getByLabel('PIN', { exact: true }).fill('0000')
      await page.getByRole('button', { name: 'Sign in' }).click()
      if (left !== 'locked')
        await page.getByText(`Wrong staff number or PIN; ${left} left before this till locks`).waitFor()
    }
    await page.getByText('Too many wrong PINs at this till; try again in 5 minutes').waitFor()
    expect(await textOf(page.getByTestId('lock-countdown'))).toMatch(/^[45]:\d\d$/)
    expect(await page.getByRole('button', { name: 'Sign in' }).isDisabled()).toBe(true)
  })
})

describe('the sale', () => {
  it('adds what a wedge scanner types in a burst, three codes back to back, and totals the VAT per rate', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    const { milk, batteries, bus, newspaper } = PRODUCTS

    // No waiting between codes: each is typed at full speed and ended with Enter.
    await scan(page, milk.barcode)
    await scan(page, batteries.barcode)
    await scan(page, bus.barcode)
    await scan(page, milk.barcode)
    await scan(page, newspaper.barcode)

    await expectCart(page, [
      `${milk.name} × 2 = ${kr(2 * milk.price)}`,
      `${batteries.name} × 1 = ${kr(batteries.price)}`,
      `${bus.name} × 1 = ${kr(bus.price)}`,
      `${newspaper.name} × 1 = ${kr(newspaper.price)}`,
    ])
    const total = 2 * milk.price + batteries.price + bus.price + newspaper.price
    expect(await textOf(page.getByTestId('total'))).toBe(kr(total))

    const expected = [
      [25, batteries.price],
      [15, 2 * milk.price],
      [12, bus.price],
      [0, newspaper.price],
    ] as const
    expect(await vatRows(page)).toEqual(
      expected.map(([rate, gross]) => {
        const vat = vatOf(gross, rate)
        return `${rate} % | ${kr(gross - vat)} | ${kr(vat)} | ${kr(gross)}`
      }),
    )
    const vatTotal = expected.reduce((sum, [rate, gross]) => sum + vatOf(gross, rate), 0)
    expect(await textOf(page.getByTestId('total-vat'))).toBe(kr(vatTotal))
    expect(await textOf(page.getByTestId('scan-info'))).toBe(
      `Added ${newspaper.name}, ${kr(newspaper.price)}`,
    )
  })

  it('says a barcode is unknown, misread or not sold, and keeps the cart as it was', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    const { milk, bread, inactive } = PRODUCTS
    await scan(page, milk.barcode)
    await scan(page, bread.barcode)
    const cart = [`${milk.name} × 1 = ${kr(milk.price)}`, `${bread.name} × 1 = ${kr(bread.price)}`]
    await expectCart(page, cart)

    const unknown = ean13('703961099999')
    await scan(page, unknown)
    await page.getByTestId('scan-error').getByText(`No product has barcode ${unknown}`).waitFor()
    await expectCart(page, cart)
    expect(await textOf(page.getByTestId('total'))).toBe(kr(milk.price + bread.price))

    // A misread check digit, too few digits, something that is no code at all, a product no longer sold.
    const misread = `${unknown.slice(0, 12)}${(Number(unknown[12]) + 1) % 10}`
    await scan(page, misread)
    await page.getByTestId('scan-error').getByText('The barcode').waitFor()
    await scan(page, '12345')
    await page
      .getByText('12345 is not a barcode: a barcode has 8 to 14 digits, this has 5. Scan it again.')
      .waitFor()
    await scan(page, 'hello')
    await page
      .getByText('That is neither a product barcode nor a Vipps MobilePay QR code', { exact: false })
      .waitFor()
    await scan(page, inactive.barcode)
    await page.getByTestId('scan-error').getByText(`${inactive.name} is no longer sold`).waitFor()

    // The scan field is still ready, and the next good code goes on the same cart.
    await scan(page, milk.barcode)
    await expectCart(page, [`${milk.name} × 2 = ${kr(2 * milk.price)}`, cart[1]!])
    expect(await textOf(page.getByTestId('scan-error'))).toBe('')
  })

  it('changes quantities, removes lines, and takes the next scan after a tap without a click in the field', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    const { milk, bread } = PRODUCTS
    await scan(page, milk.barcode)
    await scan(page, bread.barcode)
    await expectCart(page, [`${milk.name} × 1 = ${kr(milk.price)}`, `${bread.name} × 1 = ${kr(bread.price)}`])

    await page.getByRole('button', { name: `One more ${milk.name}` }).click()
    await page.getByRole('button', { name: `One more ${milk.name}` }).click()
    await expectCart(page, [
      `${milk.name} × 3 = ${kr(3 * milk.price)}`,
      `${bread.name} × 1 = ${kr(bread.price)}`,
    ])
    await page.getByRole('button', { name: `One fewer ${milk.name}` }).click()
    await expectCart(page, [
      `${milk.name} × 2 = ${kr(2 * milk.price)}`,
      `${bread.name} × 1 = ${kr(bread.price)}`,
    ])
    expect(await page.getByRole('button', { name: `One fewer ${bread.name}` }).isDisabled()).toBe(true)

    await page.getByRole('button', { name: `Remove ${milk.name}` }).click()
    await expectCart(page, [`${bread.name} × 1 = ${kr(bread.price)}`])
    expect(await textOf(page.getByTestId('total'))).toBe(kr(bread.price))

    // The focus went back to the scan field after the tap: the scanner's digits land there.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('scan')
    await page.locator('.topbar').click()
    await scan(page, milk.barcode)
    await expectCart(page, [`${bread.name} × 1 = ${kr(bread.price)}`, `${milk.name} × 1 = ${kr(milk.price)}`])
  })

  it('finds a product by name and adds it with a tap; a barcode typed into the search is a scan', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    const { bread, bus } = PRODUCTS
    await page.getByLabel('Product name or barcode').fill('kneipp')
    await page.getByTestId('search-result').filter({ hasText: bread.name }).click()
    await expectCart(page, [`${bread.name} × 1 = ${kr(bread.price)}`])

    await page.getByLabel('Product name or barcode').fill('finnes ikke')
    await page.getByText('No product matches “finnes ikke”').waitFor()

    await page.getByLabel('Product name or barcode').fill(bus.barcode)
    await page.getByLabel('Product name or barcode').press('Enter')
    await expectCart(page, [`${bread.name} × 1 = ${kr(bread.price)}`, `${bus.name} × 1 = ${kr(bus.price)}`])
  })

  it('lets a manager discount a line by percent or amount, and shows a cashier no discount button', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    await scan(page, PRODUCTS.milk.barcode)
    await expectCart(page, [`${PRODUCTS.milk.name} × 1 = ${kr(PRODUCTS.milk.price)}`])
    expect(await page.getByRole('button', { name: 'Discount' }).count()).toBe(0)
    await page.getByRole('button', { name: `Remove ${PRODUCTS.milk.name}` }).click()
    await page.getByTestId('cart-empty').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()

    await signIn(page, MANAGER)
    const { batteries, bread } = PRODUCTS
    await scan(page, batteries.barcode)
    await scan(page, bread.barcode)
    await expectCart(page, [
      `${batteries.name} × 1 = ${kr(batteries.price)}`,
      `${bread.name} × 1 = ${kr(bread.price)}`,
    ])

    const batteriesLine = page.getByTestId('cart-line').filter({ hasText: batteries.name })
    await batteriesLine.getByRole('button', { name: 'Discount' }).click()
    await batteriesLine.getByLabel('Percent off').fill('150')
    await batteriesLine.getByRole('button', { name: 'Apply discount' }).click()
    await batteriesLine.getByText('A percent discount is a whole number from 1 to 100').waitFor()
    await batteriesLine.getByLabel('Percent off').fill('10')
    await batteriesLine.getByRole('button', { name: 'Apply discount' }).click()
    const percentOff = Math.round(batteries.price / 10)
    await expectCart(page, [
      `${batteries.name} × 1 = ${kr(batteries.price - percentOff)}`,
      `${bread.name} × 1 = ${kr(bread.price)}`,
    ])
    expect(await textOf(batteriesLine.getByTestId('line-discount'))).toBe(
      `Discount 10 % (${kr(-percentOff)})`,
    )

    const breadLine = page.getByTestId('cart-line').filter({ hasText: bread.name })
    await breadLine.getByRole('button', { name: 'Discount' }).click()
    await breadLine.getByLabel('amount (kr)').check()
    await breadLine.getByLabel('Kroner off').fill('5,50')
    await breadLine.getByRole('button', { name: 'Apply discount' }).click()
    await expectCart(page, [
      `${batteries.name} × 1 = ${kr(batteries.price - percentOff)}`,
      `${bread.name} × 1 = ${kr(bread.price - 550)}`,
    ])
    const total = batteries.price - percentOff + bread.price - 550
    expect(await textOf(page.getByTestId('total'))).toBe(kr(total))
    expect(await textOf(page.getByTestId('total-discount'))).toBe(kr(-(percentOff + 550)))
    const batteriesGross = batteries.price - percentOff
    const breadGross = bread.price - 550
    expect(await vatRows(page)).toEqual([
      `25 % | ${kr(batteriesGross - vatOf(batteriesGross, 25))} | ${kr(vatOf(batteriesGross, 25))} | ${kr(batteriesGross)}`,
      `15 % | ${kr(breadGross - vatOf(breadGross, 15))} | ${kr(vatOf(breadGross, 15))} | ${kr(breadGross)}`,
    ])
  })

  it('keeps the cart when the session ends: the next sign-in at the till finds it', async () => {
    const page = await world.openTill()
    await signIn(page, CASHIER)
    await scan(page, PRODUCTS.milk.barcode)
    await expectCart(page, [`${PRODUCTS.milk.name} × 1 = ${kr(PRODUCTS.milk.price)}`])

    // Someone signs in at the same till on another screen: this screen's session ends.
    const other = await world.openTill()
    await signIn(other, CASHIER)
    await other.close()

    await scan(page, PRODUCTS.bread.barcode)
    await page.getByText('The session has ended. Sign in again: the sale is kept.').waitFor()
    await signIn(page, CASHIER)
    await expectCart(page, [`${PRODUCTS.milk.name} × 1 = ${kr(PRODUCTS.milk.price)}`])
  })
})
