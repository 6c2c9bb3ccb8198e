/**
 * Taking payment for a sale with Vipps MobilePay: the attempt is stored with
 * its reference and idempotency keys before any call, every answer from the
 * platform (a call's reply, a poll, a webhook) goes through the state
 * machine's `reconcile`, and the work that needs the platform (polling,
 * capture, compare-then-cancel, resolving an unknown outcome) is done by
 * whichever till process claims the attempt in the database.
 *
 * Money is never charged twice: the create, capture and cancel calls carry
 * keys stored with the attempt, so repeating a call (after a crash, in
 * another process) makes the platform do it once; and an attempt becomes
 * `captured` in the same transaction that registers its sale as paid, only
 * after the platform's aggregate shows the whole amount captured.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  type Aggregate,
  type EPaymentWebhookEvent,
  type GetPaymentResponse,
  type ModificationResponse,
  newIdempotencyKey,
  VippsApiError,
  type VippsClient,
} from '@kasse/vipps'
import type { SQL } from 'drizzle-orm'
import type { Actor } from '../cashiers/service.ts'
import type { Clock } from '../clock.ts'
import { dueCheck, releaseAllClaims } from '../db/claims.ts'
import type { Db } from '../db/database.ts'
import { PosError } from '../errors.ts'
import { newId } from '../ids.ts'
import type { LiveEvents, TransactionNews } from '../live/hub.ts'
import type { Sales } from '../sales/service.ts'
import { classifyCallError, describeForLog, type PaymentError, unavailable } from './errors.ts'
import {
  canMove,
  isCancellable,
  isLive,
  LIVE_STATES,
  type PaymentAttemptState,
  type PlatformView,
  reconcile,
  unreachable,
  viewOfEvent,
  viewOfPayment,
} from './machine.ts'
import type { VippsPlatform } from './platform.ts'
import { AuthorizationReleases } from './release.ts'
import { createPaymentRequest, paymentReference, sameRequest } from './request.ts'
import {
  type AttemptChanges,
  type AttemptRow,
  claimAttempt,
  claimDueAttempts,
  findAttempt,
  insertAttempt,
  latestAttempt,
  lockAttempt,
  recordWebhookEvent,
  tillOfSale,
  updateAttempt,
  writeLockedAttempt,
} from './store.ts'

/** How often and how long the till looks at a payment. */
export interface PaymentTimings {
  /** How long a process holds an attempt while it calls the platform about it. */
  leaseMs: number
  /** The first poll of a waiting request (the platform's guideline: 5 s). */
  firstPollMs: number
  /** Polls after that (the guideline: 2 s; 30 a minute is within the 120 reads a minute per payment). */
  pollIntervalMs: number
  /** Polls of a request older than `slowPollAfterMs`, which the platform will soon expire anyway. */
  slowPollIntervalMs: number
  slowPollAfterMs: number
  /** The longest wait between retries of a failing call or look-up. */
  maxBackoffMs: number
  /**
   * How long after a create whose outcome is unknown the till may send it
   * again (same key and body) when the platform does not know the payment;
   * after that the attempt fails (retryable) instead of surprising a customer
   * who has left with a late push.
   */
  recreateWindowMs: number
}

export const DEFAULT_PAYMENT_TIMINGS: PaymentTimings = {
  leaseMs: 30_000,
  firstPollMs: 5_000,
  pollIntervalMs: 2_000,
  slowPollIntervalMs: 10_000,
  slowPollAfterMs: 15 * 60_000,
  maxBackoffMs: 30_000,
  recreateWindowMs: 2 * 60_000,
}

/** What the service logs: levels and structured fields, never personal data or secrets. */
export interface WorkLog {
  warn(fields: Record<string, unknown>, message: string): void
  error(fields: Record<string, unknown>, message: string): void
}

export const silentLog: WorkLog = { warn: () => {}, error: () => {} }

/** The customer club's side of a captured payment (club/service.ts). */
export interface PurchasePoints {
  /** Registers the sale's points on its member's account, in the transaction that registers it paid. */
  registerPurchase(tx: Db, saleId: string, capturedAmount: number): Promise<void>
}

interface Decision {
  state?: PaymentAttemptState
  /** A state passed through on the way to `state`, in the same write (both moves must be allowed). */
  through?: PaymentAttemptState
  changes?: AttemptChanges
  /** Overrides the schedule the new state would get. */
  nextCheckAt?: Date | null
}

/** How many sales' tills Payments keeps at hand (far more than the payments moving at once). */
const TILL_OF_SALE_ENTRIES = 1_000

/** States a claimer goes on working on at once rather than handing back (an approval to capture). */
const KEEP_CLAIM: readonly PaymentAttemptState[] = ['authorized']

/** The background worker, as the service uses it (payments/worker.ts). */
export interface WorkRunner {
  /** Sweeps again now (something became due). */
  wake(): void
  /** True while work handed to `run` will be done. */
  readonly accepting: boolean
  /** Does already-claimed work now; false if not running. */
  run(work: () => Promise<unknown>): boolean
}

/** The outcome of a create call, as the machine hears it. */
type CreateOutcome = { kind: 'created' } | { kind: 'unknown' } | { kind: 'refused'; error: PaymentError }

/** A process's name in claims: the host's pid and a random part, so restarts are told apart. */
export function newClaimerId(): string {
  return `pos-${process.pid}-${randomBytes(4).toString('hex')}`
}

export class Payments {
  readonly claimer: string
  /** Approvals for attempts already closed, released (another sweeper for the worker). */
  readonly releases: AuthorizationReleases
  private readonly timings: PaymentTimings
  private readonly points: PurchasePoints | undefined
  private worker: WorkRunner | undefined
  /** The live news of each open transaction of this service, announced once when it commits. */
  private readonly news = new WeakMap<Db, TransactionNews>()
  /**
   * Which till each recent attempt's sale is at, for the live notices of
   * every state move. A sale stays at the till that opened it (nothing
   * changes `sale.till_id`), so this can never go stale; bounded, since a
   * sale is only of interest while its payment moves.
   */
  private readonly tillOfSale = new Map<string, string>()

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sales: Sales,
    private readonly platform: VippsPlatform,
    private readonly live: LiveEvents,
    private readonly log: WorkLog = silentLog,
    options: { claimer?: string; timings?: Partial<PaymentTimings>; points?: PurchasePoints } = {},
  ) {
    this.claimer = options.claimer ?? newClaimerId()
    this.points = options.points
    this.timings = { ...DEFAULT_PAYMENT_TIMINGS, ...options.timings }
    this.releases = new AuthorizationReleases(db, clock, platform, log, this.claimer)
  }

  /**
   * The worker of this process: woken when an attempt becomes due now (a
   * webhook), and handed an attempt a webhook let this process claim at once.
   */
  useWorker(worker: WorkRunner): void {
    this.worker = worker
  }

  private wakeWorker(): void {
    this.worker?.wake()
  }

  // ── The cashier's commands ────────────────────────────────────────────────

  /**
   * Starts the payment request for a sale, or returns the attempt already
   * under way (a double click, a second tab, another process). A failed
   * attempt whose request may be sent again unchanged (the platform was
   * unavailable) is reused with its reference and key; anything else after
   * an ended attempt is a new attempt with the next number.
   */
  async start(actor: Actor, saleId: string): Promise<AttemptRow> {
    const prepared = await this.prepareAttempt(actor, saleId)
    if (!prepared.send) return prepared.row
    const sent = await this.sendCreate(prepared.row)
    // An approval whose webhook landed while the create call was out found the
    // attempt held by this call, so nobody took it up; the claim this process
    // kept for it goes to the worker now rather than waiting out its lease.
    if (sent.state === 'authorized' && sent.claimedBy === this.claimer)
      this.worker?.run(() => this.work(sent))
    return sent
  }

  /**
   * In one transaction: freezes the sale and stores the attempt to send (a
   * new one, or a retryable failure reused), or finds the one under way. The
   * sale's lock comes first, so two starts for one sale go one after the
   * other and the second finds the first's attempt; a refusal or a crash
   * leaves the sale as it was, with nothing stored.
   */
  private prepareAttempt(actor: Actor, saleId: string): Promise<{ row: AttemptRow; send: boolean }> {
    return this.transaction(async (tx) => {
      const locked = await this.sales.lockForPayment(tx, actor, saleId)
      const last = await latestAttempt(tx, saleId)
      // The attempt says whether the sale is paid: it becomes captured in the transaction that registers the sale.
      if (last && (isLive(last.state as PaymentAttemptState) || last.state === 'captured'))
        return { row: last, send: false }
      if (locked.customerMsisdn === null || locked.customerSource === null) {
        throw new PosError('CUSTOMER_REQUIRED', 'Scan the customer’s QR code or type their number first', {
          field: 'customer',
        })
      }
      this.platform.clientFor(actor.msn) // refuses at once if the till has no platform settings
      const frozen = await this.sales.freezeForPayment(tx, locked)
      const now = this.now()
      const number = (last?.attemptNumber ?? 0) + 1
      const request = createPaymentRequest({
        sale: frozen,
        reference: paymentReference(frozen.posId, frozen.receiptNumber!, number),
        storeName: actor.storeName,
      })
      const lease = {
        state: 'creating' as const,
        claimedBy: this.claimer,
        claimedUntil: new Date(now.getTime() + this.timings.leaseMs),
        nextCheckAt: new Date(now.getTime() + this.timings.leaseMs),
        createSentAt: now,
        errorCode: null,
        errorMessage: null,
        errorRetryable: null,
        finalAt: null,
        checks: 0,
        updatedAt: now,
      }
      let row: AttemptRow
      if (last?.state === 'failed' && last.errorRetryable && sameRequest(last.createRequest, request)) {
        // The same request again, under the same reference and key: if an
        // earlier send did reach the platform, it answers as it did then.
        row = await updateAttempt(tx, last.id, lease)
      } else {
        row = {
          id: newId('pay'),
          saleId,
          storeId: actor.storeId,
          msn: actor.msn,
          attemptNumber: number,
          reference: request.reference,
          idempotencyKey: newIdempotencyKey(),
          captureIdempotencyKey: newIdempotencyKey(),
          cancelIdempotencyKey: newIdempotencyKey(),
          currency: request.amount.currency,
          amount: request.amount.value,
          authorizedAmount: 0,
          capturedAmount: 0,
          cancelledAmount: 0,
          refundedAmount: 0,
          pspReference: null,
          customerMsisdn: frozen.customer!.msisdn,
          customerSource: frozen.customer!.source,
          createRequest: request,
          cancelRequestedAt: null,
          createdAt: now,
          ...lease,
        }
        await insertAttempt(tx, row)
      }
      await this.notify(tx, row, false, locked.tillId)
      return { row, send: true }
    })
  }

  /**
   * The cashier cancels the request. Compare-then-cancel: the attempt is
   * marked `cancelling`, then the payment is looked up and cancelled only if
   * the customer has not answered; one the customer approved meanwhile is
   * captured instead (the customer paid). Cancelling twice is harmless.
   */
  async cancel(actor: Actor, saleId: string): Promise<AttemptRow> {
    const row = await this.latest(actor, saleId)
    const state = row.state as PaymentAttemptState
    if (state === 'cancelling' || (!isLive(state) && state !== 'captured')) return row
    if (!isCancellable(state)) {
      throw new PosError(
        'PAYMENT_NOT_CANCELLABLE',
        state === 'captured'
          ? 'The payment is registered; refund it instead'
          : 'The customer has approved the payment; it is being completed',
      )
    }
    // Not a claim holder here: whoever holds the attempt (a create on its way) keeps it.
    const marked = await this.move(
      row.id,
      (current) =>
        isCancellable(current.state as PaymentAttemptState)
          ? { state: 'cancelling', changes: { cancelRequestedAt: this.now() } }
          : undefined,
      { release: false },
    )
    const claimed =
      marked.state === 'cancelling' ? await claimAttempt(this.db, row.id, this.lease(this.now())) : undefined
    if (claimed) return this.advanceClaimed(claimed)
    this.wakeWorker()
    return marked
  }

  /** The sale's latest attempt; PAYMENT_NOT_FOUND if payment was never started. */
  async latest(actor: Actor, saleId: string): Promise<AttemptRow> {
    await this.sales.getRow(actor, saleId)
    const row = await latestAttempt(this.db, saleId)
    if (!row) throw new PosError('PAYMENT_NOT_FOUND', 'No payment has been started for this sale')
    return row
  }

  async find(id: string): Promise<AttemptRow | undefined> {
    return findAttempt(this.db, id)
  }

  /**
   * Looks a live attempt up with the platform now and follows what it says,
   * as a poll would (the in-flight check's "resolve"): a capture made there
   * registers the sale, an approval is captured with the attempt's stored
   * key, an ended request closes the attempt. Never a second charge: the
   * capture key is the attempt's own. An attempt another process is working
   * on is left to it (its worker is woken); an ended one is returned as is.
   */
  async followNow(id: string): Promise<AttemptRow> {
    const row = await findAttempt(this.db, id)
    if (!row) throw new PosError('PAYMENT_NOT_FOUND', 'No such payment attempt')
    if (!isLive(row.state as PaymentAttemptState)) return row
    const claimed = await claimAttempt(this.db, id, this.lease(this.now()))
    if (claimed) return this.advanceClaimed(claimed)
    this.wakeWorker()
    return row
  }

  // ── Webhooks ──────────────────────────────────────────────────────────────

  /**
   * Takes in a verified ePayment event: records it once (a replay or a
   * duplicate is acknowledged and changes nothing), moves the attempt forward
   * if the event says something new, and makes the attempt due at once so a
   * process captures or confirms it. No platform call happens here, so the
   * receiver answers fast.
   */
  async takeWebhookEvent(event: EPaymentWebhookEvent): Promise<{ duplicate: boolean; known: boolean }> {
    const now = this.now()
    const outcome = await this.transaction(async (tx): Promise<WebhookOutcome> => {
      const { fresh, attempt } = await recordWebhookEvent(tx, {
        dedupeKey: webhookDedupeKey(event),
        msn: event.msn,
        reference: event.reference,
        name: event.name,
        pspReference: event.pspReference,
        currency: event.amount.currency,
        amount: event.amount.value,
        eventTimestamp: event.timestamp,
        receivedAt: now,
      })
      if (!fresh) return { duplicate: true, known: attempt !== undefined }
      if (!attempt) return { duplicate: false, known: false }
      const view = event.success ? viewOfEvent(event.name) : undefined
      const state = attempt.state as PaymentAttemptState
      if (view === 'authorized' && !isLive(state) && state !== 'captured') {
        // Approved on the platform, closed here: the customer's money must not stay reserved.
        this.log.warn({ attemptId: attempt.id, state }, 'approval for a closed payment attempt; releasing it')
        await this.releases.enqueue(tx, attempt)
        return { duplicate: false, known: true, wake: true }
      }
      const target = view ? reconcile(state, view) : undefined
      // News the till already has (a CREATED while waiting, a late approval
      // after the capture) changes nothing, not even the next poll.
      if (view && target === undefined) return { duplicate: false, known: true }
      const to = target ?? state
      // An event without a view (the till's own capture, refund or cancel
      // seen by the platform) calls for a look-up now, whose answer decides;
      // otherwise the new state's schedule says when to look (an approval: now).
      const nextCheckAt = view ? this.scheduleFor(to, true, attempt) : now
      const dueNow =
        isLive(to) &&
        nextCheckAt !== null &&
        nextCheckAt.getTime() <= this.clock.now() &&
        leaseFree(attempt, now)
      // Due now and nobody on it: this process takes it in this transaction and
      // works on it at once (no wake, due check, claim and read in between).
      const claim = dueNow && this.worker?.accepting === true
      // An approval is captured at once: the attempt goes on through `authorized` to `capturing` here, under the claim.
      const capture = claim && to === 'authorized'
      const updated = await this.apply(tx, attempt, {
        state: capture ? 'capturing' : target,
        through: capture ? 'authorized' : undefined,
        nextCheckAt,
        changes: claim ? { claimedBy: this.claimer, claimedUntil: this.leaseEnd() } : undefined,
      })
      return { duplicate: false, known: true, claimed: claim ? updated : undefined, wake: dueNow && !claim }
    })
    const { claimed } = outcome
    // Had the worker stopped meanwhile, the claim is given back at shutdown (or runs out) and a sweep takes it.
    if (claimed) this.worker?.run(() => this.work(claimed))
    if (outcome.wake) this.wakeWorker()
    return { duplicate: outcome.duplicate, known: outcome.known }
  }

  // ── The work: polling, capture, cancel, resolving unknowns ────────────────

  /** Whether an attempt is due now (the worker's look before it sweeps). */
  dueCheck(): SQL {
    return dueCheck('payment_attempt', { states: LIVE_STATES, now: this.now() })
  }

  /**
   * Claims the attempts that are due (in this process or another) and moves
   * each forward with the platform. Returns how many it worked on. The
   * background worker calls it; tests call it to step the flow.
   */
  async sweep(limit = 20): Promise<number> {
    const claimed = await claimDueAttempts(this.db, {
      claimer: this.claimer,
      states: LIVE_STATES,
      now: this.now(),
      leaseMs: this.timings.leaseMs,
      limit,
    })
    await Promise.all(claimed.map((row) => this.work(row)))
    return claimed.length
  }

  /**
   * Works on an attempt this process has claimed. Work that throws backs the
   * attempt off (and logs), so one bad attempt never stops the others.
   */
  private work(claimed: AttemptRow): Promise<unknown> {
    return this.advanceClaimed(claimed).catch((error: unknown) => {
      this.log.error({ attemptId: claimed.id, err: describeForLog(error) }, 'payment work failed')
      return this.backOff(claimed.id)
    })
  }

  /** Gives up this process's claims (at shutdown), so another process need not wait for the leases. */
  async releaseClaims(): Promise<void> {
    await releaseAllClaims(this.db, 'payment_attempt', this.claimer)
  }

  /**
   * Moves a claimed attempt forward by what its state needs, and releases the
   * claim. An approval it learns of is captured at once, under the same claim.
   */
  private async advanceClaimed(claimed: AttemptRow): Promise<AttemptRow> {
    const after = await this.step(claimed)
    if (after.state === 'authorized' && after.claimedBy === this.claimer) return this.capture(after)
    return after
  }

  /** One step for a claimed attempt, as the claim statement returned it (read in the claim, not again). */
  private async step(row: AttemptRow): Promise<AttemptRow> {
    const state = row.state as PaymentAttemptState
    switch (state) {
      case 'creating':
      case 'unknown':
        return this.resolveUnknown(row)
      case 'waiting_for_customer':
        return this.poll(row)
      case 'authorized':
      case 'capturing':
        return this.capture(row)
      case 'cancelling':
        return this.compareThenCancel(row)
      case 'captured':
      case 'declined':
      case 'expired':
      case 'cancelled':
      case 'failed':
        return this.move(row.id, () => undefined)
      default:
        return unreachable(state)
    }
  }

  private async sendCreate(row: AttemptRow): Promise<AttemptRow> {
    let outcome: CreateOutcome
    try {
      await this.client(row).epayment.create(row.createRequest, { idempotencyKey: row.idempotencyKey })
      outcome = { kind: 'created' }
    } catch (error) {
      const failure = classifyCallError(error)
      if (failure.kind === 'unknown') {
        this.log.warn({ attemptId: row.id, reason: failure.reason }, 'payment request outcome unknown')
      }
      outcome = failure.kind === 'unknown' ? { kind: 'unknown' } : { kind: 'refused', error: failure.error }
    }
    return this.settleCreate(row.id, outcome)
  }

  private settleCreate(id: string, outcome: CreateOutcome): Promise<AttemptRow> {
    return this.move(id, (current) => {
      const state = current.state as PaymentAttemptState
      switch (outcome.kind) {
        case 'created':
          // A cancel asked while the request was on its way is carried out now.
          return state === 'cancelling' ? { nextCheckAt: this.now() } : { state: reconcile(state, 'waiting') }
        case 'unknown':
          return state === 'creating' ? { state: 'unknown' } : {}
        case 'refused':
          // Nothing was created: a cancel asked meanwhile is simply done.
          if (state === 'cancelling') return { state: 'cancelled' }
          if (state !== 'creating' && state !== 'unknown') return {}
          return {
            state: 'failed',
            changes: {
              errorCode: outcome.error.code,
              errorMessage: outcome.error.message,
              errorRetryable: outcome.error.retryable,
            },
          }
        default:
          return unreachable(outcome)
      }
    })
  }

  /**
   * An attempt whose create outcome is unknown (or whose creator died):
   * look the payment up. Known to the platform → follow it. Unknown to the
   * platform → the create never took effect: send it again with the same key
   * and body while that is still timely, else fail it (retryable).
   */
  private async resolveUnknown(row: AttemptRow): Promise<AttemptRow> {
    const found = await this.lookUp(row)
    if (found.kind === 'error') return this.backOff(row.id)
    if (found.kind === 'payment') return this.observe(row.id, found.payment)
    const sentAt = row.createSentAt?.getTime() ?? row.createdAt.getTime()
    if (this.clock.now() - sentAt <= this.timings.recreateWindowMs) {
      // Still holding the claim while the create is on its way, as the first sender did.
      const resend = await this.move(
        row.id,
        (current) =>
          current.state === 'unknown' || current.state === 'creating'
            ? {
                state: 'creating',
                changes: { createSentAt: this.now(), claimedUntil: this.leaseEnd() },
                nextCheckAt: this.leaseEnd(),
              }
            : undefined,
        { release: false },
      )
      if (resend.state !== 'creating') return this.move(row.id, () => undefined)
      return this.sendCreate(resend)
    }
    return this.move(row.id, (current) =>
      current.state === 'unknown' || current.state === 'creating'
        ? {
            state: 'failed',
            changes: {
              errorCode: unavailable().code,
              errorMessage: unavailable().message,
              errorRetryable: true,
            },
          }
        : undefined,
    )
  }

  /** The safety net under the webhooks: GET the payment and follow what it says. */
  private async poll(row: AttemptRow): Promise<AttemptRow> {
    const found = await this.lookUp(row)
    if (found.kind === 'payment') return this.observe(row.id, found.payment)
    return this.backOff(row.id)
  }

  /**
   * Captures the full amount with the attempt's stored capture key (a repeat
   * after a crash captures nothing twice), then checks the aggregate: only
   * when the platform says the whole amount is captured does the attempt
   * become `captured`, in the transaction that registers the sale as paid.
   */
  private async capture(row: AttemptRow): Promise<AttemptRow> {
    let current = row
    if (current.state === 'authorized') {
      current = await this.move(
        row.id,
        (r) => (r.state === 'authorized' ? { state: 'capturing' } : undefined),
        {
          release: false,
        },
      )
    }
    if (current.state !== 'capturing') return this.move(row.id, () => undefined)
    try {
      const answer = await this.client(current).epayment.capture(
        current.reference,
        { currency: current.currency, value: current.amount },
        { idempotencyKey: current.captureIdempotencyKey },
      )
      return this.observe(current.id, answer)
    } catch (error) {
      const failure = classifyCallError(error)
      this.log.warn(
        { attemptId: current.id, reason: failure.kind === 'unknown' ? failure.reason : failure.error.code },
        'capture did not complete',
      )
      if (failure.kind === 'unknown') return this.backOff(current.id)
      // Refused: the payment may have been cancelled or captured elsewhere; its state decides.
      const found = await this.lookUp(current)
      if (found.kind === 'payment') return this.observe(current.id, found.payment, { backOff: true })
      return this.backOff(current.id)
    }
  }

  /**
   * Cancels only what is still waiting: look the payment up first; if the
   * customer has not answered, cancel with `cancelTransactionOnly` (so an
   * approval that lands at the same moment is refused the cancel, not
   * released), then follow the answer.
   */
  private async compareThenCancel(row: AttemptRow): Promise<AttemptRow> {
    const found = await this.lookUp(row)
    if (found.kind === 'error') return this.backOff(row.id)
    if (found.kind === 'not-found') {
      // The create never reached the platform (its sender has finished: the lease was free).
      return this.move(row.id, (current) =>
        current.state === 'cancelling' ? { state: 'cancelled' } : undefined,
      )
    }
    if (viewOfPayment(found.payment, row.amount) !== 'waiting') return this.observe(row.id, found.payment)
    try {
      const answer = await this.client(row).epayment.cancel(row.reference, {
        idempotencyKey: row.cancelIdempotencyKey,
        cancelTransactionOnly: true,
      })
      return this.observe(row.id, answer)
    } catch (error) {
      const failure = classifyCallError(error)
      this.log.warn(
        { attemptId: row.id, reason: failure.kind === 'unknown' ? failure.reason : failure.error.code },
        'cancel did not complete',
      )
      return this.backOff(row.id)
    }
  }

  private async lookUp(
    row: AttemptRow,
  ): Promise<{ kind: 'payment'; payment: GetPaymentResponse } | { kind: 'not-found' } | { kind: 'error' }> {
    try {
      return { kind: 'payment', payment: await this.client(row).epayment.get(row.reference) }
    } catch (error) {
      if (error instanceof VippsApiError && error.status === 404) return { kind: 'not-found' }
      this.log.warn({ attemptId: row.id, reason: describeForLog(error) }, 'payment look-up failed')
      return { kind: 'error' }
    }
  }

  /** Follows what the platform says about the payment (a GET, or a capture/cancel answer). */
  private observe(
    id: string,
    payment: GetPaymentResponse | ModificationResponse,
    options: { backOff?: boolean } = {},
  ): Promise<AttemptRow> {
    return this.move(id, (current) => {
      const view: PlatformView = viewOfPayment(payment, current.amount)
      const state = reconcile(current.state as PaymentAttemptState, view)
      return {
        state,
        changes: { ...ledgerOf(payment.aggregate), pspReference: payment.pspReference },
        ...(options.backOff && state === undefined ? { nextCheckAt: this.backOffAt(current) } : {}),
      }
    })
  }

  private backOff(id: string): Promise<AttemptRow> {
    return this.move(id, (current) => ({ nextCheckAt: this.backOffAt(current) }))
  }

  private backOffAt(row: AttemptRow): Date {
    const delay = Math.min(1000 * 2 ** Math.min(row.checks, 10), this.timings.maxBackoffMs)
    return new Date(this.clock.now() + delay)
  }

  // ── Moving the machine ────────────────────────────────────────────────────

  /**
   * Locks the attempt, asks `decide` what to do given its current row, and
   * applies that; releases this process's claim unless told not to.
   */
  private move(
    id: string,
    decide: (row: AttemptRow) => Decision | undefined,
    options: { release?: boolean } = {},
  ): Promise<AttemptRow> {
    return this.transaction(async (tx) => {
      const row = await lockAttempt(tx, id)
      if (!row) throw new Error(`payment attempt ${id} vanished`)
      return this.apply(tx, row, decide(row) ?? {}, options.release ?? true)
    })
  }

  /**
   * Writes a decision in the caller's transaction: the state move (checked
   * against the table), what a final state means for the sale (paid, or back
   * to editing), the next time to look, the claim, and the news to screens.
   */
  private async apply(tx: Db, row: AttemptRow, decision: Decision, release = false): Promise<AttemptRow> {
    const now = this.now()
    const from = row.state as PaymentAttemptState
    const to = decision.state ?? from
    const legs: [PaymentAttemptState, PaymentAttemptState][] = decision.through
      ? [
          [from, decision.through],
          [decision.through, to],
        ]
      : [[from, to]]
    for (const [start, end] of legs) {
      if (start !== end && !canMove(start, end)) {
        throw new Error(`payment attempt ${row.id} cannot move from ${start} to ${end}`)
      }
    }
    const changes: AttemptChanges = { ...decision.changes, updatedAt: now }
    let paidTo: { memberId: string | null } | undefined
    if (to !== from) {
      changes.state = to
      changes.checks = 0
      if (!isLive(to)) changes.finalAt = now
      if (to === 'captured') {
        paidTo = await this.sales.markPaid(row.saleId, tx)
      } else if (!isLive(to)) {
        await this.sales.reopenAfterPayment(row.saleId, tx)
      }
    } else if (decision.nextCheckAt === undefined && isLive(to)) {
      changes.checks = row.checks + 1
    }
    changes.nextCheckAt = isLive(to)
      ? decision.nextCheckAt !== undefined
        ? decision.nextCheckAt
        : this.scheduleFor(to, to !== from, row)
      : null
    if (release && row.claimedBy === this.claimer && !KEEP_CLAIM.includes(to)) {
      changes.claimedBy = null
      changes.claimedUntil = null
    }
    // Nothing to write (a late webhook about a closed attempt, a look-up that
    // says what the till knew): no write, no notice.
    if (to === from && changesNothing(row, changes)) return row
    const updated = withChanges(row, changes)
    await writeLockedAttempt(tx, updated)
    if (paidTo?.memberId) {
      // Points only for money captured, in the transaction that registers the sale: never before, never twice.
      await this.points?.registerPurchase(tx, row.saleId, updated.capturedAmount)
    }
    if (visiblyChanged(row, updated)) await this.notify(tx, updated, to !== from && !isLive(to))
    return updated
  }

  /** When to look next at an attempt in `state` (live states only). */
  private scheduleFor(state: PaymentAttemptState, entered: boolean, row: AttemptRow): Date | null {
    const now = this.clock.now()
    switch (state) {
      case 'creating':
        return new Date(now + this.timings.leaseMs)
      case 'unknown':
        return new Date(now + (entered ? this.timings.pollIntervalMs : this.backOffAt(row).getTime() - now))
      case 'waiting_for_customer': {
        if (entered) return new Date(now + this.timings.firstPollMs)
        const age = now - row.createdAt.getTime()
        return new Date(
          now +
            (age > this.timings.slowPollAfterMs
              ? this.timings.slowPollIntervalMs
              : this.timings.pollIntervalMs),
        )
      }
      case 'authorized':
      case 'capturing':
      case 'cancelling':
        return entered ? new Date(now) : this.backOffAt(row)
      case 'captured':
      case 'declined':
      case 'expired':
      case 'cancelled':
      case 'failed':
        return null
      default:
        return unreachable(state)
    }
  }

  /**
   * Runs `work` in a transaction whose live news (`notify`) is announced once
   * when it commits (live/hub.ts), each thing once, as the transaction last wrote it.
   */
  private transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.live.transaction(this.db, (tx, news) => {
      this.news.set(tx, news)
      return work(tx)
    })
  }

  /**
   * Tells the sale's till, with the row as written (this process's screens
   * need not read it); pass `tillId` when the caller has the sale at hand
   * (saves the look-up).
   */
  private async notify(tx: Db, row: AttemptRow, saleChanged = false, tillId?: string): Promise<void> {
    tillId ??= this.tillOfSale.get(row.saleId) ?? (await tillOfSale(tx, row.saleId))
    if (!this.tillOfSale.has(row.saleId)) {
      if (this.tillOfSale.size >= TILL_OF_SALE_ENTRIES) this.tillOfSale.clear()
      this.tillOfSale.set(row.saleId, tillId)
    }
    const news = this.news.get(tx)
    if (!news) throw new Error('payment news outside a transaction of Payments.transaction')
    news.add({ tillId, topic: 'payment', id: row.id }, row)
    if (saleChanged) news.add({ tillId, topic: 'sale', id: row.saleId })
  }

  private client(row: AttemptRow): VippsClient {
    return this.platform.clientFor(row.msn)
  }

  private lease(now: Date) {
    return { claimer: this.claimer, now, leaseMs: this.timings.leaseMs }
  }

  private leaseEnd(): Date {
    return new Date(this.clock.now() + this.timings.leaseMs)
  }

  private now(): Date {
    return new Date(this.clock.now())
  }
}

/** What takeWebhookEvent's transaction found, for the work after its commit. */
interface WebhookOutcome {
  duplicate: boolean
  known: boolean
  /** The attempt, claimed by this process in the transaction, to work on now. */
  claimed?: AttemptRow
  /** Something is due now that this process did not claim: the worker should look. */
  wake?: boolean
}

/** No live lease on the attempt at `now` (db/claims.ts `leaseFree`). */
function leaseFree(row: AttemptRow, now: Date): boolean {
  return row.claimedUntil === null || row.claimedUntil <= now
}

/** True if writing `changes` would leave the row as it is (its `updatedAt` aside). */
function changesNothing(row: AttemptRow, changes: AttemptChanges): boolean {
  return Object.entries(changes).every(([key, value]) => {
    if (key === 'updatedAt') return true
    const before = row[key as keyof AttemptRow]
    return before instanceof Date && value instanceof Date
      ? before.getTime() === value.getTime()
      : before === value
  })
}

/** The row as `changes` leave it; a change left undefined keeps the column as it is (as an UPDATE's SET would). */
function withChanges(row: AttemptRow, changes: AttemptChanges): AttemptRow {
  const updated: Record<string, unknown> = { ...row }
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) updated[key] = value
  return updated as AttemptRow
}

/** True if a cashier's screen would show the change (not just a new poll time). */
function visiblyChanged(before: AttemptRow, after: AttemptRow): boolean {
  return (
    before.state !== after.state ||
    before.errorCode !== after.errorCode ||
    before.pspReference !== after.pspReference ||
    before.capturedAmount !== after.capturedAmount ||
    before.refundedAmount !== after.refundedAmount ||
    before.cancelledAmount !== after.cancelledAmount
  )
}

/** The attempt's copy of the platform's aggregate. */
function ledgerOf(aggregate: Aggregate): AttemptChanges {
  return {
    authorizedAmount: aggregate.authorizedAmount.value,
    capturedAmount: aggregate.capturedAmount.value,
    cancelledAmount: aggregate.cancelledAmount.value,
    refundedAmount: aggregate.refundedAmount.value,
  }
}

/**
 * What makes two deliveries the same event: its every field. The platform
 * gives each event its own pspReference, and a retried delivery repeats the
 * body exactly.
 */
export function webhookDedupeKey(event: EPaymentWebhookEvent): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        event.msn,
        event.reference,
        event.name,
        event.pspReference,
        event.timestamp,
        event.amount.currency,
        event.amount.value,
        event.success,
        event.idempotencyKey ?? null,
      ]),
    )
    .digest('hex')
}
