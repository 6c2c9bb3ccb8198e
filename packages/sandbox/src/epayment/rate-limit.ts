/**
 * The platform's per-reference rate limits (research/vipps-api.md §2): 5 writes
 * a minute per operation, reference and MSN, 120 reads a minute per operation,
 * reference and subscription key. A sliding window on the sandbox clock, so a
 * test moves past a limit by advancing the clock instead of waiting.
 */
import type { Clock } from '../clock.ts'
import type { SandboxConfig } from '../config.ts'
import { GatewayRefusal } from '../http/problem.ts'

const WINDOW_MS = 60_000
/** Above this many tracked keys, keys with no hit in the window are dropped. */
const SWEEP_ABOVE = 10_000

export class SlidingWindowLimiter {
  private hits = new Map<string, number[]>()
  // Doubles past what a sweep leaves, so a burst of fresh keys costs O(1) each, not a full scan each.
  private sweepAbove = SWEEP_ABOVE

  constructor(private readonly clock: Clock) {}

  /**
   * Counts one request under `key` if fewer than `limit` were counted in the
   * last minute. Returns 0 when admitted, else the seconds until one is.
   */
  take(key: string, limit: number): number {
    const now = this.clock.now()
    const since = now - WINDOW_MS
    let times = this.hits.get(key)
    if (!times) {
      if (this.hits.size >= this.sweepAbove) this.sweep(since)
      times = []
      this.hits.set(key, times)
    }
    let stale = 0
    while (stale < times.length && times[stale]! <= since) stale++
    if (stale > 0) times.splice(0, stale)
    if (times.length >= limit) return Math.max(1, Math.ceil((times[0]! - since) / 1000))
    times.push(now)
    return 0
  }

  clear(): void {
    this.hits.clear()
    this.sweepAbove = SWEEP_ABOVE
  }

  private sweep(since: number): void {
    for (const [key, times] of this.hits) {
      if ((times.at(-1) ?? 0) <= since) this.hits.delete(key)
    }
    this.sweepAbove = Math.max(SWEEP_ABOVE, 2 * this.hits.size)
  }
}

export type Traffic = 'write' | 'read'

/**
 * Refuses a request over its limit with the gateway's 429 and Retry-After.
 * Reads ctx settings on each call, so `PATCH /_sandbox/settings` applies at once.
 */
export function enforceRateLimit(
  limiter: SlidingWindowLimiter,
  limits: SandboxConfig['rateLimits'],
  traffic: Traffic,
  key: string,
): void {
  if (!limits.enabled) return
  const limit = traffic === 'write' ? limits.writesPerMinute : limits.readsPerMinute
  const wait = limiter.take(key, limit)
  if (wait > 0) {
    throw new GatewayRefusal(429, `Rate limit is exceeded. Try again in ${wait} seconds.`, wait)
  }
}
