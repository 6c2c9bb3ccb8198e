/**
 * Money and VAT rates as the cashier reads them: "kr 49,90", "25 %". Amounts
 * arrive as integers in minor units and are only ever formatted here, never
 * computed with (the till computes, to the øre).
 *
 * Formatted by hand rather than with Intl: a till's browser may lack the
 * locale data, and the receipt must read the same on every till.
 */

/** A no-break space keeps "kr" and the amount (and digit groups) on one line. */
const NBSP = '\u00a0'
const MINUS = '\u2212'

/**
 * @example
 * formatMoney(4990, 'NOK')     // 'kr 49,90'
 * formatMoney(123450, 'NOK')   // 'kr 1 234,50'
 * formatMoney(-1000, 'NOK')    // '−kr 10,00'
 * formatMoney(4990, 'DKK')     // '49,90 kr.'
 * formatMoney(4990, 'EUR')     // '49,90 €'
 */
export function formatMoney(minorUnits: number, currency: string): string {
  const sign = minorUnits < 0 ? MINUS : ''
  const amount = formatAmount(Math.abs(minorUnits))
  switch (currency) {
    case 'NOK':
      return `${sign}kr${NBSP}${amount}`
    case 'DKK':
      return `${sign}${amount}${NBSP}kr.`
    case 'EUR':
      return `${sign}${amount}${NBSP}€`
    default:
      return `${sign}${amount}${NBSP}${currency}`
  }
}

/** 123450 → "1 234,50" (digits grouped by three with no-break spaces, comma before the øre). */
export function formatAmount(minorUnits: number): string {
  const whole = Math.trunc(minorUnits / 100)
  const cents = String(minorUnits % 100).padStart(2, '0')
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP)
  return `${grouped},${cents}`
}

/**
 * @example
 * formatVatRate(25)    // '25 %'
 * formatVatRate(25.5)  // '25,5 %'
 */
export function formatVatRate(percent: number): string {
  return `${String(percent).replace('.', ',')}${NBSP}%`
}

/**
 * Reads an amount the cashier typed ("10", "10,50", "10.5", "kr 10,50") as
 * minor units, or undefined when it is not one.
 *
 * @example
 * parseAmount('12,50')  // 1250
 * parseAmount('12,505') // undefined
 */
export function parseAmount(typed: string): number | undefined {
  const compact = typed.replace(/kr\.?|€|\s/gi, '').replace(',', '.')
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(compact)
  if (!match) return undefined
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}
