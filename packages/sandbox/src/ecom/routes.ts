/**
 * The legacy eCom API v2 (`/ecomm/v2/payments`) at the HTTP edge: the gateway
 * check, the route schemas (the shared contract in @kasse/vipps), the
 * X-Request-Id header, and eCom's own error list for every refusal, including
 * schema and gateway ones. The domain is in service.ts.
 */
import {
  ECOM_REQUEST_ID_MAX_LENGTH,
  EcomCancelRequest,
  EcomForceApproveRequest,
  EcomInitiatePaymentRequest,
  EcomOrderId,
  EcomPaymentActionRequest,
} from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { gateway, merchantOf } from '../http/gateway.ts'
import { GatewayRefusal, ProblemError } from '../http/problem.ts'
import { ecomControlRoutes } from './control-routes.ts'
import { ECOM_ERRORS, type EcomErrorEntry, EcomRefusal, invalidField, refuse } from './errors.ts'
import { EcomService } from './service.ts'

const OrderParams = Type.Object({ orderId: EcomOrderId })
type OrderParams = { orderId: string }

/** The request's X-Request-Id; an empty one counts as none. */
function requestIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-request-id']
  const value = Array.isArray(header) ? header[0] : header
  return value === undefined || value === '' ? undefined : value
}

// Checked before the body, so a bad id is named even when the body is bad too.
async function checkRequestId(request: FastifyRequest): Promise<void> {
  const id = requestIdOf(request)
  if (id !== undefined && id.length > ECOM_REQUEST_ID_MAX_LENGTH) {
    throw invalidField('X-Request-Id', `must be at most ${ECOM_REQUEST_ID_MAX_LENGTH} characters`)
  }
}

/** The guide: an `amount` of null or 0 captures (refunds) everything there is, as leaving it out does. */
async function zeroAmountMeansAll(request: FastifyRequest): Promise<void> {
  const transaction = (request.body as { transaction?: Record<string, unknown> } | undefined)?.transaction
  if (transaction && (transaction.amount === null || transaction.amount === 0)) delete transaction.amount
}

// The integration-test approve may come with no body at all; validate it as `{}`.
async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {}
}

/** "/transaction/amount" → "transaction.amount"; a missing property is named itself; the root is "body". */
function fieldOf(
  error: NonNullable<FastifyError['validation']>[number],
  context: string | undefined,
): string {
  const path = error.instancePath.split('/').filter(Boolean)
  const missing = error.params.missingProperty
  if (typeof missing === 'string') path.push(missing)
  return path.join('.') || (context === 'body' || context === undefined ? 'body' : context)
}

/** The field a Fastify error is about, for the few it raises itself. */
const FASTIFY_ERROR_FIELDS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
}

/** Any error on an eCom route, as the eCom refusal it is. */
function asRefusal(error: FastifyError | Error): EcomRefusal {
  if (error instanceof EcomRefusal) return error
  if (error instanceof ProblemError) {
    // From the gateway (MSN header, system headers) or the JSON parser: keep the status, name the field.
    const group = error.status === 403 ? 'Merchant' : 'InvalidRequest'
    const fields = error.extraDetails?.length
      ? error.extraDetails
      : [{ name: error.code === 'malformed-json' ? 'body' : 'request', reason: error.detail ?? error.title }]
    const entries = fields.map(
      (f): EcomErrorEntry => ({
        errorGroup: group,
        errorCode: f.name,
        errorMessage: `${f.name}: ${f.reason}`,
      }),
    )
    return new EcomRefusal(error.status, entries as [EcomErrorEntry, ...EcomErrorEntry[]])
  }
  const fastify = error as FastifyError
  if (fastify.validation?.length) {
    const entries = fastify.validation.map((issue): EcomErrorEntry => {
      const field = fieldOf(issue, fastify.validationContext)
      const reason = issue.keyword === 'required' ? 'is required' : (issue.message ?? 'is invalid')
      return { errorGroup: 'InvalidRequest', errorCode: field, errorMessage: `${field} ${reason}` }
    })
    return new EcomRefusal(400, entries as [EcomErrorEntry, ...EcomErrorEntry[]])
  }
  const status = fastify.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return invalidField(FASTIFY_ERROR_FIELDS[fastify.code] ?? 'request', error.message, status)
  }
  return refuse(ECOM_ERRORS.internal, 'the sandbox failed; see its log')
}

/**
 * Answers every error on an eCom route as eCom's list. Gateway refusals
 * (401/403/429 from "Azure") keep their own format, as on the platform: they
 * are handed to the app's handler.
 */
function ecomErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof GatewayRefusal) throw error
  const refusal = asRefusal(error)
  if (refusal.status >= 500) request.log.error({ err: error }, 'unexpected error in eCom')
  return reply.code(refusal.status).send(refusal.toList())
}

/**
 * Registers the eCom API and its control routes (`/_sandbox/...`), with one
 * service per sandbox.
 */
export function ecomRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const service = new EcomService(ctx)
  ctx.onReset(() => service.reset())
  app.addHook('onClose', async () => service.reset())

  // The MSN header is optional for a merchant's own keys in eCom; the body names the MSN anyway.
  const onRequest = gateway(ctx, { msn: 'optional' })
  const ecom = { onRequest, errorHandler: ecomErrorHandler }
  const params = (request: FastifyRequest) => (request.params as OrderParams).orderId

  app.post(
    '/ecomm/v2/payments',
    { ...ecom, preValidation: checkRequestId, schema: { body: EcomInitiatePaymentRequest } },
    async function initiatePayment(request) {
      const body = request.body as EcomInitiatePaymentRequest
      return service.initiate(merchantOf(request), requestIdOf(request), body)
    },
  )

  app.get(
    '/ecomm/v2/payments/:orderId/details',
    { ...ecom, schema: { params: OrderParams } },
    async function paymentDetails(request) {
      return service.details(merchantOf(request).msn, params(request))
    },
  )

  // Capture and refund take the same body and differ only in what the service does.
  for (const operation of ['capture', 'refund'] as const) {
    app.post(
      `/ecomm/v2/payments/:orderId/${operation}`,
      {
        ...ecom,
        preValidation: [checkRequestId, zeroAmountMeansAll],
        schema: { params: OrderParams, body: EcomPaymentActionRequest },
      },
      async function modifyPayment(request) {
        const body = request.body as EcomPaymentActionRequest
        return service[operation](merchantOf(request), params(request), requestIdOf(request), body)
      },
    )
  }

  app.put(
    '/ecomm/v2/payments/:orderId/cancel',
    { ...ecom, preValidation: checkRequestId, schema: { params: OrderParams, body: EcomCancelRequest } },
    async function cancelPayment(request) {
      const body = request.body as EcomCancelRequest
      return service.cancel(merchantOf(request), params(request), requestIdOf(request), body)
    },
  )

  app.post(
    '/ecomm/v2/integration-test/payments/:orderId/approve',
    {
      ...ecom,
      preValidation: [checkRequestId, emptyBodyAsObject],
      schema: { params: OrderParams, body: EcomForceApproveRequest },
    },
    async function forceApprovePayment(request, reply) {
      const body = request.body as EcomForceApproveRequest
      service.forceApprove(merchantOf(request), params(request), requestIdOf(request), body)
      return reply.code(200).send()
    },
  )

  ecomControlRoutes(app, ctx, service)
}
