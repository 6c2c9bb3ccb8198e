import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { divideRounded, rateFromPercent, rateToPercent, VAT_RATES, vatIncluded } from './vat.ts'

describe('divideRounded', () => {
  it.each([
    [10, 4, 3], // 2.5 → 3
    [-10, 4, -3], // −2.5 → −3, the mirror of the sale
    [7, 3, 2],
    [8, 3, 3],
    [-7, 3, -2],
    [0, 7, 0],
    [1, 2, 1],
    [-1, 2, -1],
  ])('%i / %i rounds half away from zero to %i', (numerator, denominator, expected) => {
    expect(divideRounded(numerator, denominator)).toBe(expected)
  })

  it('gives a returned amount exactly the negation of the sold one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65_000_000 }),
        fc.constantFrom(2500, 2550, 1500, 1400, 1200, 1000, 0),
        (gross, rate) => {
          expect(vatIncluded(-gross, rate) + vatIncluded(gross, rate)).toBe(0)
        },
      ),
    )
  })

  it('refuses fractions and a zero denominator instead of rounding them silently', () => {
    expect(() => divideRounded(1.5, 2)).toThrow(RangeError)
    expect(() => divideRounded(1, 0)).toThrow(RangeError)
  })
})

describe('vatIncluded', () => {
  it.each([
    [12_500, 2500, 2500], // 125.00 kr at 25 % holds exactly 25.00 kr
    [7_990, 2500, 1598],
    [2_590, 1500, 338], // 337.83 → 338
    [4_550, 1200, 488], // 487.50 → 488: a half, away from zero
    [4_500, 0, 0],
    [10_000, 2550, 2032], // Finland's 25.5 %: 2031.87 → 2032
  ])('the VAT in %i øre at rate %i is %i øre', (gross, rate, vat) => {
    expect(vatIncluded(gross, rate)).toBe(vat)
  })
})

describe('rates', () => {
  it('are the four Norwegian ones, in hundredths of a percent as the receipt wants', () => {
    expect(VAT_RATES.NO).toEqual([2500, 1500, 1200, 0])
    expect(rateFromPercent(25.5)).toBe(2550)
    expect(rateToPercent(1200)).toBe(12)
  })
})
