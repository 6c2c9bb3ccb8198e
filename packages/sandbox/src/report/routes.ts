/**
 * The Report API at the HTTP edge: ledgers (`/settlement/v1/ledgers`) and the
 * funds and fees reports by date and as feeds (`/report/v2/ledgers/...`),
 * behind the gateway (no MSN header needed: a merchant's keys read its own
 * ledgers). Paths use the spec's parameter names, so the contract check finds
 * them. The domain is in service.ts.
 */
import { REPORT_TOPICS, type ReportTopic } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { gateway, merchantOf } from '../http/gateway.ts'
import { reportControlRoutes } from './control-routes.ts'
import { ReportService } from './service.ts'

const Cursor = Type.String({ minLength: 1, maxLength: 2000 })
const LedgerId = Type.String({ minLength: 1, maxLength: 64 })
// One enum rather than a union of literals, so a bad topic is one error, not one per topic.
const Topic = Type.Unsafe<ReportTopic>(Type.String({ enum: [...REPORT_TOPICS] }))

const LedgersQuery = Type.Object({
  settlesForRecipientHandles: Type.Optional(Type.String({ maxLength: 100 })),
  cursor: Type.Optional(Cursor),
})
const CursorQuery = Type.Object({ cursor: Type.Optional(Cursor) })
const FeedParams = Type.Object({ ledgerId: LedgerId, topic: Topic })
// The date's format is checked by the service, which can say what is wrong with it.
const DateParams = Type.Object({
  ledgerId: LedgerId,
  topic: Topic,
  ledgerDate: Type.String({ maxLength: 32 }),
})

type FeedParams = { ledgerId: string; topic: ReportTopic }
type DateParams = FeedParams & { ledgerDate: string }

/**
 * Registers the Report API and its control routes, with one service per
 * sandbox, fed by ePayment's events and eCom's captures and refunds.
 */
export function reportRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const service = new ReportService(ctx)
  ctx.onReset(() => service.reset())
  // A listener must not throw into the payment that emitted the event; it says what went wrong instead.
  const booking =
    <E>(what: string, book: (event: E) => void, referenceOf: (event: E) => string) =>
    (event: E) => {
      try {
        book(event)
      } catch (error) {
        app.log.error({ err: error, reference: referenceOf(event) }, `settlement could not book ${what}`)
      }
    }
  ctx.events.on(
    'epayment.event',
    booking(
      'an ePayment event',
      (event) => service.record(event),
      (event) => event.reference,
    ),
  )
  ctx.events.on(
    'ecom.money',
    booking(
      'an eCom capture or refund',
      (event) => service.recordEcom(event),
      (event) => event.orderId,
    ),
  )

  const onRequest = gateway(ctx, { msn: 'optional' })

  app.get(
    '/settlement/v1/ledgers',
    { onRequest, schema: { querystring: LedgersQuery } },
    async function listLedgers(request) {
      return service.ledgers(merchantOf(request), request.query as typeof LedgersQuery.static)
    },
  )

  app.get(
    '/report/v2/ledgers/:ledgerId/:topic/dates/:ledgerDate',
    { onRequest, schema: { params: DateParams, querystring: CursorQuery } },
    async function reportForDate(request) {
      const { ledgerId, topic, ledgerDate } = request.params as DateParams
      const { cursor } = request.query as typeof CursorQuery.static
      return service.datePage(merchantOf(request), ledgerId, topic, ledgerDate, cursor)
    },
  )

  app.get(
    '/report/v2/ledgers/:ledgerId/:topic/feed',
    { onRequest, schema: { params: FeedParams, querystring: CursorQuery } },
    async function reportFeed(request) {
      const { ledgerId, topic } = request.params as FeedParams
      const { cursor } = request.query as typeof CursorQuery.static
      return service.feedPage(merchantOf(request), ledgerId, topic, cursor)
    },
  )

  reportControlRoutes(app, service)
}
