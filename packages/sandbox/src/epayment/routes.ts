/**
 * The ePayment API v1 at the HTTP edge: the gateway check, the route schemas
 * (the shared contract in @kasse/vipps), the Idempotency-Key header and the
 * per-reference rate limits; the domain is in service.ts.
 */
import {
  CancelRequest,
  CreatePaymentRequest,
  ForceApproveRequest,
  ModificationRequest,
  Reference,
} from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { gateway, merchantOf } from '../http/gateway.ts'
import { invalidField } from '../http/problem.ts'
import { epaymentControlRoutes } from './control-routes.ts'
import { qrImageRoute } from './qr-image.ts'
import { enforceRateLimit, SlidingWindowLimiter, type Traffic } from './rate-limit.ts'
import { EPaymentService } from './service.ts'
import type { PaymentRecord } from './store.ts'
import { fieldProblem } from './validation.ts'
import { getPaymentResponse } from './views.ts'

const ReferenceParams = Type.Object({ reference: Reference })
type ReferenceParams = { reference: string }

const IDEMPOTENCY_KEY_MAX = 50

/** The request's Idempotency-Key, or a 400 naming the header. */
function idempotencyKeyOf(request: FastifyRequest): string {
  const header = request.headers['idempotency-key']
  const key = Array.isArray(header) ? header[0] : header
  if (!key) throw fieldProblem('Missing required parameter', 'Idempotency-Key', 'is required')
  if (key.length > IDEMPOTENCY_KEY_MAX) {
    throw invalidField('Idempotency-Key', `must be at most ${IDEMPOTENCY_KEY_MAX} characters`)
  }
  return key
}

// The hooks and handlers below are plain functions, not async: each request
// would otherwise pay a promise per step for work that never waits.

// Checked before the body, so a request without a key is told so first.
function requireIdempotencyKey(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  try {
    idempotencyKeyOf(request)
  } catch (error) {
    return done(error as Error)
  }
  done()
}

// Cancel and force approve may come with no body at all; validate them as `{}`.
function emptyBodyAsObject(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
  if (request.body === undefined || request.body === null) request.body = {}
  done()
}

/**
 * Registers the ePayment API, its control routes (`/_sandbox/...`) and the QR
 * image route, with one service and one rate limiter per sandbox.
 */
export function epaymentRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const service = new EPaymentService(ctx)
  const limiter = new SlidingWindowLimiter(ctx.clock)
  const initialSettings = {
    paymentLifetimeMs: ctx.config.paymentLifetimeMs,
    rateLimits: { ...ctx.config.rateLimits },
  }
  ctx.onReset(() => {
    service.reset()
    limiter.clear()
    ctx.config.paymentLifetimeMs = initialSettings.paymentLifetimeMs
    ctx.config.rateLimits = { ...initialSettings.rateLimits }
  })

  // Writes count per MSN, reads per subscription key; each operation has its own budget.
  const limit = (request: FastifyRequest, traffic: Traffic, operation: string, reference: string) => {
    const merchant = merchantOf(request)
    const who = traffic === 'write' ? merchant.msn : merchant.subscriptionKey
    enforceRateLimit(limiter, ctx.config.rateLimits, traffic, `${operation}\n${who}\n${reference}`)
  }

  const onRequest = gateway(ctx, { msn: 'required' })
  const write = { onRequest, preValidation: requireIdempotencyKey }

  app.post(
    '/epayment/v1/payments',
    { ...write, schema: { body: CreatePaymentRequest } },
    function createPayment(request, reply) {
      const body = request.body as CreatePaymentRequest
      limit(request, 'write', 'create', body.reference)
      const created = service.create(merchantOf(request), idempotencyKeyOf(request), body)
      reply.code(201).send(created)
    },
  )

  // The two reads: the payment, and its event log; each with its own budget.
  const reads = {
    get: { path: '', show: getPaymentResponse },
    events: { path: '/events', show: (payment: PaymentRecord) => payment.events },
  }
  for (const [operation, { path, show }] of Object.entries(reads)) {
    app.get(
      `/epayment/v1/payments/:reference${path}`,
      { onRequest, schema: { params: ReferenceParams } },
      function readPayment(request) {
        const { reference } = request.params as ReferenceParams
        limit(request, 'read', operation, reference)
        return show(service.get(merchantOf(request).msn, reference))
      },
    )
  }

  app.post(
    '/epayment/v1/payments/:reference/cancel',
    {
      onRequest,
      preValidation: [requireIdempotencyKey, emptyBodyAsObject],
      schema: { params: ReferenceParams, body: CancelRequest },
    },
    function cancelPayment(request) {
      const { reference } = request.params as ReferenceParams
      limit(request, 'write', 'cancel', reference)
      const { cancelTransactionOnly = false } = request.body as CancelRequest
      return service.cancel(merchantOf(request), reference, idempotencyKeyOf(request), cancelTransactionOnly)
    },
  )

  // Capture and refund take the same body and differ only in what the service does.
  for (const operation of ['capture', 'refund'] as const) {
    app.post(
      `/epayment/v1/payments/:reference/${operation}`,
      { ...write, schema: { params: ReferenceParams, body: ModificationRequest } },
      function modifyPayment(request) {
        const { reference } = request.params as ReferenceParams
        limit(request, 'write', operation, reference)
        const { modificationAmount } = request.body as ModificationRequest
        const key = idempotencyKeyOf(request)
        return service[operation](merchantOf(request), reference, key, modificationAmount)
      },
    )
  }

  app.post(
    '/epayment/v1/test/payments/:reference/approve',
    {
      onRequest,
      preValidation: emptyBodyAsObject,
      schema: { params: ReferenceParams, body: ForceApproveRequest },
    },
    function forceApprovePayment(request, reply) {
      const { reference } = request.params as ReferenceParams
      service.forceApprove(merchantOf(request), reference, request.body as ForceApproveRequest)
      reply.code(200).send()
    },
  )

  epaymentControlRoutes(app, ctx, service)
  qrImageRoute(app, ctx, service)
}
