/**
 * When something read from the database was read, for caches that use it for
 * a bounded time: on the till's clock (tests move it to see the bound pass)
 * and in real time (a test clock standing still does not hold a read forever).
 */
import { performance } from 'node:perf_hooks'
import type { Clock } from './clock.ts'

export interface ReadAt {
  clockMs: number
  realMs: number
}

export function readNow(clock: Clock): ReadAt {
  return { clockMs: clock.now(), realMs: performance.now() }
}

/** True while less than `boundMs` has passed since `read`, on both clocks. */
export function isFresh(read: ReadAt, clock: Clock, boundMs: number): boolean {
  return clock.now() - read.clockMs < boundMs && performance.now() - read.realMs < boundMs
}
