/**
 * What a receipt's barcode says: the receipt number, prefixed so a scanner
 * reading it into the journal's search cannot be mistaken for a product's
 * EAN-13 (`K00000042`).
 */

const PREFIX = 'K'

/** @example receiptBarcodeData(42) // 'K00000042' */
export function receiptBarcodeData(receiptNumber: number): string {
  return `${PREFIX}${String(receiptNumber).padStart(8, '0')}`
}

/**
 * The receipt number in what a cashier typed or a scanner read: `42`,
 * `000042` or `K00000042`; undefined if it is neither.
 */
export function receiptNumberFrom(text: string): number | undefined {
  const match = /^K?0*([0-9]{1,9})$/i.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1])
  return value >= 1 ? value : undefined
}
