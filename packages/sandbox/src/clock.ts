/**
 * The sandbox's clock. Domain code reads time only from here, so tests and the
 * control API can move it: advancing the clock expires payments, makes webhook
 * retries due and closes settlement days, at once and deterministically.
 */

export interface Clock {
  /** Milliseconds since the epoch, on this clock. */
  now(): number
}

type Task = { at: number; seq: number; run: () => void }

/**
 * Wall-clock time plus an offset the control API can advance, with a scheduler
 * for work due at a point in sandbox time. Tasks run when real time reaches
 * them, or at once when the clock is advanced past them, in time order.
 *
 * @example
 * const clock = new SandboxClock()
 * clock.schedule(clock.now() + 600_000, () => expire(payment))
 * clock.advance(600_000) // runs the task now
 */
export class SandboxClock implements Clock {
  private offsetMs = 0
  private tasks: Task[] = []
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  /** Set while tasks are due now: they run in this turn of the event loop, not on a timer. */
  private immediate: NodeJS.Immediate | undefined
  private stopped = false

  constructor(
    private readonly realNow: () => number = Date.now,
    /** Where a failing task's error goes; the owner of the task records its own failure. */
    private readonly onTaskError: (error: unknown) => void = (error) =>
      console.error('sandbox clock task failed', error),
  ) {}

  now(): number {
    return this.realNow() + this.offsetMs
  }

  /** Moves sandbox time forward and runs everything that became due. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward')
    this.offsetMs += ms
    this.runDue()
  }

  /** Runs `run` once sandbox time reaches `at`. Returns a function that cancels it. */
  schedule(at: number, run: () => void): () => void {
    const task: Task = { at, seq: this.seq++, run }
    this.tasks.push(task)
    this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq)
    this.arm()
    return () => {
      this.tasks = this.tasks.filter((t) => t !== task)
      this.arm()
    }
  }

  /** Drops every pending task (reset) without running it. */
  clearScheduled(): void {
    this.tasks = []
    this.arm()
  }

  /** Resets the offset to zero and drops pending tasks. */
  reset(): void {
    this.offsetMs = 0
    this.clearScheduled()
  }

  /** Stops the timer so the process can exit; nothing runs afterwards. */
  stop(): void {
    this.stopped = true
    this.tasks = []
    this.arm()
  }

  get pendingTasks(): number {
    return this.tasks.length
  }

  private runDue(): void {
    // A task may schedule more tasks (a retry); loop until nothing is due.
    for (;;) {
      const next = this.tasks[0]
      if (!next || next.at > this.now()) break
      this.tasks.shift()
      try {
        next.run()
      } catch (error) {
        // A failing task must not stop the others, nor take the process down.
        this.onTaskError(error)
      }
    }
    this.arm()
  }

  private arm(): void {
    const next = this.tasks[0]
    const delay = !next || this.stopped ? undefined : Math.max(0, next.at - this.now())
    if (delay !== 0 && this.immediate) {
      clearImmediate(this.immediate)
      this.immediate = undefined
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (delay === undefined) return
    if (delay === 0) {
      // Due now (a webhook's first attempt): run after the I/O in hand, in this turn of the
      // event loop, instead of waking the process again for a timer a millisecond later.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined
        this.runDue()
      }).unref()
      return
    }
    // Cap the wait so a long sleep never overflows setTimeout's 32-bit delay.
    this.timer = setTimeout(() => this.runDue(), Math.min(delay, 60_000))
    this.timer.unref()
  }
}
