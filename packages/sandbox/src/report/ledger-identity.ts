/**
 * Who a ledger belongs to and where it pays out, derived from the MSN and the
 * currency so they are the same in every sandbox and after every reset: a
 * ledger id a POS writes into its configuration keeps working. Account and
 * organisation numbers carry valid check digits, so a client that validates
 * them (as accounting systems do) accepts them; they belong to no one.
 */
import type { Currency } from '@kasse/vipps'
import type { Country } from './business-days.ts'

/** ISO 4217 numeric codes: a fixed-width prefix that keeps ids unique across currencies. */
const NUMERIC_CODE: Record<Currency, string> = { NOK: '578', DKK: '208', EUR: '978' }

/**
 * The ledger of an MSN's sales in a currency: the currency's numeric code and the MSN.
 *
 * @example
 * ledgerIdFor('123456', 'NOK') // '578123456'
 */
export const ledgerIdFor = (msn: string, currency: Currency): string => `${NUMERIC_CODE[currency]}${msn}`

/** The handle a ledger settles for and its entries name: `api:` and the MSN, for ePayment sales units. */
export const recipientHandleFor = (msn: string): string => `api:${msn}`

/**
 * Appends the mod-11 check digit for `weights` to `base`, moving `base` on by
 * one while the check digit would be 10 (such numbers are never issued). The
 * rule is the same in all three countries: the digit that makes the weighted
 * sum 0 mod 11 (for the Danish CVR that is its eighth digit with weight 1).
 */
function withMod11(base: number, digits: number, weights: number[]): string {
  for (let candidate = base; ; candidate++) {
    const body = String(candidate).padStart(digits, '0').slice(-digits)
    const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i]!, 0)
    const check = (11 - (sum % 11)) % 11
    if (check <= 9) return `${body}${check}`
  }
}

const msnNumber = (msn: string) => Number(msn)

/** The payout account: a Norwegian 11-digit account, a Danish reg. + account number, or a Finnish BBAN. */
export function payoutBankAccountFor(msn: string, country: Country): { scheme: string; id: string } {
  switch (country) {
    case 'NO':
      // Bank 8601 (the documentation's example bank), then the MSN; mod 11 as Norwegian accounts are.
      return {
        scheme: 'BBAN:NO',
        id: withMod11(8_601_000_000 + msnNumber(msn), 10, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]),
      }
    case 'DK':
      return { scheme: 'BBAN:DK', id: `5301${msn.padStart(10, '0')}` }
    case 'FI':
      return { scheme: 'BBAN:FI', id: `123456${msn.padStart(8, '0')}` }
    default: {
      const unknown: never = country
      throw new Error(`no bank account scheme for ${String(unknown)}`)
    }
  }
}

/** The owner: a Norwegian organisation number, a Danish CVR or a Finnish Y-tunnus, each with its check digit. */
export function ownerFor(msn: string, country: Country): { scheme: string; id: string } {
  switch (country) {
    case 'NO':
      // Organisation numbers start with 8 or 9.
      return {
        scheme: 'business:NO:ORG',
        id: withMod11(90_000_000 + msnNumber(msn), 8, [3, 2, 7, 6, 5, 4, 3, 2]),
      }
    case 'DK':
      return {
        scheme: 'business:DK:CVR',
        id: withMod11(3_000_000 + msnNumber(msn), 7, [2, 7, 6, 5, 4, 3, 2]),
      }
    case 'FI': {
      const number = withMod11(2_000_000 + msnNumber(msn), 7, [7, 9, 10, 5, 8, 4, 2])
      return { scheme: 'business:FI:Y-tunnus', id: `${number.slice(0, 7)}-${number.slice(7)}` }
    }
    default: {
      const unknown: never = country
      throw new Error(`no organisation scheme for ${String(unknown)}`)
    }
  }
}
