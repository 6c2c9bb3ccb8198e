/**
 * The points rule. A captured purchase earns floor(captured / spendPerPoint)
 * points; refunds take back exactly enough that, after any sequence of
 * refunds, the sale's net points are floor(net captured / spendPerPoint).
 * Pure arithmetic on integers, so it can be checked on its own.
 */

/** Points for `amount` minor units at `spendPerPoint` minor units a point. */
export function pointsFor(amount: number, spendPerPoint: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError('amount must be a whole number ≥ 0')
  if (!Number.isSafeInteger(spendPerPoint) || spendPerPoint < 1) {
    throw new RangeError('spendPerPoint must be a whole number ≥ 1')
  }
  return Math.floor(amount / spendPerPoint)
}

/**
 * How many points a refund takes back: what the sale holds now minus what
 * its net captured amount earns. Never negative (a refund gives no points).
 *
 * @example
 * // 199.00 captured at 10.00 a point: 19 points. Refund 5.00 → net 194.00 → 19: none back.
 * pointsToTakeBack({ captured: 19900, refunded: 500, held: 19, spendPerPoint: 1000 }) // 0
 */
export function pointsToTakeBack(sale: {
  captured: number
  /** Everything refunded on the sale so far, this refund included. */
  refunded: number
  /** The sale's points after earlier refunds. */
  held: number
  spendPerPoint: number
}): number {
  const net = Math.max(0, sale.captured - sale.refunded)
  return Math.max(0, sale.held - pointsFor(net, sale.spendPerPoint))
}
