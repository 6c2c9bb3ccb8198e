/**
 * Webhook faults on eCom's calls to the merchant, against a real shop server
 * on 127.0.0.1 that refuses any call without its authToken: the payment
 * callback dropped, duplicated, delayed (on the sandbox clock) and sent with a
 * wrong authToken (refused, then retried with the right one); the shipping
 * details request lost (no answer: "No shipping methods found") and never held
 * back; the consent removal duplicated; rules picking one kind of call by
 * `event` and leaving ePayment's events alone; and a shop that does not
 * answer in time (the receiver timeout), retried.
 */
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { RETRY_DELAYS_MS, TIMEOUTS_MS } from '../ecom/merchant-calls.ts'
import {
  approveOnPhone,
  control,
  details,
  ecom,
  expressBody,
  initiate,
  initiateBody,
  KARI,
  type MerchantRequest,
  startMerchant,
  toPhone,
  until,
} from '../ecom/test-helpers.ts'
import type { FaultLogEntry } from './faults.ts'

const AUTH_TOKEN = 'shop-secret-token'

/** A shop that answers 401 to a call without its authToken, and offers one shipping option. */
const strictShop = () =>
  startMerchant((request: MerchantRequest) => {
    if (request.headers.authorization !== AUTH_TOKEN) return { status: 401 }
    if (!request.path.endsWith('/shippingDetails')) return { status: 200 }
    const orderId = /\/payments\/([^/]+)\/shippingDetails$/.exec(request.path)![1]
    const { addressId } = request.json as { addressId: number }
    const option = {
      isDefault: 'Y',
      priority: 0,
      shippingCost: 0,
      shippingMethod: 'Hent',
      shippingMethodId: 'store',
    }
    return { status: 200, json: { addressId, orderId, shippingDetails: [option] } }
  })

async function setFaults(sb: TestSandbox, rules: unknown[]) {
  const response = await sb.app.inject({
    method: 'PUT',
    url: '/_sandbox/faults',
    payload: { seed: 7, rules },
  })
  expect(response.statusCode, response.body).toBe(200)
}

const faultLog = async (sb: TestSandbox): Promise<FaultLogEntry[]> =>
  (await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json().entries

const callbacksOf = async (sb: TestSandbox, orderId: string) =>
  (await control(sb, 'GET', `/_sandbox/ecom/callbacks?orderId=${orderId}`)).json().callbacks as Array<{
    kind: string
    state: string
    nextAttemptAt?: string
    attempts: Array<{ statusCode?: number; error?: string }>
  }>

/** A regular order to the shop, reserved with the integration-test approve: its payment callback goes out. */
async function reserved(sb: TestSandbox, prefix: string): Promise<string> {
  const { orderId } = await initiate(sb, initiateBody({}, prefix))
  const response = await ecom(sb, {
    url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
    body: { customerPhoneNumber: '12345678' },
  })
  expect(response.statusCode, response.body).toBe(200)
  return orderId
}

describe('webhook faults on eCom’s payment callback', () => {
  it('drops it: the sandbox counts it sent, the shop never hears, the log names the order', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'drop', event: 'ecom.payment-callback' }])
    const orderId = await reserved(sb, shop.prefix)
    await until(async () => (await callbacksOf(sb, orderId))[0]?.state === 'delivered', 'the call settles')
    expect(shop.received).toEqual([])
    expect(await faultLog(sb)).toEqual([
      expect.objectContaining({
        target: 'webhooks',
        kind: 'drop',
        msn: '123456',
        reference: orderId,
        eventType: 'ecom.payment-callback',
        url: `${shop.prefix}/v2/payments/${orderId}`,
      }),
    ])
    // The order itself is reserved: only the merchant's polling can find out.
    expect((await details(sb, orderId)).transactionLogHistory[0]).toMatchObject({ operation: 'RESERVE' })
  })

  it('duplicates it: the shop gets the same body twice', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'duplicate', event: 'ecom.payment-callback' }])
    const orderId = await reserved(sb, shop.prefix)
    await until(() => shop.received.length === 2, 'both copies arrive')
    expect(shop.received[1]!.body).toBe(shop.received[0]!.body)
    expect((await faultLog(sb))[0]).toMatchObject({ kind: 'duplicate', receiverStatuses: [200, 200] })
    expect((await callbacksOf(sb, orderId))[0]!.state).toBe('delivered')
  })

  it('delays it on the sandbox clock', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'delay', delayMs: 60_000 }])
    await reserved(sb, shop.prefix)
    await until(async () => (await faultLog(sb)).length === 1, 'the delay fault fires')
    expect(shop.received).toEqual([])
    sb.ctx.clock.advance(60_000)
    await until(() => shop.received.length === 1, 'the callback arrives after the delay')
  })

  it('sends it with a wrong authToken: the shop refuses it and the retry carries the right one', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'bad-signature', event: 'ecom.payment-callback', times: 1 }])
    const orderId = await reserved(sb, shop.prefix)
    await until(
      async () => (await callbacksOf(sb, orderId))[0]?.nextAttemptAt !== undefined,
      'a retry is due',
    )
    expect(shop.received[0]!.headers.authorization).not.toBe(AUTH_TOKEN)
    sb.ctx.clock.advance(RETRY_DELAYS_MS[0])
    await until(async () => (await callbacksOf(sb, orderId))[0]?.state === 'delivered', 'the retry lands')
    expect((await callbacksOf(sb, orderId))[0]!.attempts.map((a) => a.statusCode)).toEqual([401, 200])
    expect(shop.received[1]!.headers.authorization).toBe(AUTH_TOKEN)
  })

  it('times out on a shop that does not answer within 3 s, and retries on the sandbox clock', async () => {
    const sb = await testSandbox()
    let first = true
    const shop = await startMerchant(async () => {
      if (!first) return { status: 200 }
      first = false
      // Longer than the platform waits for the payment callback's answer.
      await new Promise((resolve) => setTimeout(resolve, TIMEOUTS_MS.payment + 500))
      return { status: 200 }
    })
    const orderId = await reserved(sb, shop.prefix)
    await until(
      async () => (await callbacksOf(sb, orderId))[0]?.nextAttemptAt !== undefined,
      'a retry is due',
    )
    expect((await callbacksOf(sb, orderId))[0]!.attempts[0]!.error).toBe('timeout')
    sb.ctx.clock.advance(RETRY_DELAYS_MS[0])
    await until(async () => (await callbacksOf(sb, orderId))[0]?.state === 'delivered', 'the retry lands')
    expect(shop.received).toHaveLength(2)
  })

  it('is left alone by a rule for an ePayment event', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'drop', event: 'AUTHORIZED' }])
    await reserved(sb, shop.prefix)
    await until(() => shop.received.length === 1, 'the callback arrives')
    expect(await faultLog(sb)).toEqual([])
    const refused = await sb.app.inject({
      method: 'POST',
      url: '/_sandbox/faults',
      payload: { kind: 'drop', event: 'ecom.payment-callbacks' },
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('ecom.payment-callback')
  })
})

describe('webhook faults on express checkout’s other calls', () => {
  const expressOrder = async (sb: TestSandbox, prefix: string) => {
    const body = expressBody({ merchantInfo: { staticShippingDetails: undefined } }, prefix)
    const { orderId, url } = await initiate(sb, body)
    await toPhone(sb, url)
    const shipping = async () =>
      (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`))
        .json()
        .pending.find((o: { orderId: string }) => o.orderId === orderId).express.shipping
    return { orderId, shipping }
  }

  it('loses the shipping details request: no answer, so "No shipping methods found"', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [{ kind: 'drop', event: 'ecom.shipping-details' }])
    const { shipping } = await expressOrder(sb, shop.prefix)
    await until(async () => (await shipping()).status === 'failed', 'the request fails')
    expect((await shipping()).error).toMatch(/^No shipping methods found: timeout/)
    expect(shop.received).toEqual([])
  })

  it('never holds back the shipping details request to reorder it, and reads the first answer of a duplicate', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    await setFaults(sb, [
      { kind: 'reorder', event: 'ecom.shipping-details' },
      { kind: 'duplicate', event: 'ecom.shipping-details' },
    ])
    const { shipping } = await expressOrder(sb, shop.prefix)
    await until(async () => (await shipping()).status === 'ready', 'the options are there')
    expect((await shipping()).options.map((o: { shippingMethodId: string }) => o.shippingMethodId)).toEqual([
      'store',
    ])
    expect(shop.received).toHaveLength(2)
    expect((await faultLog(sb)).map((entry) => entry.kind)).toEqual(['duplicate'])
  })

  it('duplicates the consent removal', async () => {
    const sb = await testSandbox()
    const shop = await strictShop()
    const { orderId, shipping } = await expressOrder(sb, shop.prefix)
    await until(async () => (await shipping()).status === 'ready', 'the options are there')
    await approveOnPhone(sb, orderId)
    await setFaults(sb, [{ kind: 'duplicate', event: 'ecom.consent-removal' }])
    const removed = await control(sb, 'POST', `/_sandbox/users/${KARI}/ecom-consents/123456/remove`)
    expect(removed.statusCode).toBe(202)
    await until(() => shop.received.filter((r) => r.method === 'DELETE').length === 2, 'both copies arrive')
    expect((await faultLog(sb))[0]).toMatchObject({ kind: 'duplicate', eventType: 'ecom.consent-removal' })
  })
})
