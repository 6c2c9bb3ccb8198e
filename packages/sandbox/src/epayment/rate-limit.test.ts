import { describe, expect, it } from 'vitest'
import { SandboxClock } from '../clock.ts'
import { GatewayRefusal } from '../http/problem.ts'
import { enforceRateLimit, SlidingWindowLimiter } from './rate-limit.ts'

describe('SlidingWindowLimiter', () => {
  it('admits `limit` requests in any minute and says when the next one may come', () => {
    const clock = new SandboxClock(() => 0)
    const limiter = new SlidingWindowLimiter(clock)
    for (let i = 0; i < 5; i++) {
      expect(limiter.take('a', 5)).toBe(0)
      clock.advance(10_000)
    }
    // The first request was 50 s ago: it leaves the window in 10 s.
    expect(limiter.take('a', 5)).toBe(10)
    expect(limiter.take('b', 5)).toBe(0)
    clock.advance(9_000)
    expect(limiter.take('a', 5)).toBe(1)
    clock.advance(1_000)
    expect(limiter.take('a', 5)).toBe(0)
    clock.stop()
  })

  it('refuses with the gateway 429 and Retry-After, only while enabled', () => {
    const clock = new SandboxClock(() => 0)
    const limiter = new SlidingWindowLimiter(clock)
    const limits = { enabled: true, writesPerMinute: 1, readsPerMinute: 1 }
    enforceRateLimit(limiter, limits, 'write', 'k')
    let refusal: unknown
    try {
      enforceRateLimit(limiter, limits, 'write', 'k')
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(GatewayRefusal)
    expect((refusal as GatewayRefusal).statusCode).toBe(429)
    expect((refusal as GatewayRefusal).retryAfterSeconds).toBe(60)
    expect(() => enforceRateLimit(limiter, { ...limits, enabled: false }, 'write', 'k')).not.toThrow()
    clock.stop()
  })
})
