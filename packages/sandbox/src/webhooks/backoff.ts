/**
 * When a failed delivery is tried again. The defaults are the platform's draft
 * schedule (research/vipps-api.md §3): attempts 1–5 two seconds apart, up to 10
 * fifteen seconds apart, up to 20 a minute apart, up to 50 fifteen minutes apart,
 * then hourly, for seven days after the first attempt.
 */

export interface RetryPolicy {
  /** Delay before each attempt, by the highest attempt number it applies to; the last step repeats. */
  steps: ReadonlyArray<{ upToAttempt: number; delayMs: number }>
  /** A delivery still failing this long after its first attempt is dropped. */
  windowMs: number
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  steps: [
    { upToAttempt: 5, delayMs: 2 * SECOND },
    { upToAttempt: 10, delayMs: 15 * SECOND },
    { upToAttempt: 20, delayMs: MINUTE },
    { upToAttempt: 50, delayMs: 15 * MINUTE },
    { upToAttempt: Number.POSITIVE_INFINITY, delayMs: HOUR },
  ],
  windowMs: 7 * 24 * HOUR,
}

/**
 * How long to wait before attempt number `attempt` (2 for the first retry).
 *
 * @example
 * delayBeforeAttempt(2) // 2000
 * delayBeforeAttempt(6) // 15000
 */
export function delayBeforeAttempt(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const step = policy.steps.find((s) => attempt <= s.upToAttempt) ?? policy.steps.at(-1)
  if (!step) throw new Error('a retry policy needs at least one step')
  return step.delayMs
}
