import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_POLICY, delayBeforeAttempt } from './backoff.ts'
import { DELIVERY_STATES, DELIVERY_TRANSITIONS, isSettled } from './machine.ts'

describe('the retry schedule', () => {
  it("follows the platform's draft: 2 s, then 15 s, 1 min, 15 min and hourly", () => {
    const delays = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => delayBeforeAttempt(from + i))
    expect(new Set(delays(2, 5))).toEqual(new Set([2_000]))
    expect(new Set(delays(6, 10))).toEqual(new Set([15_000]))
    expect(new Set(delays(11, 20))).toEqual(new Set([60_000]))
    expect(new Set(delays(21, 50))).toEqual(new Set([15 * 60_000]))
    expect(new Set(delays(51, 200))).toEqual(new Set([3600_000]))
  })

  it('keeps trying for seven days', () => {
    expect(DEFAULT_RETRY_POLICY.windowMs).toBe(7 * 24 * 3600_000)
  })
})

describe('the delivery state machine', () => {
  it('can drop every delivery that is not settled, and a settled one goes nowhere', () => {
    for (const state of DELIVERY_STATES) {
      if (isSettled(state)) expect(DELIVERY_TRANSITIONS[state]).toEqual([])
      else expect(DELIVERY_TRANSITIONS[state]).toContain('dropped')
    }
  })
})
