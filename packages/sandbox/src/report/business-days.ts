/**
 * Ledger dates and business days. A ledger date is a calendar day in the
 * merchant's time zone, midnight to midnight (the Report API's default cutoff),
 * weekends included: shops sell on Saturdays and the platform settles daily.
 * Business days — weekdays that are not bank holidays in the merchant's country
 * — only decide when a scheduled payout reaches the bank.
 *
 * Dates are `YYYY-MM-DD` strings throughout; instants are epoch milliseconds.
 */
import type { Currency } from '@kasse/vipps'

export type Country = 'NO' | 'DK' | 'FI'

/** Where a ledger in a currency settles: its country's business days and time zone. */
export interface Market {
  country: Country
  timeZone: string
}

/** DKK is Danish and EUR Finnish on this platform (research §2), so the currency decides the market. */
export const MARKET_FOR_CURRENCY: Record<Currency, Market> = {
  NOK: { country: 'NO', timeZone: 'Europe/Oslo' },
  DKK: { country: 'DK', timeZone: 'Europe/Copenhagen' },
  EUR: { country: 'FI', timeZone: 'Europe/Helsinki' },
}

const DAY_MS = 86_400_000
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

/** Whether `text` is a real calendar date written `YYYY-MM-DD` (so not 2025-02-30). */
export function isLedgerDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text)
  if (!match) return false
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

/** Midnight UTC of a date, as a day count we can do arithmetic on. */
const utcMidnight = (date: string): number => Date.parse(`${date}T00:00:00Z`)
const dateOfUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** The date `days` calendar days after `date` (before, when negative). */
export function addDays(date: string, days: number): string {
  return dateOfUtc(utcMidnight(date) + days * DAY_MS)
}

/** 0 = Sunday … 6 = Saturday. */
const weekday = (date: string): number => new Date(utcMidnight(date)).getUTCDay()

// One formatter per time zone: building one costs far more than using it.
const formatters = new Map<string, Intl.DateTimeFormat>()
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** What Intl (the runtime's time zone database) says `timeZone`'s offset from UTC is at a whole second. */
function intlOffsetAtSecond(second: number, timeZone: string): number {
  const instant = second * 1000
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  const { year, month, day, hour, minute, second: s } = parts as Record<string, number>
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, s!) - instant
}

/**
 * A zone's offsets over one UTC day: `before` until `changesAt` (a whole
 * second; Infinity when the offset holds all day), `after` from then on.
 */
interface DayOffsets {
  before: number
  after: number
  changesAt: number
}

/** Learnt days per zone; a process that runs for years forgets and relearns rather than grow. */
const offsetDays = new Map<string, Map<number, DayOffsets>>()
const MAX_DAYS_PER_ZONE = 4096

/**
 * Asks Intl for the offsets at a UTC day's first and last second, and, when
 * they differ, finds the second the clocks change by bisection (17 asks, for
 * the two days a year that have one). A zone changes its offset at most once
 * in a UTC day — true of every zone the platform settles in, as of the whole
 * time zone database.
 */
function learnDay(day: number, timeZone: string): DayOffsets {
  let first = (day * DAY_MS) / 1000
  let last = first + DAY_MS / 1000 - 1
  const before = intlOffsetAtSecond(first, timeZone)
  const after = intlOffsetAtSecond(last, timeZone)
  if (before === after) return { before, after, changesAt: Number.POSITIVE_INFINITY }
  // Invariant: `first` has the old offset, `last` the new.
  while (last - first > 1) {
    const middle = Math.floor((first + last) / 2)
    if (intlOffsetAtSecond(middle, timeZone) === before) first = middle
    else last = middle
  }
  return { before, after, changesAt: last * 1000 }
}

/**
 * `timeZone`'s offset from UTC at `instant`, in milliseconds: Intl's answer,
 * learnt once per zone and UTC day, so the capture path costs a map lookup
 * instead of formatting a date (which was 7–11 % of the sandbox's CPU under load).
 */
export function utcOffset(instant: number, timeZone: string): number {
  let days = offsetDays.get(timeZone)
  if (!days) {
    days = new Map()
    offsetDays.set(timeZone, days)
  }
  const day = Math.floor(instant / DAY_MS)
  let offsets = days.get(day)
  if (!offsets) {
    offsets = learnDay(day, timeZone)
    if (days.size >= MAX_DAYS_PER_ZONE) days.clear()
    days.set(day, offsets)
  }
  // Intl shows whole seconds, so the offset of an instant is its second's.
  return Math.floor(instant / 1000) * 1000 < offsets.changesAt ? offsets.before : offsets.after
}

/** The ledger date an instant falls on in `timeZone`. */
export function ledgerDateOf(instant: number, timeZone: string): string {
  return dateOfUtc(instant + utcOffset(instant, timeZone))
}

/**
 * The instant a date begins (local midnight) in `timeZone`. Oslo, Copenhagen and
 * Helsinki change clocks at 02:00–04:00, never at midnight, so midnight always exists.
 */
export function startOfDate(date: string, timeZone: string): number {
  const guess = utcMidnight(date)
  let instant = guess - utcOffset(guess, timeZone)
  // A second pass corrects the offset when the first guess sat across a DST change.
  instant = guess - utcOffset(instant, timeZone)
  return instant
}

/** The instant a ledger date closes: the next local midnight. */
export function endOfDate(date: string, timeZone: string): number {
  return startOfDate(addDays(date, 1), timeZone)
}

/** Easter Sunday (Gregorian, the anonymous algorithm). */
function easterSunday(year: number): string {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/**
 * Weekday bank holidays per country: the public holidays that can fall on a
 * weekday, plus the days banks close although shops may not (24 and 31
 * December in Norway and Denmark, Christmas Eve and Midsummer Eve in Finland).
 */
function bankHolidays(year: number, country: Country): string[] {
  const easter = easterSunday(year)
  const fromEaster = (days: number) => addDays(easter, days)
  const on = (mmdd: string) => `${year}-${mmdd}`
  switch (country) {
    case 'NO':
      return [
        on('01-01'),
        fromEaster(-3), // skjærtorsdag
        fromEaster(-2), // langfredag
        fromEaster(1), // 2. påskedag
        on('05-01'),
        on('05-17'),
        fromEaster(39), // Kristi himmelfartsdag
        fromEaster(50), // 2. pinsedag
        on('12-24'),
        on('12-25'),
        on('12-26'),
        on('12-31'),
      ]
    case 'DK':
      return [
        on('01-01'),
        fromEaster(-3),
        fromEaster(-2),
        fromEaster(1),
        // Store bededag was abolished from 2024.
        ...(year <= 2023 ? [fromEaster(26)] : []),
        fromEaster(39),
        fromEaster(40), // the Friday after Ascension is a bank holiday
        fromEaster(50),
        on('06-05'), // Grundlovsdag
        on('12-24'),
        on('12-25'),
        on('12-26'),
        on('12-31'),
      ]
    case 'FI': {
      // Juhannusaatto: the Friday between 19 and 25 June.
      const june19 = on('06-19')
      const midsummerEve = addDays(june19, (5 - weekday(june19) + 7) % 7)
      return [
        on('01-01'),
        on('01-06'),
        fromEaster(-2),
        fromEaster(1),
        on('05-01'),
        fromEaster(39),
        midsummerEve,
        on('12-06'),
        on('12-24'),
        on('12-25'),
        on('12-26'),
      ]
    }
    default: {
      const unknown: never = country
      throw new Error(`no bank calendar for ${String(unknown)}`)
    }
  }
}

const holidayCache = new Map<string, Set<string>>()

/** Whether banks in `country` move money on `date`: a weekday that is not a bank holiday. */
export function isBusinessDay(date: string, country: Country): boolean {
  const day = weekday(date)
  if (day === 0 || day === 6) return false
  const key = `${country}${date.slice(0, 4)}`
  let holidays = holidayCache.get(key)
  if (!holidays) {
    holidays = new Set(bankHolidays(Number(date.slice(0, 4)), country))
    holidayCache.set(key, holidays)
  }
  return !holidays.has(date)
}

/**
 * The `n`th business day after `date` (`date` itself never counts).
 *
 * @example
 * addBusinessDays('2025-03-14', 2, 'NO') // Friday → '2025-03-18', Tuesday
 */
export function addBusinessDays(date: string, n: number, country: Country): string {
  let day = date
  for (let counted = 0; counted < n; ) {
    day = addDays(day, 1)
    if (isBusinessDay(day, country)) counted++
  }
  return day
}
