/**
 * Refunds over HTTP (manager): refund some or all of a paid sale's lines,
 * list a sale's refunds, and print a return receipt.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { PosError } from '../errors.ts'
import { actorOf } from '../http/auth.ts'
import { errors, MinorUnits, SIGNED_IN, stringEnum, Timestamp } from '../http/schemas.ts'
import { PAYMENT_ERROR_CODES } from '../payments/errors.ts'
import { SaleParams } from '../sales/routes.ts'
import { MAX_QUANTITY } from '../sales/service.ts'
import { REFUND_STATES } from './machine.ts'
import type { RefundWithLines } from './service.ts'

export const RefundView = Type.Object({
  id: Type.String(),
  saleId: Type.String(),
  state: stringEnum(REFUND_STATES, {
    description: 'refunding: sent, answer pending (the till completes it); refunded; failed (see error)',
  }),
  amount: MinorUnits,
  currency: Type.String(),
  receiptNumber: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The return receipt’s number, given when refunded',
  }),
  receiptUrl: Type.Union([Type.String(), Type.Null()], { description: 'The printable return receipt' }),
  lines: Type.Array(
    Type.Object({
      lineId: Type.String(),
      quantity: Type.Integer(),
      grossAmount: MinorUnits,
      vatAmount: MinorUnits,
    }),
  ),
  error: Type.Optional(
    Type.Object({
      code: stringEnum(PAYMENT_ERROR_CODES),
      message: Type.String(),
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

export function refundView(refund: RefundWithLines): Static<typeof RefundView> {
  return {
    id: refund.id,
    saleId: refund.saleId,
    state: refund.state,
    amount: refund.amount,
    currency: refund.currency,
    receiptNumber: refund.receiptNumber,
    receiptUrl:
      refund.state === 'refunded' ? `/api/sales/${refund.saleId}/refunds/${refund.id}/receipt.html` : null,
    lines: refund.lines.map((line) => ({
      lineId: line.saleLineId,
      quantity: line.quantity,
      grossAmount: line.grossAmount,
      vatAmount: line.vatAmount,
    })),
    ...(refund.errorCode && refund.errorMessage
      ? {
          error: {
            code: refund.errorCode as (typeof PAYMENT_ERROR_CODES)[number],
            message: refund.errorMessage,
          },
        }
      : {}),
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString(),
  }
}

const CreateRefund = Type.Object(
  {
    all: Type.Optional(Type.Literal(true, { description: 'Refund everything not yet refunded' })),
    lines: Type.Optional(
      Type.Array(
        Type.Object(
          {
            lineId: Type.String({ minLength: 1, maxLength: 64 }),
            quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 200 },
      ),
    ),
  },
  { additionalProperties: false, description: 'Either {all: true} or {lines: [{lineId, quantity}]}' },
)

export function refundRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = { tags: ['refunds'], security: SIGNED_IN }

  api.post(
    '/sales/:saleId/refunds',
    {
      schema: {
        ...signedIn,
        summary: 'Refund all or some of a paid sale’s lines through Vipps MobilePay (manager)',
        description:
          'Amounts per line are shared out over its quantity so that partial refunds add up exactly to the line. 201 with the refund: `refunded` (with its return receipt), `refunding` (the platform’s answer was lost; the till completes it with the same key), or `failed` with `error`. 409 REFUND_TOO_LARGE names the line when more is asked than is left.',
        params: SaleParams,
        body: CreateRefund,
        response: { 201: Type.Object({ refund: RefundView }), ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { all, lines } = request.body
      if ((all === undefined) === (lines === undefined)) {
        throw new PosError('VALIDATION_FAILED', 'Give either all: true or lines', { field: 'lines' })
      }
      const refund = await ctx.refunds.create(
        actorOf(request),
        request.params.saleId,
        all ? { all: true } : { lines: lines! },
      )
      return reply.code(201).send({ refund: refundView(refund) })
    },
  )

  api.get(
    '/sales/:saleId/refunds',
    {
      schema: {
        ...signedIn,
        summary: 'A sale’s refunds, oldest first',
        params: SaleParams,
        response: { 200: Type.Object({ refunds: Type.Array(RefundView) }), ...errors(401, 404) },
      },
    },
    async (request) => ({
      refunds: (await ctx.refunds.forSale(actorOf(request), request.params.saleId)).map(refundView),
    }),
  )

  api.get(
    '/sales/:saleId/refunds/:refundId/receipt.html',
    {
      schema: {
        ...signedIn,
        summary: 'The printable 80 mm return receipt',
        produces: ['text/html'],
        params: Type.Object({
          saleId: Type.String({ minLength: 1, maxLength: 64 }),
          refundId: Type.String({ minLength: 1, maxLength: 64 }),
        }),
        response: { 200: Type.String(), ...errors(401, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          await ctx.receipts.returnReceipt(actorOf(request), request.params.saleId, request.params.refundId),
        ),
  )

  api.get(
    '/sales/:saleId/receipt.html',
    {
      schema: {
        tags: ['sales'],
        security: SIGNED_IN,
        summary:
          'The printable 80 mm receipt of a paid sale: lines, VAT summary, payment, receipt number barcode',
        produces: ['text/html'],
        params: SaleParams,
        response: { 200: Type.String(), ...errors(401, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(await ctx.receipts.saleReceipt(actorOf(request), request.params.saleId)),
  )
}
