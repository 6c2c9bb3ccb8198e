import { describe, expect, it } from 'vitest'
import type { Country } from '../db/schema.ts'
import { PosError } from '../errors.ts'
import { normalisePhoneNumber } from './phone-number.ts'

describe('normalisePhoneNumber', () => {
  it.each<[typed: string, store: Country, msisdn: string, country: Country]>([
    // Norway: 8 digits, whatever the first (the platform says whether the number has the app)
    ['91234567', 'NO', '4791234567', 'NO'],
    ['123 45 678', 'NO', '4712345678', 'NO'],
    ['+47 123 45 678', 'FI', '4712345678', 'NO'],
    ['22 33 44 55', 'NO', '4722334455', 'NO'],
    ['+47 2233 4455', 'DK', '4722334455', 'NO'],
    ['912 34 567', 'NO', '4791234567', 'NO'],
    ['412 34 567', 'NO', '4741234567', 'NO'],
    ['+47 912 34 567', 'NO', '4791234567', 'NO'],
    ['0047 91 23 45 67', 'NO', '4791234567', 'NO'],
    ['47 91234567', 'NO', '4791234567', 'NO'],
    ['+47-912-34-567', 'NO', '4791234567', 'NO'],
    // Denmark: 8 digits; in a Danish store 8 digits are Danish
    ['12 34 56 78', 'DK', '4512345678', 'DK'],
    ['+45 20 12 34 56', 'NO', '4520123456', 'DK'],
    ['0045 20123456', 'FI', '4520123456', 'DK'],
    ['4520123456', 'DK', '4520123456', 'DK'],
    // Finland: typed with the trunk 0, or +358 with or without it
    ['040 123 4567', 'FI', '358401234567', 'FI'],
    ['050 123 4567', 'FI', '358501234567', 'FI'],
    ['044 987 654', 'FI', '35844987654', 'FI'],
    ['0457 1234567', 'FI', '3584571234567', 'FI'],
    ['+358 40 123 4567', 'NO', '358401234567', 'FI'],
    ['+358 (0)40 123 4567', 'NO', '358401234567', 'FI'],
    ['00358 50 1234567', 'DK', '358501234567', 'FI'],
    ['358401234567', 'FI', '358401234567', 'FI'],
    // A Norwegian number in a Finnish store, country code without +
    ['4791234567', 'FI', '4791234567', 'NO'],
  ])('%s typed in a %s store is %s', (typed, store, msisdn, country) => {
    expect(normalisePhoneNumber(typed, store)).toEqual({ msisdn, country })
  })

  it.each<[typed: string, store: Country, message: string]>([
    ['', 'NO', 'Type the customer’s mobile number'],
    ['9123 456', 'NO', 'A Norwegian number has 8 digits (this one has 7)'],
    ['912345678', 'NO', 'A Norwegian number has 8 digits (this one has 9)'],
    ['+47 1234 567', 'DK', 'A Norwegian number has 8 digits (this one has 7)'],
    ['912 34 56a', 'NO', 'A phone number has only digits, with + before the country code if there is one'],
    [
      '+46 70 123 45 67',
      'NO',
      'Vipps MobilePay takes Norwegian (+47), Danish (+45) and Finnish (+358) mobile numbers only',
    ],
    ['+45 1234567', 'NO', 'A Danish number has 8 digits (this one has 7)'],
    ['01 23 45 67', 'DK', 'Danish phone numbers do not start with 0'],
    ['09 123 4567', 'FI', 'That is not a Finnish mobile number; they start with 04 or 050'],
    ['040 12', 'FI', 'A Finnish mobile number has 8 to 11 digits with its leading 0 (this one has 5)'],
    [
      '401234567',
      'FI',
      'Finnish numbers start with 0 (like 040 123 4567); give other countries’ numbers with +',
    ],
  ])('refuses %j in a %s store: %s', (typed, store, message) => {
    let thrown: unknown
    try {
      normalisePhoneNumber(typed, store)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(PosError)
    expect((thrown as PosError).toBody()).toEqual({
      error: { code: 'INVALID_PHONE_NUMBER', message, field: 'phoneNumber' },
    })
  })

  it('never repeats the number in its message (messages reach screens and logs)', () => {
    for (const typed of ['9123 4567 8', '+47 2233 445', '+46701234567']) {
      try {
        normalisePhoneNumber(typed, 'NO')
      } catch (error) {
        expect((error as Error).message).not.toContain(typed.replace(/\D/g, '').slice(0, 6))
      }
    }
  })
})
