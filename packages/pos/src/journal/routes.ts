/** GET /api/sales: the sales journal, with payment states and references. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { displayMsisdn } from '../customers/display.ts'
import { actorOf } from '../http/auth.ts'
import { errors, MinorUnits, SIGNED_IN, stringEnum, Timestamp } from '../http/schemas.ts'
import {
  describeAttemptState,
  PAYMENT_ATTEMPT_STATES,
  type PaymentAttemptState,
} from '../payments/machine.ts'
import { CustomerSourceSchema } from '../payments/views.ts'
import { REFUND_STATES } from '../refunds/machine.ts'
import { SALE_STATES } from '../sales/machine.ts'
import type { JournalEntry } from './service.ts'

const SaleStateSchema = stringEnum(SALE_STATES)

export const JournalEntryView = Type.Object({
  id: Type.String(),
  posId: Type.String(),
  receiptNumber: Type.Union([Type.Integer(), Type.Null()]),
  state: SaleStateSchema,
  currency: Type.String(),
  grossAmount: MinorUnits,
  vatAmount: MinorUnits,
  openedAt: Timestamp,
  closedAt: Type.Union([Timestamp, Type.Null()]),
  customer: Type.Union([Type.Object({ display: Type.String(), source: CustomerSourceSchema }), Type.Null()]),
  payment: Type.Union([
    Type.Object({
      id: Type.String(),
      reference: Type.String(),
      state: stringEnum(PAYMENT_ATTEMPT_STATES),
      stateText: Type.String(),
      pspReference: Type.Union([Type.String(), Type.Null()]),
      amount: MinorUnits,
      capturedAmount: MinorUnits,
      refundedAmount: MinorUnits,
      attempts: Type.Integer({ description: 'How many payment requests the sale needed' }),
    }),
    Type.Null(),
  ]),
  refunds: Type.Array(
    Type.Object({
      id: Type.String(),
      state: stringEnum(REFUND_STATES),
      amount: MinorUnits,
      receiptNumber: Type.Union([Type.Integer(), Type.Null()]),
      createdAt: Timestamp,
    }),
  ),
  receiptUrl: Type.Union([Type.String(), Type.Null()], { description: 'The printable receipt, once paid' }),
})

function journalEntryView({ sale, grossAmount, vatAmount, payment, attempts, refunds }: JournalEntry) {
  const msisdn = sale.customerMsisdn ?? payment?.customerMsisdn ?? null
  const source = sale.customerSource ?? payment?.customerSource ?? null
  return {
    id: sale.id,
    posId: sale.posId,
    receiptNumber: sale.receiptNumber,
    state: sale.state,
    currency: sale.currency,
    grossAmount,
    vatAmount,
    openedAt: sale.openedAt.toISOString(),
    closedAt: sale.closedAt?.toISOString() ?? null,
    customer: msisdn && source ? { display: displayMsisdn(msisdn), source } : null,
    payment: payment
      ? {
          id: payment.id,
          reference: payment.reference,
          state: payment.state as PaymentAttemptState,
          stateText: describeAttemptState(payment.state as PaymentAttemptState),
          pspReference: payment.pspReference,
          amount: payment.amount,
          capturedAmount: payment.capturedAmount,
          refundedAmount: payment.refundedAmount,
          attempts,
        }
      : null,
    refunds: refunds.map((r) => ({
      id: r.id,
      state: r.state,
      amount: r.amount,
      receiptNumber: r.receiptNumber,
      createdAt: r.createdAt.toISOString(),
    })),
    receiptUrl: sale.state === 'paid' ? `/api/sales/${sale.id}/receipt.html` : null,
  } satisfies Static<typeof JournalEntryView>
}

export function journalRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  api.get(
    '/sales',
    {
      schema: {
        tags: ['journal'],
        summary: 'The sales journal: the store’s sales with payment state and references, newest first',
        description:
          'Filters combine. `date` is the store’s local day (default today, unless receiptNumber or phone is given); `receiptNumber` matches a sale’s or a return receipt’s number, typed or scanned from the barcode (K00000042); `phone` is typed as at the till and matches the customer’s number. At most 500 sales.',
        security: SIGNED_IN,
        querystring: Type.Object(
          {
            date: Type.Optional(
              Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' }),
            ),
            receiptNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
            phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            state: Type.Optional(SaleStateSchema),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            date: Type.Union([Type.String(), Type.Null()], { description: 'The day searched, if any' }),
            sales: Type.Array(JournalEntryView),
          }),
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const { date, entries } = await ctx.journal.search(actorOf(request), request.query)
      return { date, sales: entries.map(journalEntryView) }
    },
  )
}
