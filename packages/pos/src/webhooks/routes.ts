/**
 * POST /webhooks/vipps: where Vipps MobilePay delivers ePayment events. No
 * session: each delivery is verified against the secret of the registration
 * it was sent for, over the raw body exactly as it arrived. The receiver
 * only records the event and moves the attempt in the database (no platform
 * call), so it answers at once; replays and duplicates are acknowledged and
 * change nothing. A delivery that does not verify gets 401 (the platform
 * retries it; a forger gets nothing).
 */
import { EPaymentWebhookEvent } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { PosError } from '../errors.ts'
import { errors } from '../http/schemas.ts'
import { isForRegistration, WEBHOOK_PATH } from './service.ts'

export async function webhookRoutes(app: FastifyInstance, ctx: PosContext): Promise<void> {
  await app.register(async function webhookReceiver(receiver) {
    // The signature covers the bytes sent; parse only after checking them.
    receiver.removeAllContentTypeParsers()
    receiver.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

    receiver.post(
      WEBHOOK_PATH,
      {
        schema: {
          tags: ['webhooks'],
          summary:
            'ePayment events from Vipps MobilePay (signed; verified against the registration’s secret)',
          response: {
            200: Type.Object({
              received: Type.Boolean(),
              duplicate: Type.Boolean({ description: 'Seen before: acknowledged, nothing changed' }),
            }),
            ...errors(400, 401),
          },
        },
      },
      async (request) => {
        const rawBody = typeof request.body === 'string' ? request.body : ''
        const verification = await ctx.webhooks.verify(rawBody, request.headers, request.url)
        if (!verification.ok) {
          request.log.warn({ reason: verification.reason }, 'webhook delivery refused')
          throw new PosError('WEBHOOK_REJECTED', 'The delivery’s signature does not verify')
        }
        let event: unknown
        try {
          event = JSON.parse(rawBody)
        } catch {
          throw new PosError('MALFORMED_JSON', 'The request body is not valid JSON')
        }
        if (!Value.Check(EPaymentWebhookEvent, event)) {
          throw new PosError('VALIDATION_FAILED', 'The body is not an ePayment event', { field: '(body)' })
        }
        // Another merchant's event under this registration's signature is not ours to act on.
        if (!isForRegistration(event, verification.registration)) return { received: true, duplicate: false }
        const outcome = await ctx.payments.takeWebhookEvent(event)
        return { received: true, duplicate: outcome.duplicate }
      },
    )
  })
}
