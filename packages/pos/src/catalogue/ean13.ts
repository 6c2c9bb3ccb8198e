/**
 * EAN-13 barcodes: 12 digits and a check digit, the code on nearly every
 * product in a Nordic shop. The check digit catches a mistyped digit and most
 * swapped neighbours, so a manager's typo is refused instead of creating a
 * product no scanner will ever find.
 */

/**
 * The check digit for the first 12 digits: weights 1, 3, 1, 3, … from the left.
 *
 * @example
 * ean13CheckDigit('703801000001') // 3
 */
export function ean13CheckDigit(first12: string): number {
  if (!/^[0-9]{12}$/.test(first12)) throw new RangeError('an EAN-13 check digit needs exactly 12 digits')
  let sum = 0
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3)
  return (10 - (sum % 10)) % 10
}

/** Why a barcode is not a valid EAN-13, in words for the person who typed it; undefined if it is valid. */
export function ean13Problem(barcode: string): string | undefined {
  if (!/^[0-9]*$/.test(barcode)) return 'must contain only digits'
  if (barcode.length !== 13) return `must have 13 digits (it has ${barcode.length})`
  const expected = ean13CheckDigit(barcode.slice(0, 12))
  const actual = Number(barcode[12])
  if (actual !== expected) return `has check digit ${actual}, but its first 12 digits give ${expected}`
  return undefined
}

/** True if `barcode` is 13 digits with the right check digit. */
export function isValidEan13(barcode: string): boolean {
  return ean13Problem(barcode) === undefined
}

/**
 * A code as a scanner typed it, made comparable with the catalogue: surrounding
 * whitespace dropped, and a 12-digit UPC-A (scanners send those as 12 digits)
 * widened to the EAN-13 it is, with a leading 0 (the check digit is the same).
 */
export function normaliseScannedCode(scanned: string): string {
  const code = scanned.trim()
  return /^[0-9]{12}$/.test(code) ? `0${code}` : code
}
