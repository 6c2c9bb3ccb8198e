/**
 * The sale's payment over HTTP: start the payment request, follow it, cancel
 * it. Each answer is `{attempt}`; the cashier's screen also hears every
 * change on GET /api/events.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import { SaleParams } from '../sales/routes.ts'
import { PaymentAttemptView, paymentAttemptView } from './views.ts'

const AttemptResponse = Type.Object({ attempt: PaymentAttemptView })

export function paymentRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = { tags: ['payments'], security: SIGNED_IN, params: SaleParams }

  api.post(
    '/sales/:saleId/payment',
    {
      schema: {
        ...signedIn,
        summary: 'Send the payment request to the customer’s phone (or get the one already under way)',
        description:
          'Freezes the cart, stores the attempt with its reference and idempotency key, then creates the ePayment (PUSH_MESSAGE, CUSTOMER_PRESENT, the itemised receipt). Idempotent: while an attempt is under way the same attempt is returned. After a failure with `error.retryable` (the platform was unavailable) the same attempt is sent again with its reference and key; after any other end (declined, expired, cancelled, customer not found) a new attempt is made. A refusal the cashier can act on comes back as the attempt in state failed with `error` (CUSTOMER_NOT_FOUND, INVALID_CUSTOMER, PLATFORM_UNAVAILABLE…). 409 CUSTOMER_REQUIRED without a customer.',
        response: { 202: AttemptResponse, ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const attempt = await ctx.payments.start(actorOf(request), request.params.saleId)
      return reply.code(202).send({ attempt: paymentAttemptView(attempt) })
    },
  )

  api.get(
    '/sales/:saleId/payment',
    {
      schema: {
        ...signedIn,
        summary: 'The sale’s latest payment attempt',
        response: { 200: AttemptResponse, ...errors(401, 404) },
      },
    },
    async (request) => ({
      attempt: paymentAttemptView(await ctx.payments.latest(actorOf(request), request.params.saleId)),
    }),
  )

  api.post(
    '/sales/:saleId/payment/cancel',
    {
      schema: {
        ...signedIn,
        summary: 'Cancel a payment request the customer has not answered',
        description:
          'Compare-then-cancel: the payment is looked up first and cancelled only if still waiting for the customer; one the customer approved at the same moment is completed instead (the attempt goes on to captured). Cancelling an ended attempt returns it unchanged; a registered payment is 409 PAYMENT_NOT_CANCELLABLE (refund it).',
        response: { 200: AttemptResponse, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => ({
      attempt: paymentAttemptView(await ctx.payments.cancel(actorOf(request), request.params.saleId)),
    }),
  )
}
