/**
 * Webhook faults, as a transport around the real one (webhooks/transport.ts is
 * the seam built for this): the outbox hands over each signed request and acts
 * on the outcome it is told, so a fault here looks to the outbox, its state
 * machine and the control API exactly like what a network does. eCom's calls
 * to the merchant (ecom/merchant-calls.ts) go through the same machinery,
 * with the merchant's authToken as the credential a "bad-signature" spoils.
 *
 * - drop: nothing is sent, 200 is reported: a delivery lost after the platform
 *   counted it as sent. Only polling finds out.
 * - duplicate: sent twice, back to back; the first answer counts.
 * - delay: held for `delayMs` of sandbox time, then sent; its lane waits, as
 *   behind a slow network.
 * - reorder: 200 is reported at once and the request is held, so the outbox
 *   releases the next event of the same payment; once that one has gone out
 *   (or `holdMs` of sandbox time passed) the held one follows. This deliberately
 *   breaks the outbox's per-payment order for that one delivery.
 * - bad-signature: sent with a signature that does not verify; the receiver
 *   should refuse it, and the outbox retries as for any refusal.
 */
import { epaymentWebhookEventType, PAYMENT_EVENT_NAMES, type PaymentEventName } from '@kasse/vipps'
import type { SandboxClock } from '../clock.ts'
import type { AttemptResult, OutgoingWebhook, SendOptions, WebhookTransport } from '../webhooks/transport.ts'
import type { DeliveryInfo, FaultLogEntry, Faults } from './faults.ts'

interface Held {
  send: (options: SendOptions) => Promise<AttemptResult>
  timeoutMs: number
  controller: AbortController
  cancelTimer: () => void
  entry: FaultLogEntry
}

/** The payment a webhook body is about; a body that is not an ePayment event matches only unfiltered rules. */
function describe(outgoing: OutgoingWebhook): DeliveryInfo {
  let event: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(outgoing.body)
    if (parsed && typeof parsed === 'object') event = parsed as Record<string, unknown>
  } catch {
    // Not JSON: only rules without msn, event or reference can match it.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const name = text(event.name)
  const known = PAYMENT_EVENT_NAMES.includes(name as PaymentEventName)
  return {
    msn: text(event.msn),
    reference: text(event.reference),
    eventType: known ? epaymentWebhookEventType(name as PaymentEventName) : undefined,
    url: outgoing.url,
  }
}

/** The same request with a signature made with the wrong key: well-formed, and wrong. */
export function spoilSignature(outgoing: OutgoingWebhook): OutgoingWebhook {
  const authorization = outgoing.headers.authorization ?? ''
  const spoiled = authorization.replace(/Signature=([^&]*)$/, (_match, signature: string) => {
    const bytes = Buffer.from(signature, 'base64')
    for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a
    return `Signature=${bytes.toString('base64')}`
  })
  return {
    ...outgoing,
    headers: {
      ...outgoing.headers,
      authorization: spoiled === authorization ? `${authorization}x` : spoiled,
    },
  }
}

const outcome = (result: AttemptResult): number | string =>
  result.kind === 'response' ? result.statusCode : result.error

/** What the outbox is told when a fault says "sent" and nothing (yet) was. */
const reportedSent = (): AttemptResult => ({ kind: 'response', statusCode: 200, durationMs: 0 })

/** What a sender waiting for an answer sees when its request was lost: none came. */
const lost = (timeoutMs: number): AttemptResult => ({
  kind: 'error',
  error: 'timeout',
  message: `no answer within ${timeoutMs} ms`,
  durationMs: timeoutMs,
})

/** Waits `ms` of sandbox time; false when aborted first. */
function sandboxSleep(clock: SandboxClock, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false)
    const onAbort = () => {
      cancel()
      resolve(false)
    }
    const cancel = clock.schedule(clock.now() + ms, () => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * One request from the platform to a merchant, for the fault machinery: what
 * the rules match on, how to send it, and how to spoil its credential.
 */
export interface MerchantDelivery<R> {
  request: R
  info: DeliveryInfo
  send(request: R, options: SendOptions): Promise<AttemptResult>
  /** The same request with a credential the receiver must refuse (a signature, an authToken). */
  spoil(request: R): R
  /**
   * The sender reads the receiver's answer (eCom's shipping details request):
   * a dropped request is then no answer at all, and it is never held back to be
   * reordered, since nothing could be reported in its place.
   */
  awaitsAnswer?: boolean
}

/** Applies the webhook fault rules to one delivery and reports what the sender should believe happened. */
export type DeliveryFaults = <R>(
  delivery: MerchantDelivery<R>,
  options: SendOptions,
) => Promise<AttemptResult>

/**
 * The fault machinery for requests to merchants: ePayment's webhooks and eCom's
 * callbacks both go through one of these. Reorders hold requests per receiver
 * URL, merchant and reference.
 *
 * @example
 * const deliver = deliveryFaults(faultsOf(ctx), ctx.clock)
 * await deliver({ request, info, send: httpTransport, spoil: spoilSignature }, { timeoutMs, signal })
 */
export function deliveryFaults(faults: Faults, clock: SandboxClock): DeliveryFaults {
  /** Requests held back by a reorder fault, one per receiver URL and payment. */
  const held = new Map<string, Held>()
  const laneOf = (info: DeliveryInfo) => `${info.url} ${info.msn} ${info.reference}`

  faults.onReset(() => {
    for (const h of held.values()) {
      h.cancelTimer()
      h.controller.abort()
    }
    held.clear()
  })

  /** Sends the request held for `lane`, if any, now that a later one has gone (or its hold ran out). */
  async function releaseHeld(lane: string, only?: Held): Promise<void> {
    const h = held.get(lane)
    if (!h || (only && h !== only)) return
    held.delete(lane)
    h.cancelTimer()
    const result = await h.send({ timeoutMs: h.timeoutMs, signal: h.controller.signal })
    h.entry.receiverStatuses = [outcome(result)]
  }

  function hold(
    lane: string,
    send: Held['send'],
    options: SendOptions,
    holdMs: number,
    entry: FaultLogEntry,
  ) {
    const h: Held = {
      send,
      timeoutMs: options.timeoutMs,
      controller: new AbortController(),
      cancelTimer: () => {},
      entry,
    }
    h.cancelTimer = clock.schedule(clock.now() + holdMs, () => void releaseHeld(lane, h))
    held.set(lane, h)
  }

  return async function sendWithFaults<R>(delivery: MerchantDelivery<R>, options: SendOptions) {
    // No webhook rules and nothing held back: the request goes as asked, without reading it.
    if (held.size === 0 && !faults.hasDeliveryRules()) return delivery.send(delivery.request, options)
    const { info, request } = delivery
    const send = (r: R, o: SendOptions) => delivery.send(r, o)
    const lane = laneOf(info)
    const fault = faults.decideDelivery(info, !delivery.awaitsAnswer && !held.has(lane))
    const where = { msn: info.msn, reference: info.reference, eventType: info.eventType, url: info.url }
    let result: AttemptResult
    if (!fault) {
      result = await send(request, options)
    } else {
      const rule = fault.rule
      switch (rule.kind) {
        case 'drop':
          faults.record(fault, where)
          result = delivery.awaitsAnswer ? lost(options.timeoutMs) : reportedSent()
          break
        case 'duplicate': {
          const entry = faults.record(fault, where)
          result = await send(request, options)
          const again = await send(request, options)
          entry.receiverStatuses = [outcome(result), outcome(again)]
          break
        }
        case 'delay': {
          faults.record(fault, { ...where, delayMs: rule.delayMs })
          if (!(await sandboxSleep(clock, rule.delayMs, options.signal))) {
            return { kind: 'error', error: 'aborted', message: 'the delivery was cancelled', durationMs: 0 }
          }
          result = await send(request, options)
          break
        }
        case 'bad-signature':
          faults.record(fault, where)
          result = await send(delivery.spoil(request), options)
          break
        case 'reorder':
          // Reported as sent so the sender moves on to the payment's next event.
          hold(lane, (o) => send(request, o), options, rule.holdMs, faults.record(fault, where))
          return reportedSent()
        default: {
          const unknown: never = rule
          throw new Error(`unknown webhook fault ${String(unknown)}`)
        }
      }
    }
    // A later event of the payment went out: the earlier one held back follows it.
    await releaseHeld(lane)
    return result
  }
}

/**
 * Wraps `inner` so webhook fault rules apply to every request it sends.
 *
 * @example
 * const outbox = new Outbox({ ..., transport: faultyWebhookTransport(faultsOf(ctx), ctx.clock, httpTransport) })
 */
export function faultyWebhookTransport(
  faults: Faults,
  clock: SandboxClock,
  inner: WebhookTransport,
): WebhookTransport {
  const deliver = deliveryFaults(faults, clock)
  return (outgoing, options) =>
    deliver(
      {
        request: outgoing,
        // Read from the body only when a fault rule needs it.
        get info() {
          return describe(outgoing)
        },
        send: inner,
        spoil: spoilSignature,
      },
      options,
    )
}
