import { queryRows } from '@kasse/storage'
import { describe, expect, it } from 'vitest'
import { MARTIN, type TillClient, useTestPos } from '../../test/helpers.ts'

const pos = useTestPos()

const BARCODE = {
  milk: '7039610197728', // Tine Helmelk 1 l, 25.90, 15 %
  batteries: '7040110061051', // 79.90, 25 %
  bus: '7311041748688', // Bussbillett voksen, 45.00, 12 %
  newspaper: '7039610127701', // Aftenposten, 45.00, 0 %
  chocolate: '7038010315442', // Kvikk Lunsj, 22.90, 15 %
  toothpaste: '7311041174555', // 34.90, 25 %
  julebrus: '7038010811340', // no longer sold
}

async function openSale(client: TillClient): Promise<string> {
  const response = await client.request('POST', '/api/sales')
  expect(response.statusCode).toBe(200)
  return response.json().id
}

async function scan(client: TillClient, saleId: string, barcode: string, quantity?: number) {
  return client.request(
    'POST',
    `/api/sales/${saleId}/lines`,
    quantity === undefined ? { barcode } : { barcode, quantity },
  )
}

function lineOf(sale: { lines: Array<{ barcode: string; id: string }> }, barcode: string) {
  const line = sale.lines.find((l) => l.barcode === barcode)
  if (!line) throw new Error(`no line for ${barcode}`)
  return line
}

describe('the current sale', () => {
  it('is opened once per till, however many times it is asked for at once', async () => {
    const kari = await pos().signIn()
    const ids = await Promise.all(Array.from({ length: 5 }, () => openSale(kari)))
    expect(new Set(ids).size).toBe(1)
    const current = await kari.request('GET', '/api/sales/current')
    expect(current.json()).toMatchObject({
      id: ids[0],
      state: 'open',
      posId: 'till-1',
      currency: 'NOK',
      lines: [],
    })
  })

  it('is separate on each till: scanning at one till never touches the other’s cart', async () => {
    const tillOne = await pos().signIn(undefined, 'till-1')
    const tillTwo = await pos().signIn(MARTIN, 'till-2')
    const [saleOne, saleTwo] = await Promise.all([openSale(tillOne), openSale(tillTwo)])
    expect(saleOne).not.toBe(saleTwo)

    await Promise.all([
      scan(tillOne, saleOne, BARCODE.milk),
      scan(tillTwo, saleTwo, BARCODE.batteries),
      scan(tillOne, saleOne, BARCODE.newspaper),
      scan(tillTwo, saleTwo, BARCODE.batteries),
    ])
    const one = (await tillOne.request('GET', '/api/sales/current')).json()
    const two = (await tillTwo.request('GET', '/api/sales/current')).json()
    expect(one.lines.map((l: { name: string }) => l.name).sort()).toEqual(['Aftenposten', 'Tine Helmelk 1 l'])
    expect(two.lines.map((l: { name: string; quantity: number }) => [l.name, l.quantity])).toEqual([
      ['Batterier AA 4-pk', 2],
    ])
    expect(one.totals.grossAmount).toBe(2590 + 4500)
    expect(two.totals.grossAmount).toBe(2 * 7990)

    // Neither till can read or change the other's sale.
    expect((await tillOne.request('GET', `/api/sales/${saleTwo}`)).statusCode).toBe(404)
    const intrusion = await scan(tillOne, saleTwo, BARCODE.milk)
    expect(intrusion.statusCode).toBe(404)
    expect(intrusion.json().error.code).toBe('SALE_NOT_FOUND')
  })
})

describe('the cart', () => {
  it('takes a scanned barcode, adds the same product to its line, and takes a product id from a tap', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    // A keyboard-wedge scanner may send the code with its line ending.
    const twice = await scan(kari, saleId, `${BARCODE.milk}\r\n`)
    expect(twice.statusCode).toBe(200)
    expect(twice.json().lines).toHaveLength(1)
    expect(twice.json().lines[0]).toMatchObject({
      name: 'Tine Helmelk 1 l',
      quantity: 2,
      unitPrice: 2590,
      grossAmount: 5180,
    })

    const [coffee] = (await kari.request('GET', '/api/products?q=Kaffe to go')).json().products
    const tapped = await kari.request('POST', `/api/sales/${saleId}/lines`, {
      productId: coffee.id,
      quantity: 2,
    })
    expect(
      tapped
        .json()
        .lines.map((l: { name: string; quantity: number; position: number }) => [
          l.position,
          l.name,
          l.quantity,
        ]),
    ).toEqual([
      [1, 'Tine Helmelk 1 l', 2],
      [2, 'Kaffe to go', 2],
    ])
  })

  it('changes a quantity and removes a line', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    const withBoth = (await scan(kari, saleId, BARCODE.batteries)).json()

    const changed = await kari.request(
      'PATCH',
      `/api/sales/${saleId}/lines/${lineOf(withBoth, BARCODE.milk).id}`,
      {
        quantity: 6,
      },
    )
    expect(changed.statusCode).toBe(200)
    expect(lineOf(changed.json(), BARCODE.milk)).toMatchObject({ quantity: 6, grossAmount: 6 * 2590 })

    const removed = await kari.request(
      'DELETE',
      `/api/sales/${saleId}/lines/${lineOf(withBoth, BARCODE.batteries).id}`,
    )
    expect(removed.json().lines.map((l: { name: string }) => l.name)).toEqual(['Tine Helmelk 1 l'])
    expect(removed.json().totals.grossAmount).toBe(6 * 2590)

    const zero = await kari.request(
      'PATCH',
      `/api/sales/${saleId}/lines/${lineOf(withBoth, BARCODE.milk).id}`,
      {
        quantity: 0,
      },
    )
    expect(zero.statusCode).toBe(400)
    expect(zero.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'quantity' })
    const gone = await kari.request(
      'DELETE',
      `/api/sales/${saleId}/lines/${lineOf(withBoth, BARCODE.batteries).id}`,
    )
    expect(gone.statusCode).toBe(404)
    expect(gone.json().error.code).toBe('LINE_NOT_FOUND')
  })

  it('says what is wrong with a scan: a misread, an unknown product, one no longer sold', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    const misread = await scan(kari, saleId, '7039610197729')
    expect(misread.statusCode).toBe(400)
    expect(misread.json().error).toEqual({
      code: 'INVALID_BARCODE',
      message: 'The barcode has check digit 9, but its first 12 digits give 8',
      field: 'barcode',
    })
    const unknown = await scan(kari, saleId, '4006381333931')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_BARCODE', field: 'barcode' })
    const retired = await scan(kari, saleId, BARCODE.julebrus)
    expect(retired.statusCode).toBe(409)
    expect(retired.json().error).toMatchObject({ code: 'PRODUCT_INACTIVE', field: 'barcode' })
    const neither = await kari.request('POST', `/api/sales/${saleId}/lines`, { quantity: 1 })
    expect(neither.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'barcode' })
    expect((await kari.request('GET', '/api/sales/current')).json().lines).toEqual([])
  })

  it('keeps the price a product was scanned at when a manager changes it afterwards', async () => {
    const kari = await pos().signIn(undefined, 'till-1')
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    const martin = await pos().signIn(MARTIN, 'till-2')
    const [milk] = (await martin.request('GET', '/api/products?q=Helmelk')).json().products
    await martin.request('PATCH', `/api/products/${milk.id}`, { grossPrice: 9990 })

    const sale = (await kari.request('GET', `/api/sales/${saleId}`)).json()
    expect(lineOf(sale, BARCODE.milk)).toMatchObject({ unitPrice: 2590 })
    // The next scan is at the new price, on a line of its own.
    const after = (await scan(kari, saleId, BARCODE.milk)).json()
    expect(
      after.lines.map((l: { unitPrice: number; quantity: number }) => [l.unitPrice, l.quantity]),
    ).toEqual([
      [2590, 1],
      [9990, 1],
    ])
  })
})

describe('line discounts', () => {
  it('are for managers only: a cashier gets 403 and the line keeps its price', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    const sale = (await scan(kari, saleId, BARCODE.milk)).json()
    const refused = await kari.request('PUT', `/api/sales/${saleId}/lines/${sale.lines[0].id}/discount`, {
      percent: 50,
    })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toEqual({
      code: 'MANAGER_REQUIRED',
      message: 'Only a manager may give discounts; ask a manager to sign in',
    })
    expect((await kari.request('GET', `/api/sales/${saleId}`)).json().lines[0].discount).toBeNull()
  })

  it('given by a manager at the till, in øre or percent, never take a line below zero', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.toothpaste, 2)
    const sale = (await scan(kari, saleId, BARCODE.chocolate, 3)).json()
    const toothpaste = lineOf(sale, BARCODE.toothpaste).id
    const chocolate = lineOf(sale, BARCODE.chocolate).id

    // The manager comes to the till and signs in there; the sale belongs to the till.
    const martin = await pos().signIn(MARTIN, 'till-1')
    const amount = await martin.request('PUT', `/api/sales/${saleId}/lines/${toothpaste}/discount`, {
      amount: 500,
    })
    expect(amount.statusCode).toBe(200)
    expect(lineOf(amount.json(), BARCODE.toothpaste)).toMatchObject({
      discount: { kind: 'amount', amount: 500 },
      discountAmount: 500,
      grossAmount: 6480,
    })
    const percent = await martin.request('PUT', `/api/sales/${saleId}/lines/${chocolate}/discount`, {
      percent: 10,
    })
    expect(lineOf(percent.json(), BARCODE.chocolate)).toMatchObject({
      discountAmount: 687,
      grossAmount: 6183,
    })

    const tooMuch = await martin.request('PUT', `/api/sales/${saleId}/lines/${toothpaste}/discount`, {
      amount: 6981,
    })
    expect(tooMuch.statusCode).toBe(400)
    expect(tooMuch.json().error).toEqual({
      code: 'INVALID_DISCOUNT',
      message: "A discount cannot be more than the line's value (6980 minor units)",
      field: 'amount',
    })
    const overHundred = await martin.request('PUT', `/api/sales/${saleId}/lines/${chocolate}/discount`, {
      percent: 101,
    })
    expect(overHundred.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'percent' })
    const both = await martin.request('PUT', `/api/sales/${saleId}/lines/${chocolate}/discount`, {
      percent: 5,
      amount: 5,
    })
    expect(both.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'amount' })

    // 46.00 off two tubes, then one tube is put back: the line is 0, not −11.10.
    const full = await martin.request('PUT', `/api/sales/${saleId}/lines/${toothpaste}/discount`, {
      amount: 4600,
    })
    expect(full.statusCode).toBe(200)
    const fewer = await martin.request('PATCH', `/api/sales/${saleId}/lines/${toothpaste}`, { quantity: 1 })
    expect(lineOf(fewer.json(), BARCODE.toothpaste)).toMatchObject({
      discountAmount: 3490,
      grossAmount: 0,
      vatAmount: 0,
    })

    const cleared = await martin.request('DELETE', `/api/sales/${saleId}/lines/${toothpaste}/discount`)
    expect(lineOf(cleared.json(), BARCODE.toothpaste)).toMatchObject({ discount: null, grossAmount: 3490 })
  })
})

describe('the totals', () => {
  it('add up to the øre for a cart with all four VAT rates (worked by hand)', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk, 2)
    await scan(kari, saleId, BARCODE.batteries)
    await scan(kari, saleId, BARCODE.bus)
    await scan(kari, saleId, BARCODE.newspaper)
    await scan(kari, saleId, BARCODE.chocolate, 3)
    const cart = (await scan(kari, saleId, BARCODE.toothpaste, 2)).json()
    const martin = await pos().signIn(MARTIN, 'till-1')
    await martin.request('PUT', `/api/sales/${saleId}/lines/${lineOf(cart, BARCODE.chocolate).id}/discount`, {
      percent: 10,
    })
    const sale = (
      await martin.request(
        'PUT',
        `/api/sales/${saleId}/lines/${lineOf(cart, BARCODE.toothpaste).id}/discount`,
        { amount: 500 },
      )
    ).json()

    // gross; VAT = gross × rate / (100 + rate), rounded once; net = gross − VAT
    expect(
      sale.lines.map((l: Record<string, number>) => [l.vatRate, l.grossAmount, l.vatAmount, l.netAmount]),
    ).toEqual([
      [15, 5180, 676, 4504], // 2 × 25.90; 675.65 → 676
      [25, 7990, 1598, 6392], // 79.90 / 5
      [12, 4500, 482, 4018], // 4500 × 12/112 = 482.14 → 482
      [0, 4500, 0, 4500],
      [15, 6183, 806, 5377], // 3 × 22.90 = 68.70 − 10 % (6.87) = 61.83; 806.48 → 806
      [25, 6480, 1296, 5184], // 2 × 34.90 − 5.00 = 64.80; / 5
    ])
    expect(sale.totals).toEqual({
      grossAmount: 34_833,
      vatAmount: 4_858,
      netAmount: 29_975,
      discountAmount: 1_187,
      vatBreakdown: [
        { vatRate: 25, grossAmount: 14_470, vatAmount: 2_894, netAmount: 11_576 },
        { vatRate: 15, grossAmount: 11_363, vatAmount: 1_482, netAmount: 9_881 },
        { vatRate: 12, grossAmount: 4_500, vatAmount: 482, netAmount: 4_018 },
        { vatRate: 0, grossAmount: 4_500, vatAmount: 0, netAmount: 4_500 },
      ],
    })
  })
})

describe('towards payment', () => {
  it('freezes the cart and gives receipt numbers 1, 2, 3 … across tills, without gaps or repeats', async () => {
    const { ctx } = pos()
    const clients = await Promise.all([pos().signIn(undefined, 'till-1'), pos().signIn(MARTIN, 'till-2')])
    const actors = await Promise.all(clients.map((c) => ctx.cashiers.actorFor(c.sessionToken)))
    const numbers: number[] = []
    for (let round = 0; round < 4; round++) {
      const paid = await Promise.all(
        clients.map(async (client, i) => {
          const saleId = await openSale(client)
          await scan(client, saleId, BARCODE.milk)
          // Asked twice at once, as a double-tapped "Pay" button would: one number.
          const [first, again] = await Promise.all([
            ctx.sales.beginPayment(actors[i]!, saleId),
            ctx.sales.beginPayment(actors[i]!, saleId),
          ])
          expect(again.sale.receiptNumber).toBe(first.sale.receiptNumber)
          const frozen = await scan(client, saleId, BARCODE.milk)
          expect(frozen.statusCode).toBe(409)
          expect(frozen.json().error).toEqual({
            code: 'SALE_NOT_EDITABLE',
            message: 'This sale is waiting for payment; its lines can no longer change',
          })
          await ctx.sales.registerPaid(saleId)
          return first.sale.receiptNumber!
        }),
      )
      numbers.push(...paid)
    }
    expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('lets the cashier edit again after a failed payment, keeping the receipt number', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const actor = (await ctx.cashiers.actorFor(kari.sessionToken))!
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    const { sale } = await ctx.sales.beginPayment(actor, saleId)
    await ctx.sales.resumeEditing(actor, saleId)
    expect((await scan(kari, saleId, BARCODE.milk)).json().lines[0].quantity).toBe(2)
    const again = await ctx.sales.beginPayment(actor, saleId)
    expect(again.sale.receiptNumber).toBe(sale.receiptNumber)
    expect(again.receipt.bottomLine.receiptNumber).toBe(String(sale.receiptNumber))
    expect(again.receipt.orderLines[0]?.unitInfo?.quantity).toBe('2')
  })

  it('will not take payment for an empty sale, and a paid sale frees the till for the next one', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const actor = (await ctx.cashiers.actorFor(kari.sessionToken))!
    const saleId = await openSale(kari)
    await expect(ctx.sales.beginPayment(actor, saleId)).rejects.toMatchObject({ code: 'EMPTY_SALE' })
    await scan(kari, saleId, BARCODE.milk)
    await ctx.sales.beginPayment(actor, saleId)
    const paid = await ctx.sales.registerPaid(saleId)
    expect(paid.state).toBe('paid')
    expect(paid.closedAt).toEqual(new Date(pos().clock.now()))
    expect((await ctx.sales.registerPaid(saleId)).state).toBe('paid')
    expect(await openSale(kari)).not.toBe(saleId)
  })

  it('voids an open sale, but not one waiting for payment', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    const voided = await kari.request('POST', `/api/sales/${saleId}/void`)
    expect(voided.json()).toMatchObject({ state: 'voided', closedAt: expect.any(String) })
    expect((await kari.request('GET', '/api/sales/current')).statusCode).toBe(404)
    expect((await scan(kari, saleId, BARCODE.milk)).statusCode).toBe(409)

    const next = await openSale(kari)
    await scan(kari, next, BARCODE.milk)
    await ctx.sales.beginPayment((await ctx.cashiers.actorFor(kari.sessionToken))!, next)
    const refused = await kari.request('POST', `/api/sales/${next}/void`)
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.code).toBe('SALE_STATE_CONFLICT')
  })
})

describe('the customer of a sale', () => {
  it('is answered with the whole sale, as a read afterwards sees it', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    const scanned = await scan(kari, saleId, BARCODE.milk)
    expect(scanned.json()).toEqual((await kari.request('GET', `/api/sales/${saleId}`)).json())
    pos().clock.advance(1000)
    const set = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
    expect(set.statusCode).toBe(200)
    expect(set.json()).toMatchObject({
      customer: { msisdn: '4712345678', source: 'typed', member: null },
      updatedAt: new Date(pos().clock.now()).toISOString(),
      lines: [expect.objectContaining({ barcode: BARCODE.milk })],
    })
    expect(set.json()).toEqual((await kari.request('GET', `/api/sales/${saleId}`)).json())
  })

  it('changes only on an open sale of this till, and says why not otherwise', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const martin = await pos().signIn(MARTIN, 'till-2')
    const saleId = await openSale(kari)
    await scan(kari, saleId, BARCODE.milk)
    const customer = { phoneNumber: '12345678' }

    const elsewhere = await martin.request('PUT', `/api/sales/${saleId}/customer`, customer)
    expect(elsewhere.statusCode).toBe(404)
    expect(elsewhere.json().error).toMatchObject({ code: 'SALE_NOT_FOUND', field: 'saleId' })
    expect((await kari.request('PUT', '/api/sales/sale_unknown/customer', customer)).statusCode).toBe(404)

    await ctx.sales.beginPayment((await ctx.cashiers.actorFor(kari.sessionToken))!, saleId)
    const waiting = await kari.request('PUT', `/api/sales/${saleId}/customer`, customer)
    expect(waiting.statusCode).toBe(409)
    expect(waiting.json().error).toEqual({
      code: 'SALE_NOT_EDITABLE',
      message: 'The payment request is under way; cancel it before changing the customer',
    })
    await ctx.sales.registerPaid(saleId)
    const paid = await kari.request('DELETE', `/api/sales/${saleId}/customer`)
    expect(paid.statusCode).toBe(409)
    expect(paid.json().error.message).toBe('This sale is paid; its customer can no longer change')
    const after = (await kari.request('GET', `/api/sales/${saleId}`)).json()
    expect(after).toMatchObject({ state: 'paid', customer: null })
  })
})

describe('a request that waits for another’s change to the same sale', () => {
  /**
   * Runs `request` while another transaction holds the sale's lock and has
   * added a line of milk (as a scan on another till process would), and
   * commits that transaction only once `request` waits for the lock. On PGlite
   * (one connection, one transaction at a time) the other change commits first.
   */
  async function whileAnotherAddsMilk<T>(saleId: string, request: () => Promise<T>): Promise<T> {
    const { database } = pos()
    let answer: Promise<T> | undefined
    let settled = false
    await database.db.transaction(async (tx) => {
      await queryRows(tx, 'UPDATE sale SET updated_at = updated_at WHERE id = $1', [saleId])
      await queryRows(
        tx,
        `INSERT INTO sale_line (id, sale_id, position, product_id, name, barcode, unit_price, vat_rate, quantity, created_at, updated_at)
         SELECT 'line_other', $1, 1, id, name, barcode, gross_price, vat_rate, 1, now(), now() FROM product WHERE barcode = $2`,
        [saleId, BARCODE.milk],
      )
      if (database.kind === 'pglite') return
      answer = request().finally(() => {
        settled = true
      })
      // Commit only once the request waits for the sale's lock (or has failed, which the test then shows).
      for (;;) {
        const [waiting] = await queryRows<{ n: number }>(
          tx,
          'SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))',
        )
        if (waiting!.n > 0 || settled) break
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })
    return answer ?? request()
  }

  it('scanning, adds to the line the other change added', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    const scanned = await whileAnotherAddsMilk(saleId, () => scan(kari, saleId, BARCODE.milk))
    expect(scanned.statusCode).toBe(200)
    expect(scanned.json().lines).toEqual([
      expect.objectContaining({ id: 'line_other', barcode: BARCODE.milk, quantity: 2 }),
    ])
    expect(scanned.json()).toEqual((await kari.request('GET', `/api/sales/${saleId}`)).json())
  })

  it('setting the customer, answers with the line the other change added', async () => {
    const kari = await pos().signIn()
    const saleId = await openSale(kari)
    const set = await whileAnotherAddsMilk(saleId, () =>
      kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' }),
    )
    expect(set.statusCode).toBe(200)
    expect(set.json()).toMatchObject({
      customer: { msisdn: '4712345678' },
      lines: [expect.objectContaining({ id: 'line_other', quantity: 1 })],
    })
    expect(set.json()).toEqual((await kari.request('GET', `/api/sales/${saleId}`)).json())
  })
})
