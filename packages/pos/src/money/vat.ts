/**
 * VAT, in integers. Rates are in hundredths of a percent, as the receipt's
 * `taxRate` is (2500 = 25 %), so Finland's 25.5 % is exact; amounts are minor
 * units (øre, cents). No floats touch money anywhere on the way.
 */
import type { Country } from '../db/schema.ts'

/** The VAT rates each country's tills may sell at, highest first, in hundredths of a percent. */
export const VAT_RATES: Record<Country, readonly number[]> = {
  // General, food, transport/cinema/hotels, zero-rated (newspapers, books).
  NO: [2500, 1500, 1200, 0],
  DK: [2500, 0],
  // General (25.5 % since September 2024), food, books/medicine/transport, zero.
  FI: [2550, 1400, 1000, 0],
}

/**
 * `numerator / denominator` rounded to an integer, halves away from zero.
 *
 * Half away from zero is the rounding a cashier and an accountant expect
 * (0.5 øre goes up), and it is symmetric: a returned line's VAT is exactly
 * the negation of the sold line's, which banker's rounding (half to even) and
 * plain half-up (towards +∞) both break.
 *
 * @example
 * divideRounded(5, 2)   //  3
 * divideRounded(-5, 2)  // -3
 * divideRounded(7, 3)   //  2
 */
export function divideRounded(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError('divideRounded takes safe integers and a positive denominator')
  }
  const magnitude = Math.floor((2 * Math.abs(numerator) + denominator) / (2 * denominator))
  return numerator < 0 ? -magnitude : magnitude
}

/**
 * The VAT contained in a gross (VAT-inclusive) amount at `rate` hundredths of a
 * percent: gross × rate / (10 000 + rate), rounded once.
 *
 * @example
 * vatIncluded(12_500, 2500) // 2500: 125.00 kr incl. 25 % holds 25.00 kr VAT
 * vatIncluded(2_990, 1500)  // 390
 */
export function vatIncluded(grossAmount: number, rate: number): number {
  return divideRounded(grossAmount * rate, 10_000 + rate)
}

/** A rate in percent as people write it (25, 25.5) → hundredths of a percent (2500, 2550). */
export function rateFromPercent(percent: number): number {
  return Math.round(percent * 100)
}

/** Hundredths of a percent → percent as people write it (2550 → 25.5). */
export function rateToPercent(rate: number): number {
  return rate / 100
}
