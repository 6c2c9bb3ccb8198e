/**
 * What the scanner (or the camera) read: a product's barcode or a customer's
 * personal QR code. Both arrive the same way, as characters typed into the
 * scan field followed by Enter, so the content alone tells them apart.
 */

export type ScanResult =
  | { kind: 'barcode'; code: string }
  | { kind: 'personal-qr'; content: string }
  | { kind: 'empty' }
  | { kind: 'unreadable'; message: string }

/** EAN-8, UPC-A, EAN-13 and GTIN-14: digits only. */
const BARCODE = /^\d{8,14}$/

/**
 * A personal QR code's content is a URL (`https://qr.vipps.no/p/…`, or the
 * older `https://qr.vipps.no/28/2/01/031/4791234567?v=1`); the till passes it
 * on whole, as the platform asks, and lets the platform say whose it is.
 */
const URL_LIKE = /^https?:\/\/\S+$/i

/**
 * Classifies one scan. Surrounding whitespace (some scanners send a tab or a
 * carriage return) is ignored; so are spaces inside a typed barcode.
 *
 * @example
 * classifyScan('7039610197728')                 // { kind: 'barcode', code: '7039610197728' }
 * classifyScan('https://qr.vipps.no/p/abc123')  // { kind: 'personal-qr', content: 'https://qr.vipps.no/p/abc123' }
 */
export function classifyScan(raw: string): ScanResult {
  const text = raw.trim()
  if (text === '') return { kind: 'empty' }
  const digits = text.replace(/\s+/g, '')
  if (BARCODE.test(digits)) return { kind: 'barcode', code: digits }
  if (URL_LIKE.test(text)) return { kind: 'personal-qr', content: text }
  if (/^\d+$/.test(digits)) {
    return {
      kind: 'unreadable',
      message: `${digits} is not a barcode: a barcode has 8 to 14 digits, this has ${digits.length}. Scan it again.`,
    }
  }
  return {
    kind: 'unreadable',
    message:
      'That is neither a product barcode nor a Vipps MobilePay QR code. Scan the product or the customer’s QR code again.',
  }
}
