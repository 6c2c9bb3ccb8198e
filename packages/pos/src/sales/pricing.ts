/**
 * A sale's money: per line, gross = unit price × quantity − discount; the VAT
 * in that gross is computed from the line's rate and rounded once; net is
 * gross − VAT. The sale's totals and its VAT breakdown are sums of the lines,
 * so they agree with the lines to the øre, always (a property test checks it).
 */
import { divideRounded, vatIncluded } from '../money/vat.ts'

/** A line discount as the manager gave it: an amount in øre, or whole percent of the line. */
export type LineDiscount = { kind: 'amount'; amount: number } | { kind: 'percent'; percent: number }

export interface PricedLineInput {
  /** Price of one unit including VAT, in minor units. */
  unitPrice: number
  quantity: number
  /** Hundredths of a percent (2500 = 25 %). */
  vatRate: number
  discount: LineDiscount | null
}

export interface LinePrice {
  /** unit price × quantity, before discount. */
  undiscountedAmount: number
  discountAmount: number
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface VatBreakdownEntry {
  vatRate: number
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface SaleTotals {
  grossAmount: number
  vatAmount: number
  netAmount: number
  discountAmount: number
  /** One entry per rate present, highest rate first. */
  vatBreakdown: VatBreakdownEntry[]
}

/**
 * What a line's discount is worth in øre. A percent discount follows the
 * quantity; an amount discount is capped at the line's value, so a line never
 * goes below zero (e.g. after its quantity was lowered).
 */
export function discountAmount(undiscountedAmount: number, discount: LineDiscount | null): number {
  if (!discount) return 0
  switch (discount.kind) {
    case 'amount':
      return Math.min(discount.amount, undiscountedAmount)
    case 'percent':
      return divideRounded(undiscountedAmount * Math.min(discount.percent, 100), 100)
    default: {
      const unknown: never = discount
      throw new Error(`unhandled discount ${JSON.stringify(unknown)}`)
    }
  }
}

/**
 * Prices one line.
 *
 * @example
 * priceLine({ unitPrice: 2990, quantity: 2, vatRate: 1500, discount: null })
 * // { undiscountedAmount: 5980, discountAmount: 0, grossAmount: 5980, vatAmount: 780, netAmount: 5200 }
 */
export function priceLine(line: PricedLineInput): LinePrice {
  const undiscountedAmount = line.unitPrice * line.quantity
  const discount = discountAmount(undiscountedAmount, line.discount)
  const grossAmount = undiscountedAmount - discount
  const vatAmount = vatIncluded(grossAmount, line.vatRate)
  return {
    undiscountedAmount,
    discountAmount: discount,
    grossAmount,
    vatAmount,
    netAmount: grossAmount - vatAmount,
  }
}

/** Sums priced lines into the sale's totals and VAT breakdown. */
export function totalLines(lines: ReadonlyArray<{ vatRate: number; price: LinePrice }>): SaleTotals {
  const byRate = new Map<number, VatBreakdownEntry>()
  const totals: SaleTotals = {
    grossAmount: 0,
    vatAmount: 0,
    netAmount: 0,
    discountAmount: 0,
    vatBreakdown: [],
  }
  for (const { vatRate, price } of lines) {
    totals.grossAmount += price.grossAmount
    totals.vatAmount += price.vatAmount
    totals.netAmount += price.netAmount
    totals.discountAmount += price.discountAmount
    const entry = byRate.get(vatRate) ?? { vatRate, grossAmount: 0, vatAmount: 0, netAmount: 0 }
    entry.grossAmount += price.grossAmount
    entry.vatAmount += price.vatAmount
    entry.netAmount += price.netAmount
    byRate.set(vatRate, entry)
  }
  totals.vatBreakdown = [...byRate.values()].sort((a, b) => b.vatRate - a.vatRate)
  return totals
}
