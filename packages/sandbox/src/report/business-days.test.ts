import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addBusinessDays,
  addDays,
  endOfDate,
  isBusinessDay,
  isLedgerDate,
  ledgerDateOf,
  MARKET_FOR_CURRENCY,
  startOfDate,
  utcOffset,
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

/** The oracle's formatters, one per zone and kind: Intl's own calendar date and wall clock. */
const oracles = new Map<string, Intl.DateTimeFormat>()
function oracle(timeZone: string, kind: 'date' | 'clock'): Intl.DateTimeFormat {
  const key = `${timeZone} ${kind}`
  let formatter = oracles.get(key)
  if (!formatter) {
    formatter =
      kind === 'date'
        ? new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          })
    oracles.set(key, formatter)
  }
  return formatter
}

/** Intl's calendar date (YYYY-MM-DD) of an instant in a zone. */
const intlDate = (instant: number, timeZone: string) => oracle(timeZone, 'date').format(new Date(instant))

/** Intl's offset: the wall clock read as UTC, minus the instant (both at whole seconds). */
function intlOffset(instant: number, timeZone: string): number {
  const second = Math.floor(instant / 1000) * 1000
  const parts = oracle(timeZone, 'clock').formatToParts(new Date(second))
  const get = (type: string) => Number(parts.find((part) => part.type === type)!.value)
  return (
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - second
  )
}

const MARKET_ZONES = Object.values(MARKET_FOR_CURRENCY).map((market) => market.timeZone)
// Zones that stress the offset cache beyond the markets: half-hour DST, a 45-minute offset, DST at midnight.
const OTHER_ZONES = ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo']
const anyInstant = fc.integer({
  min: Date.parse('1970-01-01T00:00:00Z'),
  max: Date.parse('2100-01-01T00:00:00Z'),
})

/** The last Sunday of March or October at 01:00 UTC: when the EU's clocks change. */
function euClockChange(year: number, month: 3 | 10): number {
  const lastDay = new Date(Date.UTC(year, month, 0))
  return Date.UTC(year, month - 1, lastDay.getUTCDate() - lastDay.getUTCDay(), 1)
}
const nearClockChange = fc
  .record({
    year: fc.integer({ min: 1996, max: 2099 }),
    month: fc.constantFrom(3 as const, 10 as const),
    // Within four hours either side, to the millisecond, so every local zone's change is in reach.
    delta: fc.integer({ min: -4 * 3600_000, max: 4 * 3600_000 }),
  })
  .map(({ year, month, delta }) => euClockChange(year, month) + delta)

describe('ledger dates computed from cached offsets agree with Intl', () => {
  it('at any instant from 1970 to 2100, in the markets’ zones and in odd ones', () => {
    fc.assert(
      fc.property(anyInstant, fc.constantFrom(...MARKET_ZONES, ...OTHER_ZONES), (instant, zone) => {
        expect(utcOffset(instant, zone)).toBe(intlOffset(instant, zone))
        expect(ledgerDateOf(instant, zone)).toBe(intlDate(instant, zone))
      }),
      { numRuns: 3000 },
    )
  })

  it('to the millisecond around every daylight saving change of the markets', () => {
    fc.assert(
      fc.property(nearClockChange, fc.constantFrom(...MARKET_ZONES), (instant, zone) => {
        expect(utcOffset(instant, zone)).toBe(intlOffset(instant, zone))
        expect(ledgerDateOf(instant, zone)).toBe(intlDate(instant, zone))
      }),
      { numRuns: 3000 },
    )
    // The exact second of a change, and the millisecond before it.
    const change = euClockChange(2025, 3)
    expect(utcOffset(change - 1, 'Europe/Oslo')).toBe(3600_000)
    expect(utcOffset(change, 'Europe/Oslo')).toBe(7200_000)
    expect(utcOffset(change - 1, 'Europe/Helsinki')).toBe(7200_000)
    expect(utcOffset(change, 'Europe/Helsinki')).toBe(10_800_000)
  })

  it('each date starts at the first instant Intl puts on it', () => {
    const anyDate = anyInstant.map((instant) => new Date(instant).toISOString().slice(0, 10))
    fc.assert(
      fc.property(anyDate, fc.constantFrom(...MARKET_ZONES), (date, zone) => {
        const start = startOfDate(date, zone)
        expect(intlDate(start, zone)).toBe(date)
        expect(intlDate(start - 1, zone)).toBe(addDays(date, -1))
        expect(endOfDate(date, zone) - start).toBeGreaterThanOrEqual(23 * 3600_000)
      }),
      { numRuns: 2000 },
    )
  })
})
