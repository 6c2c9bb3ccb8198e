/**
 * The network failing between the client and a running sandbox, through a
 * local proxy: an answer lost after the platform committed a capture, a 429
 * with Retry-After, and a platform that never answers. Plus the sandbox's own
 * rate limit, waited out on the sandbox clock.
 */
import { type RunningSandbox, startSandbox } from '@kasse/sandbox'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  newIdempotencyKey,
  outcomeUnknown,
  type VippsClientOptions,
  VippsTimeoutError,
} from '../src/index.ts'
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy.ts'
import { authorizedPayment as authorizedVia, clientAt, nok } from './helpers/sandbox.ts'

let sandbox: RunningSandbox
let proxy: FaultProxy

/** Fast retries, so a test spends no time backing off. */
const clientVia = (url: string, options: Partial<VippsClientOptions> = {}) =>
  clientAt(url, { retry: { initialDelayMs: 1, maxDelayMs: 5 }, ...options })

/** An authorized payment, made directly (not through the proxy). */
const authorizedPayment = (value: number) => authorizedVia(clientAt(sandbox.url), value)

const isCapture = (request: { method: string; path: string }) =>
  request.method === 'POST' && request.path.endsWith('/capture')

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await sandbox.close()
})

beforeEach(async () => {
  proxy = await startFaultProxy(sandbox.url)
})

afterEach(async () => {
  await proxy.close()
})

describe('faults between the client and the platform', () => {
  it('retries a capture whose answer was lost after the platform committed it, with the same key, and captures once', async () => {
    const reference = await authorizedPayment(10_000)
    let captures = 0
    proxy.decide = (request) =>
      isCapture(request) && captures++ === 0 ? { type: 'drop-after-forward' } : undefined
    const client = clientVia(proxy.url)
    const key = newIdempotencyKey()

    const result = await client.epayment.capture(reference, nok(10_000), { idempotencyKey: key })

    expect(result.aggregate.capturedAmount).toEqual(nok(10_000))
    const attempts = proxy.seen.filter(isCapture)
    expect(attempts.map((a) => a.fault)).toEqual(['drop-after-forward', 'forward'])
    expect(attempts.map((a) => a.headers['idempotency-key'])).toEqual([key, key])
    const direct = clientVia(sandbox.url)
    expect((await direct.epayment.get(reference)).aggregate.capturedAmount).toEqual(nok(10_000))
    const captured = (await direct.epayment.events(reference)).filter((e) => e.name === 'CAPTURED')
    expect(captured).toHaveLength(1)
    expect(captured[0]!.idempotencyKey).toBe(key)
  })

  it('waits out a 429 for as long as Retry-After says, then succeeds', async () => {
    const reference = await authorizedPayment(10_000)
    proxy.decide = (request, nth) =>
      isCapture(request) && nth === 1
        ? {
            type: 'answer',
            status: 429,
            headers: { 'retry-after': '2' },
            body: JSON.stringify({
              statusCode: 429,
              message: 'Rate limit is exceeded. Try again in 2 seconds.',
            }),
          }
        : undefined
    const waits: number[] = []
    const client = clientVia(proxy.url, {
      sleep: async (ms) => {
        waits.push(ms)
      },
    })

    const result = await client.epayment.capture(reference, nok(2_500))

    expect(result.aggregate.capturedAmount).toEqual(nok(2_500))
    expect(waits).toEqual([2000])
    expect(proxy.seen.filter(isCapture).map((a) => a.fault)).toEqual(['answer', 'forward'])
  })

  it('reports a platform that does not answer as a timeout error naming the request', async () => {
    const reference = await authorizedPayment(10_000)
    proxy.decide = (request) => (isCapture(request) ? { type: 'hang' } : undefined)
    const client = clientVia(proxy.url, { timeoutMs: 200, retry: { maxRetries: 0 } })

    const error = await client.epayment
      .capture(reference, nok(1_000), { idempotencyKey: 'till1-attempt-9-capture' })
      .catch((e) => e)

    expect(error).toBeInstanceOf(VippsTimeoutError)
    expect(error.request).toMatchObject({
      operation: 'epayment.capture',
      method: 'POST',
      url: `${proxy.url}/epayment/v1/payments/${reference}/capture`,
      idempotencyKey: 'till1-attempt-9-capture',
    })
    expect(outcomeUnknown(error)).toBe(true)
  })

  it("waits out the sandbox's own rate limit on its clock and then captures", async () => {
    const reference = await authorizedPayment(10_000)
    const retries: Array<{ delayMs: number; reason: string }> = []
    const client = clientVia(sandbox.url, {
      onRetry: (info) => retries.push(info),
      // Waiting is moving the sandbox's clock: its limiter counts in sandbox time.
      sleep: async (ms) => sandbox.ctx.clock.advance(ms),
      // The limiter asks for up to a minute, more than the default 30 s budget allows.
      retry: { maxRetryAfterMs: 60_000, maxElapsedMs: 120_000 },
    })
    for (let i = 0; i < 5; i++) await client.epayment.capture(reference, nok(100))
    const sixth = await client.epayment.capture(reference, nok(100))
    expect(sixth.aggregate.capturedAmount).toEqual(nok(600))
    expect(retries).toHaveLength(1)
    expect(retries[0]!.reason).toContain('429')
    expect(retries[0]!.delayMs).toBeGreaterThan(0)
  })
})
