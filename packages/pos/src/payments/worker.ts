/**
 * The background loop of a running till: it sweeps the payment attempts and
 * refunds that are due (polls, captures, cancels, unknown outcomes), in this
 * process and whatever other till processes share the database: claims in
 * the database decide who does what. It runs at once on start (attempts left
 * unfinished by a stopped till are due), then every `intervalMs`, and at once
 * when woken (a webhook made an attempt due). Work a request has already
 * claimed (a webhook's approval to capture) it runs at once beside the
 * sweeps (`run`), and waits for it on stop like for a sweep.
 */
import type { SQL } from 'drizzle-orm'
import type { WorkLog } from './service.ts'

export interface Sweeper {
  /** Does the due work; returns how many items it took. */
  sweep(): Promise<number>
  /**
   * Whether anything may be due now, as an SQL condition that claims nothing
   * (db/claims.ts `dueCheck`). The worker asks all of them in one statement
   * and sweeps only where one says yes; a sweeper without it always sweeps.
   */
  dueCheck?(): SQL
}

/** Evaluates due checks in one statement (db/claims.ts `whichDue`). */
export type DueProbe = (checks: readonly SQL[]) => Promise<boolean[]>

export class BackgroundWorker {
  private running = false
  private timer: NodeJS.Timeout | undefined
  private wakeUp: (() => void) | undefined
  private loop: Promise<void> | undefined
  private woken = false
  /** Work handed over with `run`, still under way. */
  private readonly handed = new Set<Promise<unknown>>()

  constructor(
    private readonly sweepers: Sweeper[],
    private readonly log: WorkLog,
    private readonly intervalMs = 500,
    private readonly probe?: DueProbe,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.sweepLoop()
  }

  /** Sweeps again as soon as the current sweep ends. */
  wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  /** True while the worker runs: work handed over now will be done (or waited for on stop). */
  get accepting(): boolean {
    return this.running
  }

  /**
   * Does work a caller has already claimed, now, beside the sweeps. False
   * (and nothing done) if the worker is not running: the caller's claim then
   * runs out or is released, and a sweep takes the work. `work` handles its
   * own failures.
   */
  run(work: () => Promise<unknown>): boolean {
    if (!this.running) return false
    const done: Promise<unknown> = work().finally(() => this.handed.delete(done))
    this.handed.add(done)
    return true
  }

  /** Stops after the sweep and handed-over work under way (whose calls finish, so nothing is left half-done). */
  async stop(): Promise<void> {
    this.running = false
    this.wakeUp?.()
    await this.loop
    await Promise.allSettled([...this.handed])
  }

  private async sweepLoop(): Promise<void> {
    while (this.running) {
      this.woken = false
      let busy = false
      const due = await this.dueSweepers()
      for (const sweeper of due) {
        try {
          busy = (await sweeper.sweep()) > 0 || busy
        } catch (error) {
          this.log.error({ err: (error as Error)?.name ?? 'error' }, 'sweep failed')
        }
      }
      if (!this.running) break
      // Straight on while there is work or news; otherwise wait for the next tick or a wake-up.
      if (busy || this.woken) continue
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve
        this.timer = setTimeout(resolve, this.intervalMs)
      })
      clearTimeout(this.timer)
      this.wakeUp = undefined
    }
  }

  /**
   * The sweepers with something due: one look for all that can say, instead
   * of a claim statement each on every tick (most ticks find nothing). If the
   * look fails, every sweeper sweeps, as without it.
   */
  private async dueSweepers(): Promise<Sweeper[]> {
    const checked = this.sweepers.filter((sweeper) => sweeper.dueCheck)
    if (!this.probe || checked.length === 0) return this.sweepers
    try {
      const answers = await this.probe(checked.map((sweeper) => sweeper.dueCheck!()))
      const idle = new Set(checked.filter((_, index) => !answers[index]))
      return this.sweepers.filter((sweeper) => !idle.has(sweeper))
    } catch (error) {
      this.log.error({ err: (error as Error)?.name ?? 'error' }, 'due check failed')
      return this.sweepers
    }
  }
}
