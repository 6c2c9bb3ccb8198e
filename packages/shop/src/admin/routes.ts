/**
 * The order admin (`/admin`): sign in, the orders with their payment state,
 * and per order: mark lines shipped (capturing exactly what ships), cancel
 * what is not shipped, refund all or part of what is captured. Each action
 * answers with the order page and what Vipps MobilePay said. And per day, the
 * settlement (`/admin/avregning`, CSV at `/admin/avregning.csv`).
 */
import { reconciliationCsv, VippsError } from '@kasse/vipps'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ShopContext } from '../context.ts'
import { ShopError } from '../errors.ts'
import { formatKroner, parseKroner } from '../money.ts'
import type { OperationOutcome } from '../orders/service.ts'
import { listOrders } from '../orders/store.ts'
import type { FormBody } from '../web/http.ts'
import { type MessageKind, page, sendPage } from '../web/layout.ts'
import type { AdminAuth, AdminSession } from './auth.ts'
import { settlementProblemView, settlementView } from './settlement-views.ts'
import { orderListView, orderView, signInView } from './views.ts'

type Message = { kind: MessageKind; text: string }

export function adminRoutes(app: FastifyInstance, ctx: ShopContext, auth: AdminAuth): void {
  const adminPage = (
    reply: FastifyReply,
    title: string,
    content: Parameters<typeof page>[1],
    status = 200,
    message?: Message,
  ) =>
    sendPage(
      reply,
      page({ title, shopName: ctx.shopName, admin: true, ...(message ? { message } : {}) }, content),
      status,
    )

  /** The live session, or: a page → the sign-in page; a form post → 401. */
  async function requireSession(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<AdminSession | undefined> {
    const session = await auth.session(request)
    if (session) {
      if (request.method === 'POST') auth.checkCsrf(session, ((request.body ?? {}) as FormBody).csrf)
      return session
    }
    if (request.method === 'GET') {
      void reply.redirect('/admin/logg-inn', 303)
      return undefined
    }
    throw new ShopError('ADMIN_SIGN_IN_REQUIRED', 'Logg inn for å bruke ordreadmin')
  }

  app.get('/admin/logg-inn', async function signInPage(_request, reply) {
    return adminPage(reply, 'Logg inn', signInView())
  })

  app.post('/admin/logg-inn', async function signIn(request, reply) {
    const body = (request.body ?? {}) as FormBody
    try {
      await auth.signIn(reply, body.username ?? '', body.password ?? '')
    } catch (error) {
      if (error instanceof ShopError && error.code === 'WRONG_ADMIN_LOGIN') {
        return adminPage(reply, 'Logg inn', signInView(error.message), 401)
      }
      throw error
    }
    return reply.redirect('/admin', 303)
  })

  app.post('/admin/logg-ut', async function signOut(request, reply) {
    if (!(await requireSession(request, reply))) return reply
    await auth.signOut(request, reply)
    return reply.redirect('/admin/logg-inn', 303)
  })

  app.get('/admin', async function orderList(request, reply) {
    const session = await requireSession(request, reply)
    if (!session) return reply
    return adminPage(reply, 'Ordrer', orderListView(await listOrders(ctx.db), session.csrfToken))
  })

  app.get('/admin/ordre/:id', async function orderPage(request, reply) {
    const session = await requireSession(request, reply)
    if (!session) return reply
    const { id } = request.params as { id: string }
    const view = await ctx.orders.get(id)
    return adminPage(reply, `Ordre ${view.order.number}`, orderView(view, session.csrfToken))
  })

  /** Runs an admin action and answers with the order page and its outcome; a refusal of the form is a 4xx. */
  async function act(
    request: FastifyRequest,
    reply: FastifyReply,
    action: (id: string, body: FormBody) => Promise<{ outcome: OperationOutcome; done: string }>,
  ) {
    const session = await requireSession(request, reply)
    if (!session) return reply
    const { id } = request.params as { id: string }
    const body = (request.body ?? {}) as FormBody
    let message: Message
    let status = 200
    try {
      const { outcome, done } = await action(id, body)
      message = outcomeMessage(outcome, done)
      if (outcome.state === 'refused') status = 409
      if (outcome.state === 'unknown') status = 502
    } catch (error) {
      if (!(error instanceof ShopError) || error.status >= 500) throw error
      message = { kind: 'error', text: error.message }
      status = error.status
    }
    const view = await ctx.orders.get(id)
    return adminPage(reply, `Ordre ${view.order.number}`, orderView(view, session.csrfToken), status, message)
  }

  /**
   * The day's settlement, or why it cannot be shown: a bad date (400) or the
   * platform not answering (502), both on the page with the date form.
   */
  async function settlementDay(request: FastifyRequest, reply: FastifyReply) {
    const today = ctx.settlement.today()
    try {
      return await ctx.settlement.day(dateQuery(request, today))
    } catch (error) {
      const known = error instanceof ShopError && error.status < 500
      if (!known && !(error instanceof VippsError)) throw error
      const text = known
        ? error.message
        : 'Vipps MobilePay svarte ikke på rapportforespørselen. Prøv igjen om litt.'
      if (!known) request.log.warn({ kind: (error as VippsError).kind }, 'settlement report unavailable')
      await adminPage(reply, 'Avregning', settlementProblemView(today), known ? error.status : 502, {
        kind: 'error',
        text,
      })
      return undefined
    }
  }

  app.get('/admin/avregning', async function settlementPage(request, reply) {
    if (!(await requireSession(request, reply))) return reply
    const day = await settlementDay(request, reply)
    if (!day) return reply
    return adminPage(reply, `Avregning ${day.date}`, settlementView(day, ctx.settlement.today()))
  })

  app.get('/admin/avregning.csv', async function settlementCsv(request, reply) {
    if (!(await requireSession(request, reply))) return reply
    const day = await settlementDay(request, reply)
    if (!day) return reply
    if (!day.result) {
      return adminPage(reply, 'Avregning', settlementView(day, ctx.settlement.today()), 409, {
        kind: 'info',
        text: `Ingen CSV ennå: ${day.date} er ikke avregnet.`,
      })
    }
    return reply
      .headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      .header('content-disposition', `attachment; filename="avregning-${day.date}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(reconciliationCsv(day.result.lines))
  })

  app.post('/admin/ordre/:id/send', (request, reply) =>
    act(request, reply, async (id, body) => {
      const quantities = new Map<number, number>()
      for (const [name, value] of Object.entries(body)) {
        const lineNo = /^quantity_(\d{1,4})$/.exec(name)?.[1]
        if (!lineNo) continue
        if (!/^\d{1,3}$/.test(value.trim())) {
          throw new ShopError('VALIDATION_FAILED', 'Antall må være et helt tall', { field: name })
        }
        quantities.set(Number(lineNo), Number(value.trim()))
      }
      const tracking = body.tracking?.trim().slice(0, 60)
      const outcome = await ctx.orders.ship(id, quantities, tracking || undefined)
      return { outcome, done: 'Sendingen er registrert og beløpet trukket.' }
    }),
  )

  app.post('/admin/ordre/:id/kanseller', (request, reply) =>
    act(request, reply, async (id) => ({
      outcome: await ctx.orders.cancel(id),
      done: 'Ordren er kansellert; det som ikke er sendt er frigitt i Vipps.',
    })),
  )

  app.post('/admin/ordre/:id/refunder', (request, reply) =>
    act(request, reply, async (id, body) => {
      const amount = parseKroner(body.amount ?? '', 'amount')
      return { outcome: await ctx.orders.refund(id, amount), done: `Refundert ${formatKroner(amount)}.` }
    }),
  )
}

/** The `dato` query value: today when absent; one string, or a refusal naming it. */
function dateQuery(request: FastifyRequest, today: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.dato
  if (value === undefined || value === '') return today
  if (typeof value !== 'string') {
    throw new ShopError('VALIDATION_FAILED', 'Velg én dato', { field: 'dato' })
  }
  return value
}

function outcomeMessage(outcome: OperationOutcome, done: string): Message {
  switch (outcome.state) {
    case 'done':
      return { kind: 'ok', text: done }
    case 'refused':
      return { kind: 'error', text: `Vipps avviste: ${outcome.message ?? 'ukjent grunn'}` }
    case 'unknown':
    case 'requested':
      return {
        kind: 'info',
        text: 'Vipps svarte ikke. Operasjonen er lagret og sendes på nytt med samme nøkkel, så ingenting skjer to ganger.',
      }
    default: {
      const never: never = outcome.state
      throw new Error(`unhandled operation state ${String(never)}`)
    }
  }
}
