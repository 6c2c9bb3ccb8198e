/**
 * The webhook outbox: turns each ePayment event into one delivery per subscribed
 * registration and drives every delivery through its state machine (machine.ts).
 *
 * Pipeline, in order: `enqueue` (plan deliveries, place them in their lanes) →
 * `attempt` (sign, hand to the transport) → `settleAttempt` (record, then deliver,
 * retry on the sandbox clock, or drop). All waiting is done with
 * `clock.schedule`, so advancing the sandbox clock makes retries due at once.
 */
import { randomUUID } from 'node:crypto'
import { type EPaymentWebhookEvent, epaymentWebhookEventType, signWebhook } from '@kasse/vipps'
import type { SandboxClock } from '../clock.ts'
import { DEFAULT_RETRY_POLICY, delayBeforeAttempt, type RetryPolicy } from './backoff.ts'
import { canTransition, type DeliveryState, type DropReason, isSettled } from './machine.ts'
import type { Registration, Registrations } from './registrations.ts'
import {
  type AttemptErrorKind,
  type AttemptResult,
  isAcknowledged,
  type OutgoingWebhook,
  type WebhookTransport,
} from './transport.ts'

export interface Attempt {
  number: number
  /** Sandbox time the request went out. */
  at: number
  durationMs: number
  statusCode?: number
  error?: AttemptErrorKind
  message?: string
}

export interface Delivery {
  id: string
  webhookId: string
  msn: string
  reference: string
  url: string
  eventType: string
  event: EPaymentWebhookEvent
  /** The exact bytes sent and signed, fixed when the delivery is created. */
  body: string
  state: DeliveryState
  createdAt: number
  /** The headers of the latest attempt; each attempt is signed afresh with its own date. */
  headers?: Record<string, string>
  firstAttemptAt?: number
  nextAttemptAt?: number
  settledAt?: number
  dropReason?: DropReason
  attempts: Attempt[]
}

export interface OutboxOptions {
  clock: SandboxClock
  registrations: Registrations
  transport: WebhookTransport
  /** Read at each attempt, so a config change applies to the next one. */
  timeoutMs: () => number
  policy?: RetryPolicy
  /** How many settled deliveries stay inspectable; older ones are forgotten. Default 10 000. */
  keepSettled?: number
  /** Told about a bug in the pipeline, which must not crash the sandbox. */
  onError?: (error: unknown, delivery: Delivery) => void
}

export interface DeliveryFilter {
  msn?: string
  reference?: string
  state?: DeliveryState
  webhookId?: string
}

/** Per registration and payment: deliveries in this order, head first. */
const laneOf = (d: Pick<Delivery, 'webhookId' | 'msn' | 'reference'>) =>
  `${d.webhookId} ${d.msn} ${d.reference}`

export class Outbox {
  private readonly deliveries = new Map<string, Delivery>()
  /** Unsettled deliveries by lane, oldest first; the head is the only one attempted. */
  private readonly lanes = new Map<string, string[]>()
  private readonly timers = new Map<string, () => void>()
  private readonly inFlight = new Map<string, AbortController>()
  /** Settled delivery ids, oldest first, so a long-running sandbox does not keep them all. */
  private settledOrder: string[] = []
  private readonly policy: RetryPolicy

  constructor(private readonly options: OutboxOptions) {
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY
  }

  /**
   * Plans one delivery of `event` per registration of its MSN that subscribes to
   * its type. Returns at once: the first attempt runs from the clock's scheduler,
   * never inside the API request that caused the event.
   */
  enqueue(event: EPaymentWebhookEvent): Delivery[] {
    const eventType = epaymentWebhookEventType(event.name)
    const subscribers = this.options.registrations.subscribers(event.msn, eventType)
    // Most events have no subscriber (a test suite without webhooks); build no body for them.
    if (subscribers.length === 0) return []
    const body = JSON.stringify(event)
    return subscribers.map((registration) => {
      const delivery: Delivery = {
        id: randomUUID(),
        webhookId: registration.id,
        msn: event.msn,
        reference: event.reference,
        url: registration.url,
        eventType,
        event,
        body,
        state: 'held',
        createdAt: this.options.clock.now(),
        attempts: [],
      }
      this.deliveries.set(delivery.id, delivery)
      const lane = this.lanes.get(laneOf(delivery)) ?? []
      lane.push(delivery.id)
      this.lanes.set(laneOf(delivery), lane)
      if (lane.length === 1) this.release(delivery)
      return delivery
    })
  }

  get(id: string): Delivery | undefined {
    return this.deliveries.get(id)
  }

  /** Deliveries matching every given field, oldest first. */
  list(filter: DeliveryFilter = {}): Delivery[] {
    return [...this.deliveries.values()].filter(
      (d) =>
        (filter.msn === undefined || d.msn === filter.msn) &&
        (filter.reference === undefined || d.reference === filter.reference) &&
        (filter.state === undefined || d.state === filter.state) &&
        (filter.webhookId === undefined || d.webhookId === filter.webhookId),
    )
  }

  /** The unsettled delivery `delivery` waits behind, when it is held. */
  heldBehind(delivery: Delivery): string | undefined {
    if (delivery.state !== 'held') return undefined
    return this.lanes.get(laneOf(delivery))?.[0]
  }

  /**
   * Attempts a queued or retry-scheduled delivery now, skipping what is left of
   * its backoff; resolves once the attempt has an outcome. The caller checks
   * `manualRetryRefusal` first.
   */
  attemptNow(delivery: Delivery): Promise<void> {
    this.cancelTimer(delivery.id)
    return this.attempt(delivery)
  }

  /** Drops every unsettled delivery to a deleted registration, aborting one in flight. */
  dropForWebhook(webhookId: string): void {
    for (const delivery of this.deliveries.values()) {
      if (delivery.webhookId === webhookId && !isSettled(delivery.state))
        this.drop(delivery, 'webhook-deleted')
    }
  }

  /** Forgets everything, cancelling scheduled retries and aborting requests in flight. */
  reset(): void {
    for (const cancel of this.timers.values()) cancel()
    for (const controller of this.inFlight.values()) controller.abort()
    this.settledOrder = []
    this.timers.clear()
    this.inFlight.clear()
    this.deliveries.clear()
    this.lanes.clear()
  }

  private transition(delivery: Delivery, to: DeliveryState): void {
    if (!canTransition(delivery.state, to)) {
      throw new Error(`webhook delivery ${delivery.id} cannot go from ${delivery.state} to ${to}`)
    }
    delivery.state = to
  }

  /** Makes the head of a lane due now. */
  private release(delivery: Delivery): void {
    this.transition(delivery, 'queued')
    this.schedule(delivery, this.options.clock.now())
  }

  private schedule(delivery: Delivery, at: number): void {
    delivery.nextAttemptAt = at
    const cancel = this.options.clock.schedule(at, () => {
      this.timers.delete(delivery.id)
      this.attempt(delivery).catch((error: unknown) => this.options.onError?.(error, delivery))
    })
    this.timers.set(delivery.id, cancel)
  }

  private cancelTimer(id: string): void {
    this.timers.get(id)?.()
    this.timers.delete(id)
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const registration = this.options.registrations.get(delivery.webhookId)
    if (!registration) {
      this.drop(delivery, 'webhook-deleted')
      return
    }
    this.transition(delivery, 'in_flight')
    const at = this.options.clock.now()
    delivery.nextAttemptAt = undefined
    delivery.firstAttemptAt ??= at
    const outgoing = this.sign(delivery, registration, at)
    delivery.headers = outgoing.headers
    const controller = new AbortController()
    this.inFlight.set(delivery.id, controller)
    const result = await this.options.transport(outgoing, {
      timeoutMs: this.options.timeoutMs(),
      signal: controller.signal,
    })
    this.inFlight.delete(delivery.id)
    this.settleAttempt(delivery, at, result)
  }

  private sign(delivery: Delivery, registration: Registration, at: number): OutgoingWebhook {
    const signed = signWebhook(delivery.body, registration.url, registration.secret, new Date(at))
    return {
      url: registration.url,
      body: delivery.body,
      headers: { ...signed, 'content-type': 'application/json' },
    }
  }

  private settleAttempt(delivery: Delivery, at: number, result: AttemptResult): void {
    // After a reset the delivery is gone; its late answer belongs to nobody.
    if (this.deliveries.get(delivery.id) !== delivery) return
    delivery.attempts.push({
      number: delivery.attempts.length + 1,
      at,
      durationMs: result.durationMs,
      ...(result.kind === 'response'
        ? { statusCode: result.statusCode }
        : { error: result.error, message: result.message }),
    })
    // Dropped while in flight (its registration was deleted): the record above is all that is left to do.
    if (delivery.state !== 'in_flight') return
    if (isAcknowledged(result)) {
      this.transition(delivery, 'delivered')
      delivery.settledAt = this.options.clock.now()
      this.advanceLane(delivery)
      return
    }
    const now = this.options.clock.now()
    const next = now + delayBeforeAttempt(delivery.attempts.length + 1, this.policy)
    if (next > (delivery.firstAttemptAt ?? now) + this.policy.windowMs) {
      this.drop(delivery, 'retry-window-expired')
      return
    }
    this.transition(delivery, 'retry_scheduled')
    this.schedule(delivery, next)
  }

  private drop(delivery: Delivery, reason: DropReason): void {
    this.cancelTimer(delivery.id)
    this.inFlight.get(delivery.id)?.abort()
    this.transition(delivery, 'dropped')
    delivery.dropReason = reason
    delivery.nextAttemptAt = undefined
    delivery.settledAt = this.options.clock.now()
    this.advanceLane(delivery)
  }

  /** Takes a settled delivery out of its lane and releases the next one. */
  private advanceLane(settled: Delivery): void {
    this.forgetOldSettled(settled)
    const key = laneOf(settled)
    const lane = (this.lanes.get(key) ?? []).filter((id) => id !== settled.id)
    if (lane.length === 0) {
      this.lanes.delete(key)
      return
    }
    this.lanes.set(key, lane)
    const head = this.deliveries.get(lane[0]!)
    if (head?.state === 'held') this.release(head)
  }

  private forgetOldSettled(settled: Delivery): void {
    this.settledOrder.push(settled.id)
    const excess = this.settledOrder.length - (this.options.keepSettled ?? 10_000)
    if (excess <= 0) return
    for (const id of this.settledOrder.splice(0, excess)) this.deliveries.delete(id)
  }
}
