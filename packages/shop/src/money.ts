/**
 * Money in the shop: integers of øre (minor units), VAT included, never a
 * float. VAT is worked out per line from the line's gross amount and rate,
 * rounded once; totals are sums of lines, so the receipt Vipps shows adds up
 * exactly to the amount charged.
 */
import { ShopError } from './errors.ts'

/**
 * The VAT contained in a gross amount at `rate` hundredths of a percent:
 * gross × rate / (10 000 + rate), rounded once, halves up (amounts here are
 * never negative).
 *
 * @example
 * vatIncluded(19_900, 2500) // 3980: 199,00 kr holds 39,80 kr VAT at 25 %
 * vatIncluded(14_900, 1500) // 1943
 */
export function vatIncluded(grossAmount: number, rate: number): number {
  if (!Number.isSafeInteger(grossAmount) || grossAmount < 0 || !Number.isInteger(rate) || rate < 0) {
    throw new RangeError('vatIncluded takes a non-negative integer amount and rate')
  }
  const denominator = 10_000 + rate
  return Math.floor((2 * grossAmount * rate + denominator) / (2 * denominator))
}

/** A line's amounts: gross = unit price × quantity, VAT rounded once from the gross. */
export function lineAmounts(unitPrice: number, quantity: number, vatRate: number) {
  const grossAmount = unitPrice * quantity
  const vatAmount = vatIncluded(grossAmount, vatRate)
  return { grossAmount, vatAmount, netAmount: grossAmount - vatAmount }
}

const GROUPS = /\B(?=(\d{3})+(?!\d))/g

/**
 * Øre as Norwegian kroner for people: `kr 1 299,00` (no-break spaces).
 *
 * @example
 * formatKroner(129_900) // 'kr 1 299,00'
 */
export function formatKroner(ore: number): string {
  const sign = ore < 0 ? '−' : ''
  const abs = Math.abs(ore)
  const kroner = String(Math.floor(abs / 100)).replace(GROUPS, '\u00a0')
  return `${sign}kr\u00a0${kroner},${String(abs % 100).padStart(2, '0')}`
}

/** A VAT rate in hundredths of a percent as people write it: 2500 → "25 %". */
export const formatRate = (rate: number): string => `${String(rate / 100).replace('.', ',')}\u00a0%`

/**
 * Kroner as a person types them ("149", "149,50", "1 299.5") → øre; refuses
 * anything else, naming `field`.
 */
export function parseKroner(text: string, field: string): number {
  const cleaned = text.replace(/[\s\u00a0]/g, '').replace(/^kr\.?/i, '')
  const match = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(cleaned)
  if (!match) {
    throw new ShopError('VALIDATION_FAILED', `${field}: skriv et beløp i kroner, for eksempel 149,50`, {
      field,
    })
  }
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** Shipping costs: eCom's wire speaks decimal kroner, the shop øre. */
export const oreToKroner = (ore: number): number => ore / 100
export const kronerToOre = (kroner: number): number => Math.round(kroner * 100)
