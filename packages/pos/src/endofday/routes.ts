/**
 * End of day over HTTP (manager): the Z report of a business day for the
 * store or one till, as JSON, a printable page and CSV; and closing the day.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import { DATE_PATTERN } from './business-day.ts'
import { zReportCsv, zReportHtml } from './print.ts'
import { ZReportView } from './views.ts'

export const DayParams = Type.Object({
  date: Type.String({ pattern: DATE_PATTERN, description: 'The business day, YYYY-MM-DD (store-local)' }),
})
const ReportQuery = Type.Object(
  {
    till: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'One till’s report (its posId)' }),
    ),
  },
  { additionalProperties: false },
)

const CLOSING_RULE =
  'A sale belongs to the store-local date on which it was registered paid, a refund to the date it was confirmed. Closing a day (manager) stores its report; the stored report never changes afterwards. Anything of a closed date registered after the closing — a payment the platform confirmed late, a refund that completed late — is reported on the next day (listed there as carried over), never lost and never counted twice. A day that has not begun is 400 naming `date`.'

export function endOfDayRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const manager = { tags: ['end of day'], security: SIGNED_IN, params: DayParams }

  api.get(
    '/end-of-day/:date',
    {
      schema: {
        ...manager,
        querystring: ReportQuery,
        summary: 'The Z report of a business day, for the store or one till (manager)',
        description: `Sales, refunds and takings (sales − refunds) with VAT per rate, per cashier, per till, counts, and gross takings per local hour. An open day is computed now; a closed day is answered as it was closed. ${CLOSING_RULE}`,
        response: { 200: Type.Object({ report: ZReportView }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      report: await ctx.endOfDay.report(actorOf(request), request.params.date, request.query.till),
    }),
  )

  api.get(
    '/end-of-day/:date/report.html',
    {
      schema: {
        ...manager,
        querystring: ReportQuery,
        summary: 'The printable Z report (A4) with the takings-by-hour chart (manager)',
        produces: ['text/html'],
        response: { 200: Type.String(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const report = await ctx.endOfDay.report(actorOf(request), request.params.date, request.query.till)
      return reply.type('text/html; charset=utf-8').send(zReportHtml(report))
    },
  )

  api.get(
    '/end-of-day/:date/report.csv',
    {
      schema: {
        ...manager,
        querystring: ReportQuery,
        summary: 'The Z report as CSV (manager)',
        description:
          'Columns `section,key,name,count,net,vat,gross`; sections summary, vat, cashier-sales, cashier-refunds, till-sales, till-refunds, hour. Amounts in major units (49.90).',
        produces: ['text/csv'],
        response: { 200: Type.String(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { date } = request.params
      const { till } = request.query
      const report = await ctx.endOfDay.report(actorOf(request), date, till)
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="z-report-${date}${till ? `-${till}` : ''}.csv"`)
        .send(zReportCsv(report))
    },
  )

  api.post(
    '/end-of-day/:date/close',
    {
      schema: {
        ...manager,
        summary: 'Close the business day: freeze its Z report (manager)',
        description: `${CLOSING_RULE} 409 DAY_ALREADY_CLOSED the second time.`,
        response: { 201: Type.Object({ report: ZReportView }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send({ report: await ctx.endOfDay.close(actorOf(request), request.params.date) }),
  )
}
