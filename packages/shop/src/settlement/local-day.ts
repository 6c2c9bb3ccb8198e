/**
 * The shop's business days: calendar dates in Norway, midnight to midnight,
 * the same days the platform's settlement report uses for a NOK ledger.
 */

/** Where the shop sells, and so where its days begin and end. */
export const SHOP_TIME_ZONE = 'Europe/Oslo'

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const localDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: SHOP_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})
const wallClockFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: SHOP_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

/** The shop's date (YYYY-MM-DD) at an instant. */
export const localDate = (instant: Date): string => localDateFormat.format(instant)

/** The date `days` after (before, when negative) a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** Norway's offset from UTC at an instant, in milliseconds (whole seconds). */
function offsetAt(instant: number): number {
  const second = Math.floor(instant / 1000) * 1000
  const parts = Object.fromEntries(
    wallClockFormat
      .formatToParts(new Date(second))
      .filter((part) => part.type !== 'literal')
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>
  return (
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - second
  )
}

/** Local midnight at the start of `date` (Norway changes clocks at 02:00–03:00, so midnight exists). */
function startOf(date: string): Date {
  const guess = Date.parse(`${date}T00:00:00Z`)
  // Twice: the first offset may be the other side of a clock change.
  const first = guess - offsetAt(guess)
  return new Date(guess - offsetAt(first))
}

/** The instants a real YYYY-MM-DD date spans in Norway, or undefined for anything else. */
export function localDayBounds(date: string): { start: Date; end: Date } | undefined {
  const match = DATE_PATTERN.exec(date)
  if (!match) return undefined
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const utc = new Date(Date.UTC(y, m - 1, d))
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== m - 1 || utc.getUTCDate() !== d) return undefined
  return { start: startOf(date), end: startOf(addDays(date, 1)) }
}
