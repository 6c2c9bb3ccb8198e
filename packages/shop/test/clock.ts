import type { Clock } from '../src/clock.ts'

/** A clock that stands still until told to move: for tests. */
export class ManualClock implements Clock {
  constructor(private nowMs: number = Date.parse('2026-03-02T09:00:00.000Z')) {}
  now(): number {
    return this.nowMs
  }
  advance(ms: number): void {
    this.nowMs += ms
  }
}
