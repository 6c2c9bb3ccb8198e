import { describe, expect, it } from 'vitest'
import { median, percentile, summarize } from './stats.ts'

describe('percentile', () => {
  it('picks the nearest rank, a value that was observed', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 51)).toBe(60)
    expect(percentile(sorted, 90)).toBe(90)
    expect(percentile(sorted, 99)).toBe(100)
    expect(percentile(sorted, 100)).toBe(100)
    expect(percentile(sorted, 0)).toBe(10)
  })

  it('gives the one value for a single observation at every percentile', () => {
    for (const p of [0, 1, 50, 99, 100]) expect(percentile([7], p)).toBe(7)
  })

  it('shows a slow tail at p99 once it is more than 1 % of the requests', () => {
    const fast = Array.from({ length: 98 }, () => 1)
    expect(percentile([...fast, 1, 500], 99)).toBe(1)
    expect(percentile([...fast, 500, 500], 99)).toBe(500)
  })

  it('is undefined for no values and refuses a percentile outside 0–100', () => {
    expect(percentile([], 50)).toBeUndefined()
    expect(() => percentile([1], 101)).toThrow(RangeError)
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError)
  })
})

describe('summarize', () => {
  it('sorts numerically, not as strings', () => {
    const summary = summarize([100, 9, 20, 3])!
    expect(summary).toMatchObject({ count: 4, p50: 9, max: 100, mean: 33 })
  })

  it('is undefined for no latencies', () => {
    expect(summarize([])).toBeUndefined()
  })

  it('leaves the recorded latencies in their order', () => {
    const latencies = [3, 1, 2]
    summarize(latencies)
    expect(latencies).toEqual([3, 1, 2])
  })
})

describe('median', () => {
  it('is the middle start-up time of three, whatever their order', () => {
    expect(median([2400, 900, 1100])).toBe(1100)
  })
})
