/**
 * The ePayment webhook receiver. A delivery counts only once its signature
 * verifies against the registration's secret (401 otherwise, so the platform
 * retries and a forgery changes nothing). Deliveries may repeat and the
 * shop's own answers may race them: applying an event is idempotent.
 */
import {
  type EPaymentWebhookEvent,
  EPaymentWebhookEvent as EPaymentWebhookEventSchema,
  schemaIssues,
  verifyWebhook,
} from '@kasse/vipps'
import type { FastifyInstance } from 'fastify'
import { nowDate } from '../clock.ts'
import type { ShopContext } from '../context.ts'
import { ShopError } from '../errors.ts'
import { orderIdByReference } from '../orders/store.ts'
import { WEBHOOK_PATH } from './registration.ts'

export function webhookRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.post(WEBHOOK_PATH, async function epaymentWebhook(request, reply) {
    const active = ctx.webhooks.current()
    if (!active) throw new ShopError('UNAUTHORIZED', 'The shop has no webhook registration yet')
    const verified = verifyWebhook(request.rawBody ?? '', request.headers, active.secret, active.url, {
      now: nowDate(ctx.clock),
    })
    if (!verified.ok) {
      request.log.warn({ reason: verified.reason }, 'webhook refused')
      throw new ShopError('UNAUTHORIZED', `The delivery does not verify: ${verified.reason}`)
    }
    const [issue] = schemaIssues(EPaymentWebhookEventSchema, request.body)
    if (issue)
      throw new ShopError('VALIDATION_FAILED', `${issue.field}: ${issue.message}`, { field: issue.field })
    await applyEvent(ctx, request.body as EPaymentWebhookEvent)
    return reply.code(200).send()
  })
}

/** What an event means for the order; an event for a payment the shop does not know is acknowledged and ignored. */
async function applyEvent(ctx: ShopContext, event: EPaymentWebhookEvent): Promise<void> {
  const orderId = await orderIdByReference(ctx.db, event.reference)
  if (!orderId) return
  switch (event.name) {
    case 'AUTHORIZED':
      return ctx.orders.applyStatus(orderId, {
        kind: 'authorized',
        amount: event.amount.value,
        pspReference: event.pspReference,
      })
    case 'ABORTED':
      return ctx.orders.applyStatus(orderId, { kind: 'failed', failure: 'rejected' })
    case 'EXPIRED':
      return ctx.orders.applyStatus(orderId, { kind: 'failed', failure: 'expired' })
    case 'TERMINATED':
      return ctx.orders.applyStatus(orderId, { kind: 'failed', failure: 'cancelled' })
    case 'CAPTURED':
    case 'REFUNDED':
    case 'CANCELLED':
      // The event echoes the key of the request that caused it: an operation whose answer was lost is done.
      if (event.idempotencyKey) await ctx.orders.settleByKey(event.idempotencyKey, event.pspReference)
      return
    case 'CREATED':
      return
    default: {
      const never: never = event.name
      throw new Error(`unhandled event ${String(never)}`)
    }
  }
}
