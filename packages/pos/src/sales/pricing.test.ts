import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type LineDiscount, type PricedLineInput, priceLine, totalLines } from './pricing.ts'

function priced(lines: PricedLineInput[]) {
  const withPrices = lines.map((line) => ({ vatRate: line.vatRate, price: priceLine(line) }))
  return { lines: withPrices.map((l) => l.price), totals: totalLines(withPrices) }
}

describe('a fixed cart with all four Norwegian rates, worked by hand', () => {
  // gross = unit × qty − discount; VAT = gross × rate / (100 + rate), rounded once per line.
  const { lines, totals } = priced([
    // milk 2 × 25.90 at 15 %: 5180 × 15/115 = 675.65 → 676
    { unitPrice: 2590, quantity: 2, vatRate: 1500, discount: null },
    // batteries 79.90 at 25 %: 7990 / 5 = 1598 exactly
    { unitPrice: 7990, quantity: 1, vatRate: 2500, discount: null },
    // bus tickets 2 × 22.75 at 12 %: 4550 × 12/112 = 487.50 → 488 (half away from zero)
    { unitPrice: 2275, quantity: 2, vatRate: 1200, discount: null },
    // newspaper 45.00 at 0 %
    { unitPrice: 4500, quantity: 1, vatRate: 0, discount: null },
    // chocolate 3 × 22.90 = 6870, 10 % off = 687 → 6183 at 15 %: 806.48 → 806
    { unitPrice: 2290, quantity: 3, vatRate: 1500, discount: { kind: 'percent', percent: 10 } },
    // toothpaste 2 × 34.90 = 6980, 5.00 off → 6480 at 25 %: 1296 exactly
    { unitPrice: 3490, quantity: 2, vatRate: 2500, discount: { kind: 'amount', amount: 500 } },
  ])

  it('prices each line', () => {
    expect(lines.map((l) => [l.grossAmount, l.vatAmount, l.netAmount, l.discountAmount])).toEqual([
      [5180, 676, 4504, 0],
      [7990, 1598, 6392, 0],
      [4550, 488, 4062, 0],
      [4500, 0, 4500, 0],
      [6183, 806, 5377, 687],
      [6480, 1296, 5184, 500],
    ])
  })

  it('totals the lines and breaks the VAT down per rate, highest first', () => {
    expect(totals).toEqual({
      grossAmount: 34_883,
      vatAmount: 4_864,
      netAmount: 30_019,
      discountAmount: 1_187,
      vatBreakdown: [
        { vatRate: 2500, grossAmount: 14_470, vatAmount: 2_894, netAmount: 11_576 },
        { vatRate: 1500, grossAmount: 11_363, vatAmount: 1_482, netAmount: 9_881 },
        { vatRate: 1200, grossAmount: 4_550, vatAmount: 488, netAmount: 4_062 },
        { vatRate: 0, grossAmount: 4_500, vatAmount: 0, netAmount: 4_500 },
      ],
    })
  })
})

describe('discounts', () => {
  it('never take a line below zero, even when the quantity drops under an amount discount', () => {
    const line = priceLine({
      unitPrice: 1000,
      quantity: 1,
      vatRate: 2500,
      discount: { kind: 'amount', amount: 1500 },
    })
    expect(line).toMatchObject({ discountAmount: 1000, grossAmount: 0, vatAmount: 0, netAmount: 0 })
  })

  it('in percent follow the quantity and round half away from zero', () => {
    // 3 × 5.05 = 15.15, 50 % = 7.575 → 7.58 off
    const line = priceLine({
      unitPrice: 505,
      quantity: 3,
      vatRate: 1500,
      discount: { kind: 'percent', percent: 50 },
    })
    expect(line.discountAmount).toBe(758)
    expect(line.grossAmount).toBe(757)
  })
})

const rate = fc.constantFrom(2500, 1500, 1200, 0, 2550, 1400, 1000)
const discount: fc.Arbitrary<LineDiscount | null> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 1, max: 100 }).map((percent) => ({ kind: 'percent' as const, percent })),
  fc.integer({ min: 1, max: 2_000_000 }).map((amount) => ({ kind: 'amount' as const, amount })),
)
const line: fc.Arbitrary<PricedLineInput> = fc.record({
  unitPrice: fc.integer({ min: 0, max: 2_000_000 }),
  quantity: fc.integer({ min: 1, max: 999 }),
  vatRate: rate,
  discount,
})

describe('any cart (property)', () => {
  it('has totals that are exactly the sums of its lines, and every VAT within half an øre of the exact value', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (cart) => {
        const { lines, totals } = priced(cart)
        const sum = (pick: (l: (typeof lines)[number]) => number) => lines.reduce((s, l) => s + pick(l), 0)
        expect(totals.grossAmount).toBe(sum((l) => l.grossAmount))
        expect(totals.vatAmount).toBe(sum((l) => l.vatAmount))
        expect(totals.netAmount).toBe(sum((l) => l.netAmount))
        expect(totals.discountAmount).toBe(sum((l) => l.discountAmount))
        for (const key of ['grossAmount', 'vatAmount', 'netAmount'] as const) {
          expect(totals.vatBreakdown.reduce((s, e) => s + e[key], 0)).toBe(totals[key])
        }
        cart.forEach((input, i) => {
          const l = lines[i]!
          expect(l.grossAmount).toBeGreaterThanOrEqual(0)
          expect(l.netAmount + l.vatAmount).toBe(l.grossAmount)
          expect(l.grossAmount).toBe(input.unitPrice * input.quantity - l.discountAmount)
          // |vat − gross × r / (10000 + r)| ≤ ½, in integers: no float decides this.
          const scale = 10_000 + input.vatRate
          expect(Math.abs(l.vatAmount * scale - l.grossAmount * input.vatRate)).toBeLessThanOrEqual(scale / 2)
        })
      }),
      { numRuns: 500 },
    )
  })
})
