import { describe, expect, it } from 'vitest'
import { ledgerIdFor, ownerFor, payoutBankAccountFor } from './ledger-identity.ts'

const mod11Valid = (number: string, weights: number[]) =>
  [...number].reduce((sum, digit, i) => sum + Number(digit) * (weights[i] ?? 1), 0) % 11 === 0

describe('ledger identity', () => {
  it('gives each MSN and currency its own stable ledger id', () => {
    expect(ledgerIdFor('123456', 'NOK')).toBe('578123456')
    expect(ledgerIdFor('123456', 'DKK')).toBe('208123456')
    expect(ledgerIdFor('1234', 'NOK')).not.toBe(ledgerIdFor('01234', 'NOK'))
  })

  it('makes Norwegian account and organisation numbers with valid mod-11 check digits', () => {
    for (const msn of ['123456', '1234', '999999', '000100', '223344']) {
      const account = payoutBankAccountFor(msn, 'NO')
      expect(account.scheme).toBe('BBAN:NO')
      expect(account.id).toMatch(/^\d{11}$/)
      expect(mod11Valid(account.id, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1])).toBe(true)
      const owner = ownerFor(msn, 'NO')
      expect(owner).toMatchObject({ scheme: 'business:NO:ORG', id: expect.stringMatching(/^9\d{8}$/) })
      expect(mod11Valid(owner.id, [3, 2, 7, 6, 5, 4, 3, 2, 1])).toBe(true)
    }
  })

  it('makes a valid Danish CVR and Finnish Y-tunnus', () => {
    const cvr = ownerFor('223344', 'DK')
    expect(cvr.scheme).toBe('business:DK:CVR')
    expect(mod11Valid(cvr.id, [2, 7, 6, 5, 4, 3, 2, 1])).toBe(true)
    const ytunnus = ownerFor('223344', 'FI')
    expect(ytunnus).toMatchObject({ scheme: 'business:FI:Y-tunnus', id: expect.stringMatching(/^\d{7}-\d$/) })
    expect(mod11Valid(ytunnus.id.replace('-', ''), [7, 9, 10, 5, 8, 4, 2, 1])).toBe(true)
    expect(payoutBankAccountFor('223344', 'DK')).toEqual({ scheme: 'BBAN:DK', id: '53010000223344' })
  })
})
