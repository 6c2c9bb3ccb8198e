/**
 * GET /api/events: Server-Sent Events for the signed-in till. On connecting
 * the screen gets the till's current sale and its payment, then every change
 * as it happens, from whichever till process made it:
 *
 *   event: payment   data: {"attempt": …}   (waiting, approved, declined, expired, cancelled, registered)
 *   event: sale      data: {"sale": …}      (paid, back to editing, the customer enrolled)
 *   event: enrolment data: {"enrolment": …} (a membership request: waiting, accepted, declined, …)
 *
 * A comment line every 15 s keeps proxies from closing an idle stream; the
 * browser's EventSource reconnects by itself and gets the current state again.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { EnrolmentRow } from '../club/store.ts'
import { enrolmentView } from '../club/views.ts'
import type { PosContext } from '../context.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import { type AttemptRow, latestAttempt } from '../payments/store.ts'
import { paymentAttemptView } from '../payments/views.ts'
import { saleView } from '../sales/routes.ts'
import { findCurrentSale } from '../sales/store.ts'
import { keyOf, type LiveNotice } from './hub.ts'

const KEEPALIVE_MS = 15_000

export function liveRoutes(app: FastifyInstance, ctx: PosContext): void {
  const streams = new Set<FastifyReply>()
  app.addHook('preClose', async () => {
    for (const reply of streams) reply.raw.end()
    streams.clear()
  })

  app.get(
    '/events',
    {
      schema: {
        tags: ['live'],
        summary:
          'Server-Sent Events for this till: `payment` events with {attempt}, `sale` events with {sale}, `enrolment` events with {enrolment}',
        description:
          'text/event-stream. On connect: the current sale, its latest payment attempt and its latest club enrolment; then each change. Events: `payment` (data `{"attempt": PaymentAttempt}`), `sale` (data `{"sale": Sale}`), `enrolment` (data `{"enrolment": Enrolment}`, on every state change of a membership request started at this till; on accept also a `sale` event whose customer.member is set).',
        security: SIGNED_IN,
        produces: ['text/event-stream'],
        response: { 200: { type: 'string', description: 'The event stream' }, ...errors(401) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request)
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      raw.write('retry: 2000\n\n')
      streams.add(reply)

      const send = (event: string, data: unknown) => {
        if (!raw.writableEnded) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
      }
      // One notice at a time, in order: each reads the state as it is now, so
      // a later notice never shows an older state than an earlier one did.
      let queue = Promise.resolve()
      const sendEnrolment = async (enrolment: EnrolmentRow) => {
        const { row, member } = await ctx.club.enrolments.withMember(enrolment)
        send('enrolment', { enrolment: enrolmentView(row, member) })
      }
      // The attempt row sent last: a row handed over with a notice (live/hub.ts)
      // that is older than what a read has already shown is not sent again.
      let lastAttempt: AttemptRow | undefined
      const sendAttempt = (attempt: AttemptRow) => {
        if (lastAttempt?.id === attempt.id && lastAttempt.updatedAt > attempt.updatedAt) return
        lastAttempt = attempt
        send('payment', { attempt: paymentAttemptView(attempt) })
      }
      const render = async (notice: LiveNotice, current: unknown) => {
        if (notice.topic === 'payment') {
          const attempt = (current as AttemptRow | undefined) ?? (await ctx.payments.find(notice.id))
          if (attempt) sendAttempt(attempt)
        } else if (notice.topic === 'enrolment') {
          const enrolment = await ctx.club.enrolments.find(notice.id)
          if (enrolment) await sendEnrolment(enrolment)
        } else {
          send('sale', { sale: saleView(await ctx.sales.load(notice.id)) })
        }
      }
      // Notices waiting for their turn, by what they name: a later notice of
      // the same thing before the first is rendered takes its place (notices
      // come in commit order, so it is at least as new; a re-read gets the
      // current state anyway); one that arrives once the render began is kept.
      const waiting = new Map<string, { notice: LiveNotice; current: unknown }>()
      const unsubscribe = ctx.live.subscribe(actor.tillId, (notice, current) => {
        const key = keyOf(notice)
        const queued = waiting.has(key)
        waiting.set(key, { notice, current })
        if (queued) return
        queue = queue
          .then(() => {
            const latest = waiting.get(key)!
            waiting.delete(key)
            return render(latest.notice, latest.current)
          })
          .catch((error: unknown) => {
            request.log.warn({ err: { type: (error as Error)?.name } }, 'live event not sent')
          })
      })
      const keepalive = setInterval(() => {
        if (!raw.writableEnded) raw.write(': keepalive\n\n')
      }, KEEPALIVE_MS)
      raw.on('close', () => {
        clearInterval(keepalive)
        unsubscribe()
        streams.delete(reply)
      })

      queue = queue.then(async () => {
        const current = await findCurrentSale(ctx.db, actor.tillId)
        if (!current) return
        send('sale', { sale: saleView(await ctx.sales.load(current.id)) })
        const attempt = await latestAttempt(ctx.db, current.id)
        if (attempt) sendAttempt(attempt)
        const enrolment = await ctx.club.enrolments.latestForSale(current.id)
        if (enrolment) await sendEnrolment(enrolment)
      })
    },
  )
}
