/**
 * Hurtigkasse through the sandbox's webhook faults on eCom's calls to the
 * shop: payment callbacks dropped, duplicated, delayed past the shop's own
 * lookup, held back (reorder), and a shipping details request lost. Whatever
 * reaches the shop and whenever, the status sync resolves every order to what
 * the platform did — reserved with the user's delivery, rejected, or timed out
 * — and a callback that arrives late never moves an order back.
 */
import { describe, expect, it } from 'vitest'
import {
  control,
  KARI,
  MSN,
  startHurtigkasse,
  type TestShop,
  until,
  useTestShop,
} from '../../test/helpers.ts'
import type { OrderState } from '../orders/machine.ts'

const env = useTestShop()

/** Sandbox time past the eCom order lifetime (10 minutes). */
const PAST_EXPIRY_MS = 11 * 60_000
const DELAY_MS = 2 * 60_000

type UserAction = 'approve' | 'reject' | 'nothing'

interface Scenario {
  name: string
  product: string
  action: UserAction
  /** Fault rules for this order's calls (the order's eCom orderId is added as `reference`). */
  faults: Array<Record<string, unknown>>
  /** The shop's state once everything has settled. */
  expected: OrderState
}

const callback = (kind: string, extra: Record<string, unknown> = {}) => ({
  kind,
  event: 'ecom.payment-callback',
  ...extra,
})

const SCENARIOS: Scenario[] = [
  {
    name: 'approved, callback dropped',
    product: 'kaffekopp-steintoy',
    action: 'approve',
    faults: [callback('drop')],
    expected: 'reserved',
  },
  {
    name: 'approved, callback duplicated',
    product: 'ullpledd',
    action: 'approve',
    faults: [callback('duplicate')],
    expected: 'reserved',
  },
  // Shipped by the admin before its callback arrives: the late callback must not move it back.
  {
    name: 'approved, callback delayed, shipped first',
    product: 'strikkelue',
    action: 'approve',
    faults: [callback('delay', { delayMs: DELAY_MS })],
    expected: 'shipped',
  },
  {
    name: 'approved, callback held back',
    product: 'termoflaske',
    action: 'approve',
    faults: [callback('reorder', { holdMs: DELAY_MS })],
    expected: 'reserved',
  },
  {
    name: 'rejected, callback dropped',
    product: 'notatbok-a5',
    action: 'reject',
    faults: [callback('drop')],
    expected: 'payment_failed',
  },
  {
    name: 'rejected, callback duplicated',
    product: 'handlenett',
    action: 'reject',
    faults: [callback('duplicate')],
    expected: 'payment_failed',
  },
  {
    name: 'rejected, callback delayed',
    product: 'kaffebonner-500',
    action: 'reject',
    faults: [callback('delay', { delayMs: DELAY_MS })],
    expected: 'payment_failed',
  },
  {
    name: 'timed out, callback dropped',
    product: 'kaffekopp-steintoy',
    action: 'nothing',
    faults: [callback('drop')],
    expected: 'payment_failed',
  },
  {
    name: 'shipping details lost, so timed out, callback delayed',
    product: 'ullpledd',
    action: 'nothing',
    faults: [{ kind: 'drop', event: 'ecom.shipping-details' }, callback('delay', { delayMs: DELAY_MS })],
    expected: 'payment_failed',
  },
]

/** What the shop's state must be for each state the platform ends an order in. */
const SHOP_STATE_FOR: Record<string, OrderState[]> = {
  RESERVED: ['reserved'],
  CAPTURED: ['shipped'],
  REJECTED: ['payment_failed'],
  EXPIRED: ['payment_failed'],
}

interface Placed {
  scenario: Scenario
  id: string
  orderId: string
}

async function sandboxOrder(e: TestShop, orderId: string) {
  const { status, json } = await control(e, 'GET', `/_sandbox/ecom/orders/${MSN}/${orderId}`)
  expect(status).toBe(200)
  return json as {
    state: string
    money?: { reserved: number; captured: number }
    express: { shipping: { status: string; error?: string } }
  }
}

/** Hurtigkasse on a product page, the order's faults in place, and the order on Kari's phone. */
async function place(e: TestShop, scenario: Scenario): Promise<Placed> {
  const { id, orderId: reference, token } = await startHurtigkasse(e, scenario.product)
  for (const rule of scenario.faults) {
    const added = await control(e, 'POST', '/_sandbox/faults', { ...rule, reference })
    expect(added.status, JSON.stringify(added.json)).toBe(201)
  }
  expect((await control(e, 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn: KARI })).status).toBe(
    200,
  )
  const asked = scenario.faults.some((rule) => rule.event === 'ecom.shipping-details')
  await until(async () => {
    const status = (await sandboxOrder(e, reference)).express.shipping.status
    return asked ? status === 'failed' : status === 'ready'
  }, `the shipping details request of "${scenario.name}" has settled`)
  return { scenario, id, orderId: reference }
}

async function act(e: TestShop, placed: Placed): Promise<void> {
  const base = `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${placed.orderId}`
  if (placed.scenario.action === 'approve') {
    expect((await control(e, 'POST', `${base}/approve`, { shippingMethodId: 'pickup-point' })).status).toBe(
      200,
    )
  } else if (placed.scenario.action === 'reject') {
    expect((await control(e, 'POST', `${base}/reject`)).status).toBe(200)
  }
}

/** Every payment callback of the order has settled: delivered (or counted so by a drop), none pending. */
async function callbacksSettled(e: TestShop, orderId: string): Promise<boolean> {
  const { json } = await control(e, 'GET', `/_sandbox/ecom/callbacks?orderId=${orderId}&kind=payment`)
  const calls = json.callbacks as Array<{ state: string }>
  return calls.length > 0 && calls.every((call) => call.state === 'delivered')
}

const stateOf = async (e: TestShop, id: string) => (await e.shop.ctx.orders.get(id)).order.state

describe('Hurtigkasse through faulty callbacks', () => {
  it('ends every order as the platform did, resolved by the status sync, whatever the callbacks do', async () => {
    const e = env()
    expect((await control(e, 'PUT', '/_sandbox/faults', { seed: 11, rules: [] })).status).toBe(200)
    const placed: Placed[] = []
    for (const scenario of SCENARIOS) placed.push(await place(e, scenario))
    for (const order of placed) await act(e, order)
    const byName = (name: string) => placed.find((p) => p.scenario.name === name)!

    // The callbacks that are not held back have gone; the sync looks up every order still waiting.
    for (const order of placed.filter((p) => p.scenario.action !== 'nothing')) {
      const delayed = order.scenario.faults.some((rule) => rule.kind === 'delay' || rule.kind === 'reorder')
      if (!delayed)
        await until(() => callbacksSettled(e, order.orderId), `"${order.scenario.name}" called back`)
    }
    await e.shop.ctx.sync.sweep()
    for (const order of placed.filter((p) => p.scenario.action === 'approve')) {
      expect(await stateOf(e, order.id), order.scenario.name).toBe('reserved')
    }
    for (const order of placed.filter((p) => p.scenario.action === 'reject')) {
      expect(await stateOf(e, order.id), order.scenario.name).toBe('payment_failed')
    }

    // Shipped, and so captured, while its callback is still on its way.
    const shippedFirst = byName('approved, callback delayed, shipped first')
    expect((await e.shop.ctx.orders.ship(shippedFirst.id, new Map([[1, 1]]), 'CP000000002NO')).state).toBe(
      'done',
    )

    // Time passes on the platform: unpaid orders time out, delayed and held callbacks arrive.
    expect((await control(e, 'POST', '/_sandbox/clock/advance', { ms: PAST_EXPIRY_MS })).status).toBe(200)
    expect((await control(e, 'POST', '/_sandbox/clock/advance', { ms: DELAY_MS + 60_000 })).status).toBe(200)
    for (const order of placed) {
      await until(
        () => callbacksSettled(e, order.orderId),
        `every callback of "${order.scenario.name}" settled`,
      )
    }
    // The held-back callback went out in the end, and the shop accepted it.
    await until(async () => {
      const { json } = await control(e, 'GET', '/_sandbox/faults/log?kind=reorder')
      return json.entries[0]?.receiverStatuses?.[0] === 200
    }, 'the held-back callback reaches the shop')
    await e.shop.ctx.sync.sweep()

    for (const order of placed) {
      const platform = await sandboxOrder(e, order.orderId)
      const view = await e.shop.ctx.orders.get(order.id)
      expect(view.order.state, order.scenario.name).toBe(order.scenario.expected)
      expect(SHOP_STATE_FOR[platform.state], `${order.scenario.name}: platform ${platform.state}`).toContain(
        view.order.state,
      )
      if (order.scenario.action === 'approve') {
        // The delivery Kari chose and her address, from the callback or from the lookup.
        expect(view.order, order.scenario.name).toMatchObject({
          shippingMethodId: 'pickup-point',
          postalCode: '0154',
          customerName: 'Kari Nordmann',
        })
        expect(view.payment.authorizedAmount).toBe(platform.money!.reserved)
        expect(view.lines.filter((line) => line.isShipping)).toHaveLength(1)
      }
    }
    // Captured once, all of it.
    const shipped = await sandboxOrder(e, shippedFirst.orderId)
    expect(shipped.money!.captured).toBe(shipped.money!.reserved)

    // The faults really happened, to eCom's calls.
    const { json: log } = await control(e, 'GET', '/_sandbox/faults/log')
    expect(log.byKind).toEqual({ drop: 4, duplicate: 2, delay: 3, reorder: 1 })
    for (const entry of log.entries as Array<{ eventType: string }>) {
      expect(entry.eventType).toMatch(/^ecom\./)
    }
  })
})
