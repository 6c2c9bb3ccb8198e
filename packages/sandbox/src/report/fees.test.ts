import { describe, expect, it } from 'vitest'
import { captureFee, DEFAULT_FEES } from './fees.ts'

describe('capture fees', () => {
  it('are the percentage rounded half up to the øre plus the fixed part', () => {
    const model = { percentBasisPoints: 199, fixedMinorUnits: 100 }
    expect(captureFee(25_000, model)).toBe(498 + 100) // 497.5 rounds up
    expect(captureFee(10_000, model)).toBe(199 + 100)
    expect(captureFee(100, model)).toBe(2 + 100) // 1.99 → 2
    expect(captureFee(125, { percentBasisPoints: 100, fixedMinorUnits: 0 })).toBe(1) // 1.25 → 1
  })

  it('are whole minor units for the largest payment the platform takes', () => {
    const fee = captureFee(65_000_000, { percentBasisPoints: 9_999, fixedMinorUnits: 100_000 })
    expect(Number.isSafeInteger(fee)).toBe(true)
    expect(fee).toBe(64_993_500 + 100_000)
  })

  it('can be nothing at all', () => {
    expect(captureFee(10_000, { percentBasisPoints: 0, fixedMinorUnits: 0 })).toBe(0)
  })

  it('refuse amounts that are not whole minor units', () => {
    expect(() => captureFee(10.5, DEFAULT_FEES.NOK)).toThrow(RangeError)
    expect(() => captureFee(-1, DEFAULT_FEES.NOK)).toThrow(RangeError)
  })
})
