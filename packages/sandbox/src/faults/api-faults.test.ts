/**
 * API faults as a client sees them: the client library (VippsClient) against a
 * sandbox listening on 127.0.0.1, with fault rules set through the control API.
 * Each fault must be survivable by a client that retries with the same
 * idempotency key, and the platform's records must show the work done once.
 */
import { type Amount, newIdempotencyKey, type RetryInfo, VippsClient } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { useListeningSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'
import type { FaultRuleView } from './faults.ts'
import {
  control as controlAt,
  createPayment,
  faultLog as faultLogAt,
  newReference,
  setFaults as setFaultsAt,
} from './test-helpers.ts'

const { sandbox } = useListeningSandbox()
const AMOUNT: Amount = { currency: 'NOK', value: 4990 }
const CAPTURE = 'POST /epayment/v1/payments/:reference/capture'

/** The client as a till uses it, with waits recorded instead of slept (the faults are counted, not timed). */
function retryingClient() {
  const retries: RetryInfo[] = []
  const waits: number[] = []
  const { clientId, clientSecret, subscriptionKey, msn } = DEFAULT_MERCHANT
  const client = new VippsClient({
    host: sandbox().url as `http://${string}`,
    credentials: { clientId, clientSecret, subscriptionKey, msn },
    responseValidation: 'strict',
    onRetry: (info) => retries.push(info),
    sleep: async (ms) => {
      waits.push(ms)
    },
    random: () => 0.5,
  })
  return { client, retries, waits }
}

const control = (method: string, path: string, body?: unknown) => controlAt(sandbox().url, method, path, body)
const setFaults = (set: { seed?: number; rules: unknown[] }) => setFaultsAt(sandbox().url, set)
const faultLog = () => faultLogAt(sandbox().url)

/** A payment authorised by the test approve, ready to capture. */
async function authorizedPayment(client: VippsClient): Promise<string> {
  const reference = await createPayment(client, AMOUNT)
  await client.epayment.forceApprove(reference)
  return reference
}

describe('a 5xx after commit', () => {
  it('captures once: the retry with the same key gets the original result', async () => {
    const { client, retries } = retryingClient()
    const reference = await authorizedPayment(client)
    await setFaults({ rules: [{ kind: '5xx-after-commit', endpoint: CAPTURE, times: 1 }] })
    const key = newIdempotencyKey()

    const captured = await client.epayment.capture(reference, AMOUNT, { idempotencyKey: key })

    expect(retries.map((r) => [r.operation, r.reason, r.idempotencyKey])).toEqual([
      ['epayment.capture', expect.stringContaining('500'), key],
    ])
    expect(captured.aggregate.capturedAmount).toEqual(AMOUNT)
    const events = await client.epayment.events(reference)
    const captures = events.filter((e) => e.name === 'CAPTURED')
    expect(captures.map((e) => e.idempotencyKey)).toEqual([key])
    // What the sandbox keeps for the key is what the client got: asking again changes nothing.
    expect(await client.epayment.capture(reference, AMOUNT, { idempotencyKey: key })).toEqual(captured)
    const log = await faultLog()
    expect(log.entries).toEqual([
      expect.objectContaining({
        kind: '5xx-after-commit',
        method: 'POST',
        path: `/epayment/v1/payments/${reference}/capture`,
        msn: DEFAULT_MERCHANT.msn,
        status: 500,
        committedStatus: 200,
      }),
    ])
  })

  it('answers eCom in eCom’s own error format', async () => {
    await setFaults({
      rules: [{ kind: '5xx-after-commit', endpoint: 'POST /ecomm/v2/payments', status: 502 }],
    })
    const response = await fetch(`${sandbox().url}/ecomm/v2/payments`, { method: 'POST' })
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual([
      expect.objectContaining({ errorGroup: 'VippsError', errorCode: '99', contextId: expect.any(String) }),
    ])
  })
})

describe('a connection dropped after commit', () => {
  it('captures once: the client sees a network error, retries, and gets the original result', async () => {
    const { client, retries } = retryingClient()
    const reference = await authorizedPayment(client)
    await setFaults({ rules: [{ kind: 'drop-after-commit', endpoint: CAPTURE, times: 1 }] })
    const key = newIdempotencyKey()

    const captured = await client.epayment.capture(reference, AMOUNT, { idempotencyKey: key })

    expect(retries).toHaveLength(1)
    expect(retries[0]!.idempotencyKey).toBe(key)
    expect(retries[0]!.reason).not.toContain('HTTP')
    expect(captured.aggregate.capturedAmount).toEqual(AMOUNT)
    const captures = (await client.epayment.events(reference)).filter((e) => e.name === 'CAPTURED')
    expect(captures.map((e) => e.idempotencyKey)).toEqual([key])
    expect(await client.epayment.capture(reference, AMOUNT, { idempotencyKey: key })).toEqual(captured)
    expect((await faultLog()).entries).toEqual([
      expect.objectContaining({ kind: 'drop-after-commit', committedStatus: 200 }),
    ])
  })
})

describe('a 5xx before commit', () => {
  it('creates once: nothing was done, the retry does it', async () => {
    const { client, retries } = retryingClient()
    await setFaults({
      rules: [{ kind: '5xx-before-commit', endpoint: 'POST /epayment/v1/payments', status: 503, times: 2 }],
    })
    const reference = newReference()

    await createPayment(client, AMOUNT, reference)

    expect(retries.map((r) => r.reason)).toEqual([
      expect.stringContaining('503'),
      expect.stringContaining('503'),
    ])
    const events = await client.epayment.events(reference)
    expect(events.map((e) => e.name)).toEqual(['CREATED'])
    const log = await faultLog()
    expect(log.byKind).toEqual({ '5xx-before-commit': 2 })
  })
})

describe('a 429 burst', () => {
  it('is waited out as Retry-After says, then the call succeeds', async () => {
    const { client, retries, waits } = retryingClient()
    const reference = await authorizedPayment(client)
    await setFaults({
      rules: [
        {
          kind: '429-burst',
          endpoint: 'GET /epayment/v1/payments/{reference}',
          requests: 2,
          retryAfterSeconds: 2,
          times: 1,
        },
      ],
    })

    const payment = await client.epayment.get(reference)

    expect(payment.state).toBe('AUTHORIZED')
    expect(retries.map((r) => r.reason)).toEqual([
      expect.stringContaining('429'),
      expect.stringContaining('429'),
    ])
    expect(waits).toEqual([2000, 2000])
    const [rule] = (await control('GET', '/faults')).body.rules as FaultRuleView[]
    expect(rule).toMatchObject({ triggered: 1, injected: 2, burstRemaining: 0 })
  })

  it('answers in the gateway’s format with Retry-After, for exactly the next N matching requests', async () => {
    await setFaults({
      rules: [{ kind: '429-burst', endpoint: 'GET /epayment/v1/payments/:reference', requests: 3, times: 1 }],
    })
    const statuses: number[] = []
    let first: Response | undefined
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${sandbox().url}/epayment/v1/payments/some-reference`)
      first ??= response
      statuses.push(response.status)
      await response.arrayBuffer()
    }
    // Three refusals, then the request reaches the API (401: no credentials).
    expect(statuses).toEqual([429, 429, 429, 401, 401])
    expect(first!.headers.get('retry-after')).toBe('1')
  })
})

describe('latency', () => {
  it('delays the answer and is logged with its length', async () => {
    const { client } = retryingClient()
    await setFaults({ rules: [{ kind: 'latency', latencyMs: 20, endpoint: 'POST /accesstoken/get' }] })
    await client.accessToken()
    expect((await faultLog()).entries).toEqual([
      expect.objectContaining({
        kind: 'latency',
        latencyMs: 20,
        path: '/accesstoken/get',
        msn: DEFAULT_MERCHANT.msn,
      }),
    ])
  })
})

describe('matching', () => {
  it('leaves other merchants, other endpoints and the control API alone', async () => {
    const { client } = retryingClient()
    await setFaults({
      rules: [
        { kind: '5xx-before-commit', msn: '999999' },
        { kind: '5xx-before-commit', endpoint: 'POST /epayment/v1/payments/:reference/refund' },
        { kind: '5xx-before-commit', endpoint: 'GET /epayment/v1/payments/:reference/events' },
      ],
    })
    const reference = await authorizedPayment(client)
    expect((await client.epayment.get(reference)).state).toBe('AUTHORIZED')
    expect((await control('GET', '/health')).status).toBe(200)
    expect((await faultLog()).total).toBe(0)
  })

  it('never faults the control API, even under a catch-all rule', async () => {
    await setFaults({ rules: [{ kind: '5xx-before-commit', endpoint: '* /*' }] })
    expect((await control('GET', '/health')).status).toBe(200)
    expect((await control('GET', '/faults')).status).toBe(200)
    expect((await fetch(`${sandbox().url}/qr/v1/exchange`, { method: 'POST' })).status).toBe(500)
  })
})

describe('determinism', () => {
  /** Forty reads of a payment under a rule that fails about a third of them; the statuses in order. */
  async function run(seed: number): Promise<string> {
    const rules = [
      {
        kind: '5xx-before-commit',
        endpoint: 'GET /epayment/v1/payments/:reference',
        probability: 0.35,
        status: 502,
      },
      { kind: '429-burst', endpoint: 'GET /epayment/v1/payments/:reference', probability: 0.1, requests: 2 },
    ]
    await setFaults({ seed, rules })
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${sandbox().url}/epayment/v1/payments/ref-${i % 3}`)
      statuses.push(response.status)
      await response.arrayBuffer()
    }
    const log = await faultLog()
    expect(log.total).toBe(statuses.filter((s) => s !== 401).length)
    return statuses.map((s) => (s === 401 ? '.' : s === 429 ? 'r' : 'x')).join('')
  }

  it('gives the same faults for the same seed and requests, and others for another seed', async () => {
    const first = await run(42)
    const again = await run(42)
    const other = await run(43)
    expect(again).toBe(first)
    expect(first).toMatch(/x/)
    expect(first).toMatch(/\./)
    expect(other).not.toBe(first)
  })

  it('restores the configured faults and seed on reset', async () => {
    await setFaults({ seed: 7, rules: [{ kind: '5xx-before-commit' }] })
    await control('POST', '/reset')
    expect((await control('GET', '/faults')).body).toEqual({ seed: 1, rules: [] })
  })
})
