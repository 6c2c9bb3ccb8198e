/**
 * The shop's settlement page against a real sandbox whose clock stands still
 * until the test moves it. A Monday of orders — regular and Hurtigkasse,
 * shipped in parts and whole, one partly refunded, one left reserved — and a
 * sale at the till on the same MSN: "not settled yet" until Oslo's midnight,
 * then every capture and refund matched, the till's sale as another sales
 * channel, the fees, and the payout equal to captures − refunds − fees, paid
 * two business days later; the CSV says the same. A Tuesday when an order was
 * captured at the platform without the shop recording it: the page names it.
 */
import { newIdempotencyKey, VippsClient } from '@kasse/vipps'
import { and, eq, isNull, ne } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  control,
  KARI,
  MSN,
  Shopper,
  signInAdmin,
  startHurtigkasse,
  type TestShop,
  until,
  useTestShop,
} from '../../test/helpers.ts'
import { payment, paymentOperation } from '../db/schema.ts'
import { formatKroner } from '../money.ts'
import type { OrderView } from '../orders/store.ts'

const MONDAY = '2026-03-02'
const TUESDAY = '2026-03-03'
// 10:00 in Oslo (UTC+1 in March) on Monday 2 March 2026.
const env = useTestShop({ frozenAt: `${MONDAY}T09:00:00.000Z` })

/** Moves both clocks to `iso`: the platform's (its control API) and the shop's. */
async function advanceTo(e: TestShop, iso: string): Promise<void> {
  const { json } = await control(e, 'GET', '/_sandbox/clock')
  const now = Date.parse(json.now)
  const target = Date.parse(iso)
  expect((await control(e, 'POST', '/_sandbox/clock/advance', { ms: target - now })).status).toBe(200)
  e.shopClock!.advance(target - e.shopClock!.now())
}

/** A GET as the signed-in admin. */
const signedIn = async (e: TestShop) => (await signInAdmin(e)).get

const lineOf = (view: OrderView, productId: string) =>
  view.lines.find((l) => l.productId === productId)!.lineNo

/** A regular checkout of `items`, approved on Kari's phone; waits until the order is reserved. */
async function regularOrder(e: TestShop, items: Array<[string, number]>): Promise<OrderView> {
  const shopper = new Shopper(e)
  for (const [product, quantity] of items) await shopper.add(product, quantity)
  const response = await shopper.checkout()
  expect(response.statusCode, response.body).toBe(303)
  const landing = response.headers.location as string
  const [row] = await e.database.db.select().from(payment).where(eq(payment.redirectUrl, landing))
  const token = new URL(landing).searchParams.get('token')!
  expect((await control(e, 'POST', `/_sandbox/landing/${token}/user`, { msisdn: KARI })).status).toBe(200)
  const approved = await control(
    e,
    'POST',
    `/_sandbox/users/${KARI}/payments/${MSN}/${row!.reference}/approve`,
  )
  expect(approved.status, JSON.stringify(approved.json)).toBe(200)
  return reserved(e, row!.orderId)
}

/** Hurtigkasse of `quantity` of a product, approved on Kari's phone with pickup; waits until reserved. */
async function expressOrder(e: TestShop, productId: string, quantity = 1): Promise<OrderView> {
  const { id, orderId, token } = await startHurtigkasse(e, productId, quantity)
  expect((await control(e, 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn: KARI })).status).toBe(
    200,
  )
  await until(async () => {
    const { json } = await control(e, 'GET', `/_sandbox/ecom/orders/${MSN}/${orderId}`)
    return json.express.shipping.status === 'ready'
  }, 'the shop has offered its shipping')
  const approve = `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`
  expect((await control(e, 'POST', approve, { shippingMethodId: 'pickup-point' })).status).toBe(200)
  return reserved(e, id)
}

async function reserved(e: TestShop, id: string): Promise<OrderView> {
  await until(async () => {
    await e.shop.ctx.sync.sweep()
    return (await e.shop.ctx.orders.get(id)).order.state === 'reserved'
  }, 'the order is reserved')
  return e.shop.ctx.orders.get(id)
}

async function ship(e: TestShop, view: OrderView, quantities: Array<[string, number]>): Promise<void> {
  const lines = new Map(quantities.map(([product, quantity]) => [lineOf(view, product), quantity]))
  expect((await e.shop.ctx.orders.ship(view.order.id, lines)).state).toBe('done')
}

/** A Vipps client on the shop's MSN that is not the shop: the till, or someone capturing by hand. */
const otherClient = (e: TestShop) =>
  new VippsClient({ host: e.sandbox.url as `http://${string}`, credentials: { ...e.config.vipps } })

/** A sale at the till on the same MSN: created, approved on Kari's phone, captured. */
async function tillSale(e: TestShop, reference: string, value: number): Promise<void> {
  const till = otherClient(e)
  const amount = { currency: 'NOK' as const, value }
  await till.epayment.create(
    {
      reference,
      amount,
      paymentMethod: { type: 'WALLET' },
      userFlow: 'PUSH_MESSAGE',
      customer: { phoneNumber: KARI },
      customerInteraction: 'CUSTOMER_PRESENT',
    },
    { idempotencyKey: newIdempotencyKey() },
  )
  expect(
    (await control(e, 'POST', `/_sandbox/users/${KARI}/payments/${MSN}/${reference}/approve`)).status,
  ).toBe(200)
  await till.epayment.capture(reference, amount, { idempotencyKey: newIdempotencyKey() })
}

/** The lines of a settlement page as [status, reference]. */
const linesOf = (body: string) =>
  [...body.matchAll(/data-testid="settlement-line" data-status="([^"]+)" data-reference="([^"]*)"/g)].map(
    (match) => [match[1]!, match[2]!],
  )
const testValue = (body: string, id: string) =>
  new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(body)?.[1]?.replaceAll('\u00a0', ' ')

describe('the settlement page', () => {
  it('matches a day of orders to the report: every capture and refund, the till apart, payout = captures − refunds − fees', async () => {
    const e = env()
    const get = await signedIn(e)

    // Monday's orders. A: shipped in two parts. B: shipped, then 50 kr refunded.
    const a = await regularOrder(e, [
      ['kaffekopp-steintoy', 1],
      ['ullpledd', 1],
    ])
    await ship(e, a, [['kaffekopp-steintoy', 1]])
    await ship(e, a, [['ullpledd', 1]])
    const b = await regularOrder(e, [['strikkelue', 1]])
    await ship(e, b, [['strikkelue', 1]])
    expect((await e.shop.ctx.orders.refund(b.order.id, 5_000)).state).toBe('done')
    // C: Hurtigkasse, shipped whole (eCom capture). D: Hurtigkasse of two, one shipped so far.
    const c = await expressOrder(e, 'termoflaske')
    await ship(e, c, [['termoflaske', 1]])
    const d = await expressOrder(e, 'notatbok-a5', 2)
    await ship(e, d, [['notatbok-a5', 1]])
    expect((await e.shop.ctx.orders.get(d.order.id)).order.state).toBe('partially_shipped')
    // E: reserved, not shipped: no money has moved.
    await regularOrder(e, [['handlenett', 1]])
    // And the till sells on the same MSN.
    await tillSale(e, 'till-1-000001-1', 4_990)

    const before = await get(`/admin/avregning?dato=${MONDAY}`)
    expect(before.statusCode, before.body).toBe(200)
    expect(before.headers['content-security-policy']).toContain("script-src 'none'")
    expect(before.body).toContain('data-testid="not-settled"')
    const references = [a, a, b, b, c, d].map((v) => v.payment.reference)
    expect(
      [...before.body.matchAll(/data-testid="shop-record" data-reference="([^"]+)"/g)].map((m) => m[1]),
    ).toEqual(references)
    expect((await get(`/admin/avregning.csv?dato=${MONDAY}`)).statusCode).toBe(409)

    // Each capture and refund knows its pspReference: eCom's from the answer, ePayment's from the webhook.
    await until(async () => {
      const open = await e.database.db
        .select({ id: paymentOperation.id })
        .from(paymentOperation)
        .where(and(ne(paymentOperation.kind, 'cancel'), isNull(paymentOperation.pspReference)))
      return open.length === 0
    }, 'every operation has its pspReference')
    await advanceTo(e, `${MONDAY}T23:00:00.000Z`) // midnight in Oslo: Monday closes
    const getLater = await signedIn(e) // the admin session does not last the night
    const page = await getLater(`/admin/avregning?dato=${MONDAY}`)
    expect(page.statusCode, page.body).toBe(200)
    expect(page.body).toContain('data-differences="0"')
    const lines = linesOf(page.body)
    expect(
      lines
        .filter(([status]) => status === 'matched')
        .map(([, reference]) => reference)
        .sort(),
    ).toEqual([...references].sort())
    expect(lines.filter(([status]) => status === 'other-channel')).toEqual([
      ['other-channel', 'till-1-000001-1'],
    ])
    expect(lines.map(([status]) => status)).toEqual([
      ...references.map(() => 'matched'),
      'other-channel',
      'fee',
      'payout',
    ])

    // The payout identity, from the shop's own records and the report.
    const day = await e.shop.ctx.settlement.day(MONDAY)
    const totals = day.result!.totals
    const shopCaptured = day.records.filter((r) => r.kind === 'capture').reduce((s, r) => s + r.amount, 0)
    // Every capture on the ledger but the till's is one of the shop's.
    expect(shopCaptured).toBe(totals.captures - 4_990)
    expect(totals.recordedRefunds).toBe(5_000)
    expect(totals.refunds).toBe(5_000)
    expect(totals.expectedPayout).toBe(totals.captures - totals.refunds - totals.fees)
    expect(totals.payout).toBe(totals.expectedPayout)
    // Matched by pspReference, each to its own entry.
    for (const { record, entry } of day.result!.matched) {
      expect(record.pspReference).toBeDefined()
      expect(entry).toMatchObject({ reference: record.reference, pspReference: record.pspReference })
    }
    expect(
      day.result!.matched.filter((m) => m.record.kind === 'capture').every((m) => (m.fee ?? 0) > 0),
    ).toBe(true)
    expect(totals.fees).toBe(
      day.result!.matched.reduce((sum, m) => sum + (m.fee ?? 0), 0) + 199 /* the till's 49.90: 99 + 100 */,
    )
    expect(testValue(page.body, 'expected-payout')?.trim()).toBe(
      formatKroner(totals.expectedPayout).replaceAll('\u00a0', ' '),
    )
    expect(testValue(page.body, 'payout')?.trim()).toBe(formatKroner(totals.payout).replaceAll('\u00a0', ' '))

    // Paid two business days later: Wednesday.
    const { json: ledger } = await control(e, 'GET', `/_sandbox/ledgers/${MSN}`)
    expect(ledger.ledgers[0].payouts).toEqual([
      expect.objectContaining({
        ledgerDate: MONDAY,
        amount: totals.expectedPayout,
        payoutDate: '2026-03-04',
      }),
    ])

    const csv = await getLater(`/admin/avregning.csv?dato=${MONDAY}`)
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.headers['content-disposition']).toContain(`avregning-${MONDAY}.csv`)
    const rows = csv.body.trimEnd().split('\r\n')
    expect(rows[0]).toBe('status,kind,reference,pspReference,currency,recorded,settled,fee')
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(lines.map(([status]) => status))
  })

  it('names an order captured at the platform that the shop never recorded', async () => {
    const e = env()
    await advanceTo(e, `${TUESDAY}T09:00:00.000Z`)
    const recorded = await regularOrder(e, [['kaffebonner-500', 1]])
    await ship(e, recorded, [['kaffebonner-500', 1]])
    // Captured by hand, outside the shop: the platform has the money, the shop has no record of it.
    const unrecorded = await regularOrder(e, [['kaffekopp-steintoy', 1]])
    await otherClient(e).epayment.capture(
      unrecorded.payment.reference,
      { currency: 'NOK', value: unrecorded.order.totalAmount },
      { idempotencyKey: newIdempotencyKey() },
    )

    await advanceTo(e, `${TUESDAY}T23:00:00.000Z`)
    const get = await signedIn(e)
    const page = await get(`/admin/avregning?dato=${TUESDAY}`)
    expect(page.statusCode, page.body).toBe(200)
    expect(page.body).toContain('data-differences="1"')
    expect(linesOf(page.body)[0]).toEqual(['missing-in-records', unrecorded.payment.reference])
    expect(linesOf(page.body)[1]).toEqual(['matched', recorded.payment.reference])
    // Named: the line links to the order, by its number.
    const row = page.body.slice(page.body.indexOf('data-status="missing-in-records"'))
    expect(row.slice(0, row.indexOf('</tr>'))).toContain(
      `<a href="/admin/ordre/${unrecorded.order.id}">${unrecorded.order.number}</a>`,
    )
    expect(page.body).toContain('Mangler i nettbutikken')
  })

  it('refuses a date that is not one, or has not begun, naming it, on the page', async () => {
    const e = env()
    const get = await signedIn(e)
    for (const date of ['2026-02-30', 'i-går', '2099-01-01']) {
      const page = await get(`/admin/avregning?dato=${encodeURIComponent(date)}`)
      expect(page.statusCode).toBe(400)
      expect(page.body).toContain('data-testid="message"')
      expect(page.body).toContain('name="dato"')
    }
    expect((await e.shop.app.inject({ url: `/admin/avregning?dato=${MONDAY}` })).statusCode).toBe(303)
    expect((await get(`/admin/avregning?dato=${MONDAY}&dato=${TUESDAY}`)).statusCode).toBe(400)
  })

  it('says so on the page when the report cannot be fetched, and shows it once it can', async () => {
    const e = env()
    const get = await signedIn(e)
    e.faults.loseAnswer('GET', /\/report\/v2\/ledgers\/.*\/funds\/dates\//)
    const lost = await get(`/admin/avregning?dato=${MONDAY}`)
    expect(lost.statusCode).toBe(502)
    expect(lost.body).toContain('svarte ikke')
    expect(lost.body).toContain('name="dato"')
    const again = await get(`/admin/avregning?dato=${MONDAY}`)
    expect(again.statusCode).toBe(200)
    expect(again.body).toContain('data-testid="verdict"')
  })
})
