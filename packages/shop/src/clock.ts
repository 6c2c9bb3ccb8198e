/**
 * The shop's clock. Domain code reads time only from here, never from
 * `Date.now()`, so tests decide what time it is (a session expiring, an
 * operation left unanswered long enough for the status sync).
 */
export interface Clock {
  /** Milliseconds since the epoch, on this clock. */
  now(): number
}

/** The wall clock, for a running shop. */
export const systemClock: Clock = { now: () => Date.now() }

/** The clock's time as a Date, for a timestamp column. */
export const nowDate = (clock: Clock): Date => new Date(clock.now())
