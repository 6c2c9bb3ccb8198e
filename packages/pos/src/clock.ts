/**
 * The till's clock. Domain code reads time only from here, never from
 * `Date.now()`, so tests can move time (a PIN lockout ending, a session
 * expiring, an outbox lease running out) at once and deterministically.
 */

export interface Clock {
  /** Milliseconds since the epoch, on this clock. */
  now(): number
}

/** The wall clock, for a running till. */
export const systemClock: Clock = {
  now: () => Date.now(),
}

/**
 * A clock that stands still until told to move: for tests.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'))
 * clock.advance(5 * 60_000) // the lockout is over
 */
export class ManualClock implements Clock {
  constructor(private nowMs: number = Date.parse('2026-03-02T09:00:00.000Z')) {}

  now(): number {
    return this.nowMs
  }

  /** Moves time forward by `ms` (never back: a clock going backwards is a bug elsewhere). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward')
    this.nowMs += ms
  }
}

/** The clock's time as a Date, for a timestamp column. */
export function nowDate(clock: Clock): Date {
  return new Date(clock.now())
}
