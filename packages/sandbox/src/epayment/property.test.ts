/**
 * Random sequences of everything that can happen to payments — created,
 * approved, rejected, expired by the clock, captured, cancelled, refunded,
 * retried — never break the payment's invariants, seen through the API.
 */
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT, loadConfig } from '../config.ts'
import { canMove, type PaymentState } from './machine.ts'
import { KARI, newReference, pushRequest } from './test-helpers.ts'

const SLOTS = 3
const slot = fc.integer({ min: 0, max: SLOTS - 1 })
// Mostly amounts that fit (so captures and refunds are accepted often), sometimes ones that do not.
const money = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 4000 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 30_000 }), weight: 1 },
)
const value = fc.integer({ min: 100, max: 25_000 })

const command = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create' as const), slot, value }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('approve' as const), slot }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reject' as const), slot }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 12 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('capture' as const), slot, value: money }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), slot, value: money }), weight: 3 },
  {
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), slot, transactionOnly: fc.boolean() }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('retry' as const) }), weight: 2 },
)
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never

interface Seen {
  exists: boolean
  state?: PaymentState
  amount: number
  authorized: number
  cancelled: number
  captured: number
  refunded: number
  events: Array<{ name: string; amount: { value: number } }>
}

/** One write to repeat verbatim for `retry`. */
interface Write {
  url: string
  body: unknown
  key: string
  slot: number
  status: number
  response: unknown
}

describe('payment invariants under random operations', () => {
  it('hold for every sequence of create, approve, reject, expire, capture, cancel, refund and retries', async () => {
    // Rate limits off: a run sends dozens of writes to three references within
    // one sandbox minute, and the limiter's 429s would only hide the payment's
    // own answers, which are what this test is about.
    const config = loadConfig(undefined, {
      rateLimits: { enabled: false, writesPerMinute: 5, readsPerMinute: 120 },
    })
    const sb = await testSandbox({ config })

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value, approved: fc.boolean() }), { minLength: SLOTS, maxLength: SLOTS }),
        fc.array(command, { minLength: 5, maxLength: 40, size: 'max' }),
        async (slots, commands) => {
          sb.ctx.reset()
          const references = Array.from({ length: SLOTS }, () => newReference())
          // Every slot starts with a payment, some approved, so most commands meet one
          // worth modifying; later creates hit used references.
          const opening: Command[] = slots.flatMap(({ value, approved }, i) => [
            { kind: 'create' as const, slot: i, value },
            ...(approved ? [{ kind: 'approve' as const, slot: i }] : []),
          ])
          let lastWrite: Write | undefined
          for (const c of [...opening, ...commands]) lastWrite = await step(sb, references, c, lastWrite)
        },
      ),
      { numRuns: 100 },
    )
  })
})

async function step(sb: TestSandbox, references: string[], c: Command, lastWrite?: Write) {
  if (c.kind === 'advance') {
    const before = await Promise.all(references.map((r) => see(sb, r)))
    sb.ctx.clock.advance(c.minutes * 60_000)
    const after = await Promise.all(references.map((r) => see(sb, r)))
    before.forEach((b, i) => {
      const a = after[i]!
      checkInvariants(a)
      // Time alone only ever expires a pending payment, with one EXPIRED event.
      if (b.state === a.state) expect(a.events.length).toBe(b.events.length)
      else {
        expect([b.state, a.state]).toEqual(['CREATED', 'EXPIRED'])
        expect(a.events.slice(b.events.length).map((e) => e.name)).toEqual(['EXPIRED'])
      }
    })
    return lastWrite
  }
  if (c.kind === 'retry') {
    if (!lastWrite) return lastWrite
    const reference = references[lastWrite.slot]!
    const before = await see(sb, reference)
    const response = await api(sb, 'POST', lastWrite.url, lastWrite.body, lastWrite.key)
    const after = await see(sb, reference)
    checkInvariants(after)
    // An accepted write retried with its key answers the same and records nothing new.
    if (lastWrite.status < 300) {
      expect(response.statusCode).toBe(lastWrite.status)
      expect(response.json()).toEqual(lastWrite.response)
      expect(after.events.length).toBe(before.events.length)
    } else if (response.statusCode >= 400) {
      expect(after.events.length).toBe(before.events.length)
    }
    return lastWrite
  }

  const reference = references[c.slot]!
  const before = await see(sb, reference)
  let status: number
  let write: Write | undefined
  switch (c.kind) {
    case 'create': {
      const body = pushRequest({ reference, amount: { currency: 'NOK', value: c.value } })
      write = {
        url: '/epayment/v1/payments',
        body,
        key: randomUUID(),
        slot: c.slot,
        status: 0,
        response: null,
      }
      break
    }
    case 'capture':
    case 'refund':
      write = {
        url: `/epayment/v1/payments/${reference}/${c.kind}`,
        body: { modificationAmount: { currency: 'NOK', value: c.value } },
        key: randomUUID(),
        slot: c.slot,
        status: 0,
        response: null,
      }
      break
    case 'cancel':
      write = {
        url: `/epayment/v1/payments/${reference}/cancel`,
        body: { cancelTransactionOnly: c.transactionOnly },
        key: randomUUID(),
        slot: c.slot,
        status: 0,
        response: null,
      }
      break
    case 'approve':
    case 'reject':
      break
    default:
      throw new Error(`unhandled command ${JSON.stringify(c)}`)
  }
  if (write) {
    const response = await api(sb, 'POST', write.url, write.body, write.key)
    status = response.statusCode
    write.status = status
    write.response = response.json()
  } else {
    const url = `/_sandbox/users/${KARI}/payments/123456/${reference}/${c.kind}`
    status = (await sb.app.inject({ method: 'POST', url })).statusCode
  }
  expect(status).not.toBe(500)
  const after = await see(sb, reference)
  checkInvariants(after)
  if (before.exists) expect(canMove(before.state!, after.state!)).toBe(true)

  const added = after.events.slice(before.events.length)
  if (status >= 400) {
    // A refused command changes nothing.
    expect(added).toEqual([])
    expect({ ...after, events: [] }).toEqual({ ...before, events: [] })
    return write ?? undefined
  }
  // An accepted command records exactly one event, matching what changed.
  expect(added).toHaveLength(1)
  const event = added[0]!
  switch (c.kind) {
    case 'create':
      expect([event.name, after.state]).toEqual(['CREATED', 'CREATED'])
      break
    case 'approve':
      expect([before.state, event.name, after.state]).toEqual(['CREATED', 'AUTHORIZED', 'AUTHORIZED'])
      break
    case 'reject':
      expect([before.state, event.name, after.state]).toEqual(['CREATED', 'ABORTED', 'ABORTED'])
      break
    case 'capture':
      expect(event.name).toBe('CAPTURED')
      expect(after.captured - before.captured).toBe(c.value)
      break
    case 'refund':
      expect(event.name).toBe('REFUNDED')
      expect(after.refunded - before.refunded).toBe(c.value)
      break
    case 'cancel':
      if (before.state === 'CREATED') expect([event.name, after.state]).toEqual(['TERMINATED', 'TERMINATED'])
      else {
        expect(event.name).toBe('CANCELLED')
        expect(after.cancelled).toBe(after.authorized - after.captured)
      }
      break
  }
  return write ?? undefined
}

function checkInvariants(p: Seen): void {
  if (!p.exists) return
  // TERMINATED counts the whole amount as cancelled with nothing authorized, so
  // this holds for what was authorized; anything else has captured nothing.
  if (p.state === 'AUTHORIZED') expect(p.captured).toBeLessThanOrEqual(p.authorized - p.cancelled)
  expect(p.refunded).toBeLessThanOrEqual(p.captured)
  expect([0, p.amount]).toContain(p.authorized)
  if (p.state === 'TERMINATED') expect(p.cancelled).toBe(p.amount)
  if (p.state !== 'AUTHORIZED') expect([p.captured, p.refunded]).toEqual([0, 0])
  // The aggregate is the sum of the event log.
  const sum = (...names: string[]) =>
    p.events.filter((e) => names.includes(e.name)).reduce((total, e) => total + e.amount.value, 0)
  expect(p.captured).toBe(sum('CAPTURED'))
  expect(p.refunded).toBe(sum('REFUNDED'))
  expect(p.cancelled).toBe(sum('CANCELLED', 'TERMINATED'))
  expect(p.events[0]?.name).toBe('CREATED')
}

async function see(sb: TestSandbox, reference: string): Promise<Seen> {
  const payment = await api(sb, 'GET', `/epayment/v1/payments/${reference}`)
  if (payment.statusCode === 404) {
    return { exists: false, amount: 0, authorized: 0, cancelled: 0, captured: 0, refunded: 0, events: [] }
  }
  const body = payment.json()
  const events = (await api(sb, 'GET', `/epayment/v1/payments/${reference}/events`)).json()
  return {
    exists: true,
    state: body.state,
    amount: body.amount.value,
    authorized: body.aggregate.authorizedAmount.value,
    cancelled: body.aggregate.cancelledAmount.value,
    captured: body.aggregate.capturedAmount.value,
    refunded: body.aggregate.refundedAmount.value,
    events,
  }
}

/** An API call as the seeded merchant with a fresh token: the runs move the clock past any token's hour. */
function api(sb: TestSandbox, method: 'GET' | 'POST', url: string, body?: unknown, key?: string) {
  const { token } = sb.ctx.tokens.issue(DEFAULT_MERCHANT.clientId)
  return sb.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'ocp-apim-subscription-key': DEFAULT_MERCHANT.subscriptionKey,
      'merchant-serial-number': DEFAULT_MERCHANT.msn,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    ...(body === undefined ? {} : { payload: body as object }),
  })
}
