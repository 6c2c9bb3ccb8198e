/**
 * Reconciliation over HTTP (manager): the day's settlement matched with the
 * till's records (JSON and CSV), the in-flight check of the day's payment
 * attempts against the platform, and resolving a difference it found.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { RECONCILIATION_STATUSES, reconciliationCsv } from '@kasse/vipps'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { DayParams } from '../endofday/routes.ts'
import { PosError } from '../errors.ts'
import { actorOf } from '../http/auth.ts'
import { errors, MinorUnits, SIGNED_IN, stringEnum } from '../http/schemas.ts'
import {
  describeAttemptState,
  PAYMENT_ATTEMPT_STATES,
  type PaymentAttemptState,
} from '../payments/machine.ts'
import { type DaySettlement, IN_FLIGHT_STATUSES, type InFlightItem, type TillRecord } from './service.ts'

const Signed = Type.Integer({ description: 'Minor units (øre), as the ledger signs them' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

export const SettlementLineView = Type.Object({
  status: stringEnum(RECONCILIATION_STATUSES, {
    description:
      'missing-on-platform (registered here, not settled), missing-in-records (settled, not registered here), amount-mismatch, matched, other-channel (another sales channel on the same MSN), fee, payout, adjustment',
  }),
  difference: Type.Boolean({ description: 'Needs a person’s attention' }),
  kind: Type.String({ description: 'capture or refund, or the ledger entry type' }),
  reference: Type.String(),
  pspReference: Type.String(),
  currency: Type.String(),
  recordedAmount: Nullable(MinorUnits),
  settledAmount: Nullable(Signed),
  fee: Nullable(MinorUnits),
  saleId: Nullable(Type.String()),
  refundId: Nullable(Type.String()),
  posId: Nullable(Type.String()),
  receiptNumber: Nullable(Type.Integer()),
  time: Nullable(Type.String({ description: 'When the platform booked it' })),
})

const CountAndAmount = Type.Object({ count: Type.Integer({ minimum: 0 }), amount: MinorUnits })

export const SettlementView = Type.Object({
  date: Type.String(),
  status: stringEnum(['not-settled', 'settling', 'settled'] as const, {
    description:
      'not-settled: the platform has not closed the date (its report answers 404 until the store’s midnight); settling: closed but still being written; settled',
  }),
  ledgerId: Nullable(Type.String()),
  differences: Type.Integer({ minimum: 0 }),
  recorded: Type.Object({ captures: CountAndAmount, refunds: CountAndAmount }),
  totals: Nullable(
    Type.Object({
      captures: MinorUnits,
      refunds: MinorUnits,
      fees: Signed,
      adjustments: Signed,
      expectedPayout: Signed,
      payout: Signed,
      openingBalance: Signed,
      closingBalance: Signed,
    }),
  ),
  otherChannels: Nullable(
    Type.Object({
      count: Type.Integer({ minimum: 0 }),
      captures: MinorUnits,
      refunds: MinorUnits,
      net: Signed,
    }),
  ),
  lines: Type.Array(SettlementLineView, { description: 'Differences first' }),
})

function settlementView(day: DaySettlement): Static<typeof SettlementView> {
  const sumOf = (kind: TillRecord['kind']) => {
    const records = day.records.filter((r) => r.kind === kind)
    return { count: records.length, amount: records.reduce((total, r) => total + r.amount, 0) }
  }
  const result = day.result
  return {
    date: day.date,
    status: day.status,
    ledgerId: day.ledgerId,
    differences: result?.differences ?? 0,
    recorded: { captures: sumOf('capture'), refunds: sumOf('refund') },
    totals: result
      ? {
          captures: result.totals.captures,
          refunds: result.totals.refunds,
          fees: result.totals.fees,
          adjustments: result.totals.adjustments,
          expectedPayout: result.totals.expectedPayout,
          payout: result.totals.payout,
          openingBalance: result.totals.openingBalance,
          closingBalance: result.totals.closingBalance,
        }
      : null,
    otherChannels: result
      ? {
          count: result.otherChannels.entries.length,
          captures: result.otherChannels.captures,
          refunds: result.otherChannels.refunds,
          net: result.otherChannels.net,
        }
      : null,
    lines: (result?.lines ?? []).map((line) => ({
      status: line.status,
      difference: line.difference,
      kind: line.kind,
      reference: line.reference,
      pspReference: line.pspReference,
      currency: line.currency,
      recordedAmount: line.recordedAmount ?? null,
      settledAmount: line.settledAmount ?? null,
      fee: line.fee ?? null,
      saleId: line.record?.saleId ?? null,
      refundId: line.record?.refundId ?? null,
      posId: line.record?.posId ?? null,
      receiptNumber: line.record?.receiptNumber ?? null,
      time: line.entry?.time ?? null,
    })),
  }
}

export const InFlightItemView = Type.Object({
  attemptId: Type.String(),
  saleId: Type.String(),
  posId: Type.String(),
  receiptNumber: Nullable(Type.Integer()),
  reference: Type.String(),
  amount: MinorUnits,
  currency: Type.String(),
  till: Type.Object({
    state: stringEnum(PAYMENT_ATTEMPT_STATES),
    stateText: Type.String(),
    capturedAmount: MinorUnits,
    refundedAmount: MinorUnits,
  }),
  platform: Nullable(
    Type.Object({
      state: Type.String({
        description: 'The ePayment state: CREATED, AUTHORIZED, ABORTED, EXPIRED, TERMINATED',
      }),
      authorizedAmount: MinorUnits,
      capturedAmount: MinorUnits,
      cancelledAmount: MinorUnits,
      refundedAmount: MinorUnits,
    }),
  ),
  status: stringEnum(IN_FLIGHT_STATUSES),
  difference: Type.Boolean(),
  message: Type.String(),
  action: Nullable(
    stringEnum(['follow', 'release'] as const, {
      description:
        'What resolving does: follow (the till follows the platform: registers a capture made there, or captures an approval once with its stored key) or release (cancels an approval for a request the till closed)',
    }),
  ),
})

function inFlightView(item: InFlightItem): Static<typeof InFlightItemView> {
  const { attempt, platform } = item
  const state = attempt.state as PaymentAttemptState
  return {
    attemptId: attempt.id,
    saleId: attempt.saleId,
    posId: item.posId,
    receiptNumber: item.receiptNumber,
    reference: attempt.reference,
    amount: attempt.amount,
    currency: attempt.currency,
    till: {
      state,
      stateText: describeAttemptState(state),
      capturedAmount: state === 'captured' ? attempt.capturedAmount : 0,
      refundedAmount: item.tillRefunded,
    },
    platform: platform
      ? {
          state: platform.state,
          authorizedAmount: platform.aggregate.authorizedAmount.value,
          capturedAmount: platform.aggregate.capturedAmount.value,
          cancelledAmount: platform.aggregate.cancelledAmount.value,
          refundedAmount: platform.aggregate.refundedAmount.value,
        }
      : null,
    status: item.status,
    difference: item.difference,
    message: item.message,
    action: item.action,
  }
}

export function reconciliationRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const manager = { tags: ['reconciliation'], security: SIGNED_IN }

  api.get(
    '/reconciliation/:date',
    {
      schema: {
        ...manager,
        params: DayParams,
        summary: 'The day’s settlement matched with the till’s captures and refunds (manager)',
        description:
          'The till’s sales registered paid on the day and refunds completed on it, matched to the Vipps MobilePay settlement report for the same date by pspReference, then reference and amount: matched, missing on either side, amount mismatches, with fees, the payout and expectedPayout = captures − refunds − fees (+ adjustments), differences first. Payments of other sales channels on the same MSN are listed as other-channel. status not-settled while the platform has not closed the date.',
        response: { 200: Type.Object({ reconciliation: SettlementView }), ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => ({
      reconciliation: settlementView(
        await ctx.reconciliation.settlement(actorOf(request), request.params.date),
      ),
    }),
  )

  api.get(
    '/reconciliation/:date/report.csv',
    {
      schema: {
        ...manager,
        params: DayParams,
        summary: 'The reconciliation as CSV, differences first (manager)',
        description:
          'Columns `status,kind,reference,pspReference,currency,recorded,settled,fee`, amounts in major units (49.90). 409 SETTLEMENT_NOT_READY before the platform has closed the date.',
        produces: ['text/csv'],
        response: { 200: Type.String(), ...errors(400, 401, 403, 409, 503) },
      },
    },
    async (request, reply) => {
      const { date } = request.params
      const day = await ctx.reconciliation.settlement(actorOf(request), date)
      if (!day.result) {
        throw new PosError('SETTLEMENT_NOT_READY', `Vipps MobilePay has not settled ${date} yet`, {
          field: 'date',
        })
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="reconciliation-${date}.csv"`)
        .send(reconciliationCsv(day.result.lines))
    },
  )

  api.get(
    '/in-flight/:date',
    {
      schema: {
        ...manager,
        params: DayParams,
        summary: 'Every payment attempt of the day against the platform’s state now (manager)',
        description:
          'Each attempt made or ended on the day is looked up on Vipps MobilePay: a sale registered as paid must be captured there; a captured or approved payment there must be a registered sale here. Differences first, each with the action resolving takes (or null when a person must act).',
        response: {
          200: Type.Object({ date: Type.String(), payments: Type.Array(InFlightItemView) }),
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const items = await ctx.reconciliation.inFlight(actorOf(request), request.params.date)
      return { date: request.params.date, payments: items.map(inFlightView) }
    },
  )

  api.post(
    '/payment-attempts/:attemptId/resolve',
    {
      schema: {
        ...manager,
        params: Type.Object({ attemptId: Type.String({ minLength: 1, maxLength: 64 }) }),
        summary: 'Resolve a difference the in-flight check found (manager)',
        description:
          'Decided afresh from the platform’s state now, never charging twice: a live attempt follows the platform through the payments machinery (a capture made there registers the sale once; an approval is captured with the attempt’s stored key); an approval for a request the till closed is released. 409 NOTHING_TO_RESOLVE when they agree or only a person can act.',
        response: { 200: Type.Object({ payment: InFlightItemView }), ...errors(401, 403, 404, 409, 503) },
      },
    },
    async (request) => ({
      payment: inFlightView(await ctx.reconciliation.resolve(actorOf(request), request.params.attemptId)),
    }),
  )
}
