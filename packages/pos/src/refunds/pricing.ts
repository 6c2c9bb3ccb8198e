/**
 * What a partial refund of a line is worth. The line's gross and VAT are
 * shared out over its quantity cumulatively: after r of Q items are
 * refunded, gross × r / Q (rounded once) has been given back. Each refund
 * gives the difference, so refunding a line in any number of pieces adds up
 * to exactly the line's gross and VAT, never an øre more or less.
 */
import { divideRounded } from '../money/vat.ts'

export interface LineShare {
  grossAmount: number
  vatAmount: number
  netAmount: number
}

/**
 * @example
 * // 3 items for 1000 øre incl. 130 VAT: one at a time gives 333, 334, 333
 * refundShare({ grossAmount: 1000, vatAmount: 130, quantity: 3 }, 0, 1) // { grossAmount: 333, vatAmount: 43, netAmount: 290 }
 */
export function refundShare(
  line: { grossAmount: number; vatAmount: number; quantity: number },
  alreadyRefunded: number,
  quantity: number,
): LineShare {
  if (alreadyRefunded < 0 || quantity < 1 || alreadyRefunded + quantity > line.quantity) {
    throw new RangeError('a refund share must stay within the line’s quantity')
  }
  const upTo = (items: number, amount: number) => divideRounded(amount * items, line.quantity)
  const grossAmount =
    upTo(alreadyRefunded + quantity, line.grossAmount) - upTo(alreadyRefunded, line.grossAmount)
  const vatAmount = upTo(alreadyRefunded + quantity, line.vatAmount) - upTo(alreadyRefunded, line.vatAmount)
  return { grossAmount, vatAmount, netAmount: grossAmount - vatAmount }
}
