import { describe, expect, it } from 'vitest'
import {
  addBusinessDays,
  addDays,
  endOfDate,
  isBusinessDay,
  isLedgerDate,
  ledgerDateOf,
  startOfDate,
} from './business-days.ts'

describe('ledger dates', () => {
  it('accept only real calendar dates written YYYY-MM-DD', () => {
    expect(isLedgerDate('2024-02-29')).toBe(true)
    expect(isLedgerDate('2025-02-29')).toBe(false)
    expect(isLedgerDate('2025-13-01')).toBe(false)
    expect(isLedgerDate('2025-3-14')).toBe(false)
    expect(isLedgerDate('2025-03-14T00:00')).toBe(false)
  })

  it('follow the merchant’s time zone: late evening UTC is already tomorrow in Oslo and Helsinki', () => {
    const instant = Date.parse('2025-03-14T23:30:00Z')
    expect(ledgerDateOf(instant, 'Europe/Oslo')).toBe('2025-03-15')
    expect(ledgerDateOf(instant, 'Europe/Copenhagen')).toBe('2025-03-15')
    expect(ledgerDateOf(Date.parse('2025-03-14T22:30:00Z'), 'Europe/Oslo')).toBe('2025-03-14')
    expect(ledgerDateOf(Date.parse('2025-03-14T22:30:00Z'), 'Europe/Helsinki')).toBe('2025-03-15')
  })

  it('begin and end at local midnight, in winter and summer time, and across the clock changes', () => {
    expect(new Date(startOfDate('2025-01-15', 'Europe/Oslo')).toISOString()).toBe('2025-01-14T23:00:00.000Z')
    expect(new Date(startOfDate('2025-07-15', 'Europe/Oslo')).toISOString()).toBe('2025-07-14T22:00:00.000Z')
    expect(new Date(startOfDate('2025-07-15', 'Europe/Helsinki')).toISOString()).toBe(
      '2025-07-14T21:00:00.000Z',
    )
    // 30 March 2025 has 23 hours in Oslo, 26 October 25.
    expect(endOfDate('2025-03-30', 'Europe/Oslo') - startOfDate('2025-03-30', 'Europe/Oslo')).toBe(
      23 * 3600_000,
    )
    expect(endOfDate('2025-10-26', 'Europe/Oslo') - startOfDate('2025-10-26', 'Europe/Oslo')).toBe(
      25 * 3600_000,
    )
    const justBefore = endOfDate('2025-03-30', 'Europe/Oslo') - 1
    expect(ledgerDateOf(justBefore, 'Europe/Oslo')).toBe('2025-03-30')
    expect(ledgerDateOf(justBefore + 1, 'Europe/Oslo')).toBe('2025-03-31')
  })

  it('add calendar days across months and years', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
  })
})

describe('business days', () => {
  it('skip weekends: Friday plus two is Tuesday, Saturday and Sunday plus two too', () => {
    expect(addBusinessDays('2025-03-14', 2, 'NO')).toBe('2025-03-18')
    expect(addBusinessDays('2025-03-15', 2, 'NO')).toBe('2025-03-18')
    expect(addBusinessDays('2025-03-16', 2, 'NO')).toBe('2025-03-18')
    expect(addBusinessDays('2025-03-17', 2, 'NO')).toBe('2025-03-19')
  })

  it('skip Norwegian bank holidays: Easter, 17 May and Christmas', () => {
    // Easter 2025 is 20 April: Maundy Thursday 17th, Good Friday 18th, Easter Monday 21st.
    expect(['2025-04-17', '2025-04-18', '2025-04-21'].map((d) => isBusinessDay(d, 'NO'))).toEqual([
      false,
      false,
      false,
    ])
    expect(addBusinessDays('2025-04-16', 2, 'NO')).toBe('2025-04-23')
    expect(isBusinessDay('2024-05-17', 'NO')).toBe(false)
    expect(isBusinessDay('2025-05-29', 'NO')).toBe(false) // Ascension
    expect(isBusinessDay('2025-06-09', 'NO')).toBe(false) // Whit Monday
    expect(addBusinessDays('2025-12-23', 1, 'NO')).toBe('2025-12-29')
    expect(isBusinessDay('2025-12-31', 'NO')).toBe(false)
  })

  it('know Denmark’s and Finland’s own days', () => {
    expect(isBusinessDay('2025-06-05', 'DK')).toBe(false) // Grundlovsdag
    expect(isBusinessDay('2025-06-05', 'NO')).toBe(true)
    expect(isBusinessDay('2025-05-30', 'DK')).toBe(false) // the Friday after Ascension
    expect(isBusinessDay('2023-05-05', 'DK')).toBe(false) // Store bededag, until 2023
    expect(isBusinessDay('2024-04-26', 'DK')).toBe(true)
    expect(isBusinessDay('2025-06-20', 'FI')).toBe(false) // Juhannusaatto
    expect(isBusinessDay('2025-12-05', 'FI')).toBe(true)
    expect(isBusinessDay('2024-12-06', 'FI')).toBe(false) // Itsenäisyyspäivä
    expect(isBusinessDay('2025-01-06', 'FI')).toBe(false)
  })
})
