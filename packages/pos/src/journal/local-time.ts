/**
 * The store's own calendar: a "day" in the journal is a day in the store's
 * time zone (a sale at 00:30 in Oslo belongs to that Oslo date, not to the
 * UTC one), and receipts print local time.
 */
import type { Country } from '../db/schema.ts'

export const STORE_TIME_ZONES: Record<Country, string> = {
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

/** The date (YYYY-MM-DD) it is at `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at)
}

/** Date and time as a receipt prints them, e.g. `02.03.2026 10:15`. */
export function localDateTime(at: Date, timeZone: string): string {
  const wall = wallClock(at.getTime(), timeZone)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(wall.day)}.${two(wall.month)}.${wall.year} ${two(wall.hour)}:${two(wall.minute)}`
}

/** The hour (0–23) a wall clock in `timeZone` shows at `at`. */
export function localHour(at: Date, timeZone: string): number {
  return wallClock(at.getTime(), timeZone).hour
}

/** The local date before `date` (YYYY-MM-DD), across daylight-saving changes. */
export function previousLocalDate(date: string, timeZone: string): string | undefined {
  const bounds = localDayBounds(date, timeZone)
  return bounds && localDate(new Date(bounds.start.getTime() - 1), timeZone)
}

/** What a wall clock in `timeZone` shows at `instant`. */
function wallClock(instant: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  }
}

/**
 * The instants a local date starts and ends at (end exclusive), across
 * daylight-saving changes (a day may have 23 or 25 hours). Undefined for a
 * string that is not a real date.
 *
 * @example
 * localDayBounds('2026-03-02', 'Europe/Oslo') // { start: 2026-03-01T23:00Z, end: 2026-03-02T23:00Z }
 */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } | undefined {
  const match = DATE_PATTERN.exec(date)
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const check = new Date(Date.UTC(year, month - 1, day))
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined
  }
  return {
    start: new Date(localMidnight(year, month, day, timeZone)),
    end: new Date(localMidnight(year, month, day + 1, timeZone)),
  }
}

function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day)
  // The offset at the guess, then at the corrected instant (they differ only around a change).
  let instant = wall - offsetAt(wall, timeZone)
  instant = wall - offsetAt(instant, timeZone)
  return instant
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone)
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  return asUtc - Math.floor(instant / 1000) * 1000
}
