import { describe, expect, it } from 'vitest'
import { formatAmount, formatMoney, formatVatRate, parseAmount } from '../src/money.ts'

/** The formatted text with its no-break spaces as plain ones, to read the expectations easily. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ')

describe('money on the till', () => {
  it('reads as Norwegian kroner: kr, a comma before the øre, digits grouped by three', () => {
    expect(plain(formatMoney(4990, 'NOK'))).toBe('kr 49,90')
    expect(plain(formatMoney(5, 'NOK'))).toBe('kr 0,05')
    expect(plain(formatMoney(0, 'NOK'))).toBe('kr 0,00')
    expect(plain(formatMoney(123450, 'NOK'))).toBe('kr 1 234,50')
    expect(plain(formatMoney(123456789, 'NOK'))).toBe('kr 1 234 567,89')
    expect(plain(formatMoney(-1000, 'NOK'))).toBe('−kr 10,00')
  })

  it('keeps the amount and its currency on one line', () => {
    expect(formatMoney(123450, 'NOK')).not.toContain(' ')
  })

  it('writes Danish kroner and euro the way those countries do', () => {
    expect(plain(formatMoney(4990, 'DKK'))).toBe('49,90 kr.')
    expect(plain(formatMoney(4990, 'EUR'))).toBe('49,90 €')
    expect(plain(formatMoney(4990, 'SEK'))).toBe('49,90 SEK')
  })

  it('shows every øre of an amount exactly', () => {
    for (const minorUnits of [1, 9, 10, 99, 100, 101, 999_999, 1_000_000]) {
      const [whole, cents] = formatAmount(minorUnits)
        .replace(/\u00a0/g, '')
        .split(',')
      expect(Number(whole) * 100 + Number(cents)).toBe(minorUnits)
    }
  })

  it('writes VAT rates with a comma and a spaced percent sign', () => {
    expect(plain(formatVatRate(25))).toBe('25 %')
    expect(plain(formatVatRate(25.5))).toBe('25,5 %')
    expect(plain(formatVatRate(0))).toBe('0 %')
  })

  it('reads amounts a manager types, and refuses what is not one', () => {
    expect(parseAmount('10')).toBe(1000)
    expect(parseAmount('10,5')).toBe(1050)
    expect(parseAmount('10.50')).toBe(1050)
    expect(parseAmount(' kr 1 234,50 ')).toBe(123450)
    for (const wrong of ['', 'ti', '10,505', '-5', '1,2,3']) expect(parseAmount(wrong)).toBeUndefined()
  })
})
