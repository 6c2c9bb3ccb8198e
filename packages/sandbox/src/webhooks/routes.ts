/**
 * The Webhooks API v1 (`/webhooks/v1/webhooks`), scoped to the authenticated
 * merchant, and the wiring that turns ePayment events into signed deliveries.
 * The control API's view of registrations and deliveries is in control-routes.ts.
 */
import { type ListWebhooksResponse, RegisterWebhookRequest, type RegisterWebhookResponse } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { faultsOf } from '../faults/faults.ts'
import { faultyWebhookTransport } from '../faults/webhook-transport.ts'
import { gateway, merchantOf } from '../http/gateway.ts'
import { invalidField, ProblemError } from '../http/problem.ts'
import { webhookControlRoutes } from './control-routes.ts'
import { webhookInboxRoutes } from './inbox.ts'
import { Outbox } from './outbox.ts'
import { Registrations } from './registrations.ts'
import { httpTransport } from './transport.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const WebhookIdParams = Type.Object({ id: Type.String() })

/** Registers the Webhooks API, its control routes and the delivery of ePayment events. */
export function webhookRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const registrations = new Registrations(ctx.clock)
  const outbox = new Outbox({
    clock: ctx.clock,
    registrations,
    // Webhook fault rules (target `webhooks`) apply here; with none, requests pass straight through.
    transport: faultyWebhookTransport(faultsOf(ctx), ctx.clock, httpTransport),
    timeoutMs: () => ctx.config.webhookTimeoutMs,
    onError: (error, delivery) =>
      app.log.error({ err: error, delivery: delivery.id }, 'webhook delivery failed unexpectedly'),
  })

  const unsubscribe = ctx.events.on('epayment.event', (event) => {
    // A listener must not throw into the ePayment request that emitted the event.
    try {
      outbox.enqueue(event)
    } catch (error) {
      app.log.error({ err: error, reference: event.reference }, 'could not enqueue webhook deliveries')
    }
  })
  ctx.onReset(() => {
    outbox.reset()
    registrations.reset()
  })
  app.addHook('onClose', async () => {
    unsubscribe()
    outbox.reset()
  })

  const authenticate = gateway(ctx, { msn: 'optional' })

  app.post(
    '/webhooks/v1/webhooks',
    { onRequest: authenticate, schema: { body: RegisterWebhookRequest } },
    async (request, reply) => {
      const { url, events } = request.body as RegisterWebhookRequest
      const registration = registrations.register(merchantOf(request).msn, url, events)
      const body: RegisterWebhookResponse = { id: registration.id, secret: registration.secret }
      return reply.code(201).send(body)
    },
  )

  app.get('/webhooks/v1/webhooks', { onRequest: authenticate }, async (request) => {
    const webhooks = registrations
      .list(merchantOf(request).msn)
      .map(({ id, url, events }) => ({ id, url, events }))
    const body: ListWebhooksResponse = { webhooks }
    return body
  })

  app.delete(
    '/webhooks/v1/webhooks/:id',
    { onRequest: authenticate, schema: { params: WebhookIdParams } },
    async (request, reply) => {
      const { id } = request.params as typeof WebhookIdParams.static
      if (!UUID.test(id)) throw invalidField('id', 'must be a UUID')
      const registration = registrations.find(merchantOf(request).msn, id)
      if (!registration) {
        throw new ProblemError(404, 'Not Found', `No webhook with id ${id} is registered for this merchant`)
      }
      registrations.remove(id)
      // Nothing more goes to a deleted registration; what was pending for it is dropped.
      outbox.dropForWebhook(id)
      return reply.code(204).send()
    },
  )

  webhookControlRoutes(app, registrations, outbox)
  webhookInboxRoutes(app, ctx, registrations)
}
