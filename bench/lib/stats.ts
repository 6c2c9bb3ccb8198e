/**
 * Latency statistics for the bench: percentiles by the nearest-rank method, so
 * every figure reported is a latency that was actually observed, never an
 * interpolation between two.
 */

export interface LatencySummary {
  count: number
  /** Milliseconds. */
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

/**
 * The p-th percentile (0–100) of values sorted ascending, by nearest rank:
 * the smallest value with at least p % of the values at or below it.
 * Undefined for no values.
 *
 * @example
 * percentile([1, 2, 3, 4], 50) // 2
 * percentile([1, 2, 3, 4], 99) // 4
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0 and 100, got ${p}`)
  const n = sorted.length
  if (n === 0) return undefined
  const rank = Math.max(1, Math.ceil((p / 100) * n))
  return sorted[rank - 1]
}

/** Count, mean, p50/p95/p99 and max of latencies in milliseconds; undefined when there are none. */
export function summarize(latencies: ArrayLike<number>): LatencySummary | undefined {
  if (latencies.length === 0) return undefined
  // A typed copy sorts numerically (an array's default sort compares strings).
  const sorted = Float64Array.from(latencies).sort()
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50)!,
    p95: percentile(sorted, 95)!,
    p99: percentile(sorted, 99)!,
    max: sorted[sorted.length - 1]!,
  }
}

/** A summary per name (operation, step) of the latencies kept under it. */
export function summarizeEach(
  byName: ReadonlyMap<string, ArrayLike<number>>,
): Record<string, LatencySummary | undefined> {
  const summaries: Record<string, LatencySummary | undefined> = {}
  for (const [name, latencies] of byName) summaries[name] = summarize(latencies)
  return summaries
}

/** The median of a few measurements (start-up runs); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  return percentile(Float64Array.from(values).sort(), 50)
}
