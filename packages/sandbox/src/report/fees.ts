/**
 * What settlement charges: a fee per capture, from the merchant's fee model.
 * The defaults are illustrative, in the range of Nordic wallet pricing, not
 * Vipps MobilePay's price list; tests and tools set their own per merchant.
 */
import type { Currency } from '@kasse/vipps'
import type { MerchantFees } from '../config.ts'

export type { MerchantFees as FeeModel } from '../config.ts'

/** The most a percentage may be: 100 %. */
export const MAX_PERCENT_BASIS_POINTS = 10_000
/** A fixed part above 1 000.00 is a typo, not a price. */
export const MAX_FIXED_MINOR_UNITS = 100_000

/** Per currency: 1.99 % plus one krone (NOK, DKK) or ten cents (EUR). */
export const DEFAULT_FEES: Record<Currency, MerchantFees> = {
  NOK: { percentBasisPoints: 199, fixedMinorUnits: 100 },
  DKK: { percentBasisPoints: 199, fixedMinorUnits: 100 },
  EUR: { percentBasisPoints: 199, fixedMinorUnits: 10 },
}

/**
 * The fee for capturing `amount` minor units: the percentage rounded half up to
 * a whole minor unit, plus the fixed part. Integer arithmetic only; amounts up
 * to the platform's 650 000.00 keep `amount × basis points` far below 2^53.
 *
 * @example
 * captureFee(25_000, { percentBasisPoints: 199, fixedMinorUnits: 100 }) // 497.5 → 498, + 100 = 598
 */
export function captureFee(amount: number, model: MerchantFees): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError('amount must be whole minor units')
  const percentage = Math.floor((amount * model.percentBasisPoints + 5_000) / 10_000)
  return percentage + model.fixedMinorUnits
}
