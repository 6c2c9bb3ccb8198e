import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShopError } from './errors.ts'
import { formatKroner, lineAmounts, parseKroner, vatIncluded } from './money.ts'

describe('money', () => {
  it.each([
    [19_900, 2500, 3980],
    [14_900, 1500, 1943], // 1943.48
    [5_900, 1500, 770], // 769.57
    [6_900, 2500, 1380],
    [0, 2500, 0],
    [10_000, 2550, 2032], // Finland's 25.5 %
  ])('the VAT in %i øre at %i is %i øre, rounded once', (gross, rate, vat) => {
    expect(vatIncluded(gross, rate)).toBe(vat)
  })

  it('splits every line exactly: net + VAT = gross', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 99 }),
        fc.constantFrom(2500, 1500, 1200, 0),
        (unit, qty, rate) => {
          const { grossAmount, vatAmount, netAmount } = lineAmounts(unit, qty, rate)
          expect(grossAmount).toBe(unit * qty)
          expect(netAmount + vatAmount).toBe(grossAmount)
          expect(vatAmount).toBeGreaterThanOrEqual(0)
        },
      ),
    )
  })

  it('formats øre as Norwegian kroner', () => {
    expect(formatKroner(129_900).replace(/\u00a0/g, ' ')).toBe('kr 1 299,00')
    expect(formatKroner(5).replace(/\u00a0/g, ' ')).toBe('kr 0,05')
  })

  it('reads kroner as people type them, and names the field when it cannot', () => {
    expect(parseKroner('149,50', 'amount')).toBe(14_950)
    expect(parseKroner('1 299.5', 'amount')).toBe(129_950)
    expect(parseKroner('kr 99', 'amount')).toBe(9_900)
    for (const bad of ['', '-5', '1,234', 'abc', '1e3']) {
      const error = (() => {
        try {
          parseKroner(bad, 'amount')
        } catch (e) {
          return e
        }
      })()
      expect(error, bad).toBeInstanceOf(ShopError)
      expect((error as ShopError).field).toBe('amount')
    }
  })
})
