/** Fault rules: endpoint patterns, event names, and the seeded dice. */
import { describe, expect, it } from 'vitest'
import { SandboxClock } from '../clock.ts'
import { Faults } from './faults.ts'
import { seededRandom, streamSeed } from './prng.ts'
import { endpointMatches, isNeverFaulted, parseEndpoint, parseFaultRule } from './rules.ts'

describe('endpoint patterns', () => {
  const matches = (endpoint: string, method: string, path: string) =>
    endpointMatches(parseEndpoint(endpoint), method, path)

  it('match a route pattern by method and segments, parameters in either spelling', () => {
    const capture = 'POST /epayment/v1/payments/:reference/capture'
    expect(matches(capture, 'POST', '/epayment/v1/payments/till-1-0042/capture')).toBe(true)
    expect(matches(capture, 'post', '/epayment/v1/payments/till-1-0042/capture')).toBe(true)
    expect(matches(capture, 'GET', '/epayment/v1/payments/till-1-0042/capture')).toBe(false)
    expect(matches(capture, 'POST', '/epayment/v1/payments/till-1-0042/refund')).toBe(false)
    expect(matches(capture, 'POST', '/epayment/v1/payments/capture')).toBe(false)
    expect(
      matches('POST /epayment/v1/payments/{reference}/capture', 'POST', '/epayment/v1/payments/x/capture'),
    ).toBe(true)
  })

  it('take a literal segment as one payment, decoded as the router decodes it', () => {
    expect(matches('GET /epayment/v1/payments/ordre-æ', 'GET', '/epayment/v1/payments/ordre-%C3%A6')).toBe(
      true,
    )
    expect(matches('GET /epayment/v1/payments/order-1', 'GET', '/epayment/v1/payments/order-2')).toBe(false)
  })

  it('take any method without one or with *, and the rest of the path after a final *', () => {
    expect(matches('/qr/v1/exchange', 'POST', '/qr/v1/exchange')).toBe(true)
    expect(matches('* /epayment/*', 'DELETE', '/epayment/v1/payments/x/events')).toBe(true)
    expect(matches('/epayment/*', 'GET', '/epayment')).toBe(true)
    expect(matches('/epayment/*', 'GET', '/ecomm/v2/payments')).toBe(false)
  })

  it('never cover the control API or the pages', () => {
    expect(isNeverFaulted('/_sandbox/reset')).toBe(true)
    expect(isNeverFaulted('/phone/4712345678')).toBe(true)
    expect(isNeverFaulted('/landing')).toBe(true)
    expect(isNeverFaulted('/epayment/v1/payments')).toBe(false)
  })
})

describe('rules', () => {
  it('fill in their defaults and infer the target from the kind', () => {
    expect(parseFaultRule({ kind: '429-burst' })).toEqual({
      target: 'api',
      kind: '429-burst',
      probability: 1,
      requests: 3,
      retryAfterSeconds: 1,
    })
    expect(parseFaultRule({ kind: 'duplicate', event: 'captured', msn: '123456' })).toEqual({
      target: 'webhooks',
      kind: 'duplicate',
      event: 'epayments.payment.captured.v1',
      msn: '123456',
      probability: 1,
    })
  })
})

describe('the seeded dice', () => {
  it('give the same numbers for the same seed and stream, in [0, 1)', () => {
    const a = seededRandom(streamSeed(42, 1))
    const b = seededRandom(streamSeed(42, 1))
    const numbers = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(numbers)
    expect(numbers.every((n) => n >= 0 && n < 1)).toBe(true)
    // Roughly uniform: each tenth gets a fair share of a thousand draws.
    for (let tenth = 0; tenth < 10; tenth++) {
      const share = numbers.filter((n) => Math.floor(n * 10) === tenth).length
      expect(share).toBeGreaterThan(60)
      expect(share).toBeLessThan(140)
    }
  })

  it('differ between neighbouring seeds and between rules', () => {
    const first = (seed: number, stream: number) => seededRandom(streamSeed(seed, stream))()
    expect(first(1, 1)).not.toBe(first(2, 1))
    expect(first(1, 1)).not.toBe(first(1, 2))
  })

  it('fire about as often as the probability says, and more faults only with a higher one', () => {
    const fired = (probability: number) => {
      const faults = new Faults(new SandboxClock(), {
        seed: 3,
        rules: [{ kind: '5xx-before-commit', probability }],
      })
      return Array.from(
        { length: 1000 },
        () =>
          faults.decideRequest({ method: 'GET', path: '/qr/v1/exchange', msn: undefined }).fault !==
          undefined,
      )
    }
    const low = fired(0.2)
    const high = fired(0.5)
    expect(low.filter(Boolean).length).toBeGreaterThan(150)
    expect(low.filter(Boolean).length).toBeLessThan(250)
    // The same dice under a higher probability: every request faulted at 0.2 is faulted at 0.5.
    expect(low.every((f, i) => !f || high[i])).toBe(true)
  })
})
