/**
 * Customer phone numbers as cashiers type them, made into the MSISDN the
 * platform wants (country code and number, digits only: 4791234567).
 *
 * Vipps MobilePay identifies a customer by a mobile number in Norway, Denmark
 * or Finland. A number without a country code is read as the store's country:
 * eight digits are Norwegian in Oslo and Danish in Copenhagen. The error
 * messages never repeat the number (they may end up on a screen or in a log).
 */
import type { Country } from '../db/schema.ts'
import { PosError } from '../errors.ts'

export interface NormalisedPhoneNumber {
  msisdn: string
  country: Country
}

const COUNTRY_CODES: ReadonlyArray<readonly [code: string, country: Country]> = [
  ['47', 'NO'],
  ['45', 'DK'],
  ['358', 'FI'],
]

const COUNTRY_NAMES: Record<Country, string> = { NO: 'Norwegian', DK: 'Danish', FI: 'Finnish' }

/**
 * Normalises a typed phone number to an MSISDN, or throws INVALID_PHONE_NUMBER
 * (field `phoneNumber`) saying what is wrong.
 *
 * Takes spaces, dashes, dots and brackets; `+47`, `0047` or `47` followed by 8
 * digits; for Finland a leading 0 (`040 123 4567`) or `+358` (with or without
 * that 0).
 *
 * @example
 * normalisePhoneNumber('912 34 567', 'NO')        // { msisdn: '4791234567', country: 'NO' }
 * normalisePhoneNumber('+45 12 34 56 78', 'NO')   // { msisdn: '4512345678', country: 'DK' }
 * normalisePhoneNumber('040 123 4567', 'FI')      // { msisdn: '358401234567', country: 'FI' }
 */
export function normalisePhoneNumber(typed: string, storeCountry: Country): NormalisedPhoneNumber {
  const compact = typed.trim().replace(/[\s\-.()/]/g, '')
  if (compact === '') fail('Type the customer’s mobile number')
  if (!/^\+?[0-9]+$/.test(compact)) {
    fail('A phone number has only digits, with + before the country code if there is one')
  }

  let international: string | undefined
  if (compact.startsWith('+')) international = compact.slice(1)
  else if (compact.startsWith('00')) international = compact.slice(2)
  else if (storeCountry === 'FI' ? !compact.startsWith('0') : compact.length > 8) {
    // A country code typed without + or 00: in Norway and Denmark a number
    // longer than 8 digits; in Finland anything without the trunk 0 every
    // Finnish number is typed with.
    international = compact
  }

  if (international !== undefined) {
    const match = COUNTRY_CODES.find(([code]) => international.startsWith(code))
    if (!match) {
      const typedCountryCode = compact.startsWith('+') || compact.startsWith('00')
      if (!typedCountryCode && storeCountry === 'FI') {
        fail('Finnish numbers start with 0 (like 040 123 4567); give other countries’ numbers with +')
      }
      if (!typedCountryCode) expectLength(compact, 8, storeCountry)
      fail('Vipps MobilePay takes Norwegian (+47), Danish (+45) and Finnish (+358) mobile numbers only')
    }
    const [code, country] = match
    return national(international.slice(code.length), country)
  }
  return national(compact, storeCountry)
}

/** Validates the number after the country code (or as typed locally) for `country`. */
function national(digits: string, country: Country): NormalisedPhoneNumber {
  switch (country) {
    case 'NO':
      return norwegian(digits)
    case 'DK':
      return danish(digits)
    case 'FI':
      return finnish(digits)
    default: {
      const unknown: never = country
      throw new Error(`unhandled country ${String(unknown)}`)
    }
  }
}

/**
 * Norwegian numbers have 8 digits. The first digit is not checked: mobile
 * ranges have moved before, test users (the sandbox's 4712345678) live
 * outside them, and the platform itself answers "customer not found" for a
 * number without the app, which the till shows the cashier.
 */
function norwegian(digits: string): NormalisedPhoneNumber {
  expectLength(digits, 8, 'NO')
  return { msisdn: `47${digits}`, country: 'NO' }
}

function danish(digits: string): NormalisedPhoneNumber {
  expectLength(digits, 8, 'DK')
  // Danish numbers have no trunk 0; any other 8 digits may be a mobile (the ranges are scattered).
  if (digits.startsWith('0')) fail('Danish phone numbers do not start with 0')
  return { msisdn: `45${digits}`, country: 'DK' }
}

/**
 * Finnish mobile numbers are 04x or 050 then the subscriber number; the whole
 * number after the leading 0 has 7 to 10 digits. Typed locally they start
 * with the trunk 0, which the MSISDN drops; after +358 people often keep it.
 */
function finnish(digits: string): NormalisedPhoneNumber {
  // Typed locally the number has its trunk 0 (the caller saw to that); after +358 it may or may not.
  const subscriber = digits.startsWith('0') ? digits.slice(1) : digits
  if (!/^(4[0-9]|50)/.test(subscriber)) {
    fail('That is not a Finnish mobile number; they start with 04 or 050')
  }
  if (subscriber.length < 7 || subscriber.length > 10) {
    fail(
      `A Finnish mobile number has 8 to 11 digits with its leading 0 (this one has ${subscriber.length + 1})`,
    )
  }
  return { msisdn: `358${subscriber}`, country: 'FI' }
}

function expectLength(digits: string, length: number, country: Country): void {
  if (digits.length !== length) {
    fail(`A ${COUNTRY_NAMES[country]} number has ${length} digits (this one has ${digits.length})`)
  }
}

function fail(message: string): never {
  throw new PosError('INVALID_PHONE_NUMBER', message, { field: 'phoneNumber' })
}
