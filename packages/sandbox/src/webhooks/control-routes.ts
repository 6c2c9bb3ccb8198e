/**
 * The control API's view of webhooks (`/_sandbox/webhooks/...`): every
 * registration with its secret (this is a test platform), every delivery with
 * what was sent and how each attempt went, and "attempt now" for a delivery
 * waiting out its backoff.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { ProblemError } from '../http/problem.ts'
import { DELIVERY_STATES, type DeliveryState, manualRetryRefusal } from './machine.ts'
import type { Attempt, Delivery, Outbox } from './outbox.ts'
import type { Registrations } from './registrations.ts'

const DeliveriesQuery = Type.Object({
  msn: Type.Optional(Type.String()),
  reference: Type.Optional(Type.String()),
  // An enum rather than a union of literals, so a wrong value gets one clear message.
  state: Type.Optional(Type.Unsafe<DeliveryState>({ type: 'string', enum: [...DELIVERY_STATES] })),
  webhookId: Type.Optional(Type.String()),
})

const DeliveryParams = Type.Object({ id: Type.String() })

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/** A delivery as listed: where it goes, what it carries and where it stands. */
function summary(outbox: Outbox, d: Delivery) {
  return {
    id: d.id,
    webhookId: d.webhookId,
    msn: d.msn,
    reference: d.reference,
    url: d.url,
    eventType: d.eventType,
    event: d.event,
    state: d.state,
    attemptCount: d.attempts.length,
    nextAttemptAt: iso(d.nextAttemptAt),
    heldBehind: outbox.heldBehind(d) ?? null,
    createdAt: iso(d.createdAt),
    firstAttemptAt: iso(d.firstAttemptAt),
    settledAt: iso(d.settledAt),
    dropReason: d.dropReason ?? null,
  }
}

const attemptView = (a: Attempt) => ({
  number: a.number,
  at: new Date(a.at).toISOString(),
  durationMs: a.durationMs,
  statusCode: a.statusCode ?? null,
  error: a.error ?? null,
  ...(a.message ? { message: a.message } : {}),
})

/** A delivery in full: the summary plus the request as sent and every attempt. */
const detail = (outbox: Outbox, d: Delivery) => ({
  ...summary(outbox, d),
  body: d.body,
  headers: d.headers ?? null,
  attempts: d.attempts.map(attemptView),
})

/** Registers `/_sandbox/webhooks`, `/_sandbox/webhooks/deliveries[/:id[/retry]]`. */
export function webhookControlRoutes(
  app: FastifyInstance,
  registrations: Registrations,
  outbox: Outbox,
): void {
  const deliveryOr404 = (id: string) => {
    const delivery = outbox.get(id)
    if (!delivery) throw new ProblemError(404, 'Not Found', `No webhook delivery has id ${id}`)
    return delivery
  }

  app.get('/_sandbox/webhooks', async () => ({
    webhooks: registrations.all().map((r) => ({
      id: r.id,
      msn: r.msn,
      url: r.url,
      events: r.events,
      secret: r.secret,
      createdAt: new Date(r.createdAt).toISOString(),
    })),
  }))

  app.get('/_sandbox/webhooks/deliveries', { schema: { querystring: DeliveriesQuery } }, async (request) => {
    const filter = request.query as typeof DeliveriesQuery.static
    return { deliveries: outbox.list(filter).map((d) => summary(outbox, d)) }
  })

  app.get('/_sandbox/webhooks/deliveries/:id', { schema: { params: DeliveryParams } }, async (request) => {
    const { id } = request.params as typeof DeliveryParams.static
    return detail(outbox, deliveryOr404(id))
  })

  app.post(
    '/_sandbox/webhooks/deliveries/:id/retry',
    { schema: { params: DeliveryParams } },
    async (request) => {
      const { id } = request.params as typeof DeliveryParams.static
      const delivery = deliveryOr404(id)
      const refusal = manualRetryRefusal(delivery.state)
      if (refusal) {
        throw new ProblemError(409, 'Conflict', `Delivery ${id} cannot be attempted now: ${refusal}`, [
          { name: 'state', reason: delivery.state },
        ])
      }
      await outbox.attemptNow(delivery)
      return detail(outbox, delivery)
    },
  )
}
