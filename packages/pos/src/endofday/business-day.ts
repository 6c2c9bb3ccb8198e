/**
 * A business day as the routes take it: a store-local date, checked once
 * (a real date, not one that has not begun), with the instants it spans.
 */
import type { Actor } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { PosError } from '../errors.ts'
import { localDate, localDayBounds, STORE_TIME_ZONES } from '../journal/local-time.ts'

export interface BusinessDay {
  date: string
  timeZone: string
  start: Date
  end: Date
}

/**
 * The actor's store's business day `date`; VALIDATION_FAILED naming `field`
 * for something that is not a real date, or a day that has not begun.
 */
export function businessDay(actor: Actor, clock: Clock, date: string, field = 'date'): BusinessDay {
  const timeZone = STORE_TIME_ZONES[actor.country]
  const bounds = localDayBounds(date, timeZone)
  if (!bounds) throw new PosError('VALIDATION_FAILED', `${field} must be a date like 2026-03-02`, { field })
  const today = localDate(new Date(clock.now()), timeZone)
  if (date > today) {
    throw new PosError('VALIDATION_FAILED', `${field} ${date} has not begun (today is ${today})`, { field })
  }
  return { date, timeZone, ...bounds }
}

/** The schema of a business-day path parameter. */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'
