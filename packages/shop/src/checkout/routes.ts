/**
 * Checkout with Pay with Vipps, and the way back: the return page believes
 * only Vipps MobilePay (a webhook already applied, or a lookup it makes
 * itself), never the fact that the browser came back.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ShopContext } from '../context.ts'
import { awaitsPayment, describeFailure, isConfirmed } from '../orders/machine.ts'
import type { StartOutcome } from '../orders/service.ts'
import type { OrderView } from '../orders/store.ts'
import type { FormBody } from '../web/http.ts'
import { page, sendPage } from '../web/layout.ts'
import { cartTokenOf } from '../web/session.ts'
import { validateCheckout } from './validation.ts'
import { checkoutView, closedView, confirmationView, waitingView } from './views.ts'

/** How often the waiting page reloads (the platform's polling guideline is every 2 s). */
const WAIT_REFRESH_SECONDS = 2

export function checkoutRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.get('/kasse', async function checkoutPage(request, reply) {
    const cart = await ctx.carts.get(cartTokenOf(request))
    if (cart.lines.length === 0) return reply.redirect('/handlekurv', 303)
    return sendPage(
      reply,
      page({ title: 'Kasse', shopName: ctx.shopName, cartCount: cart.itemCount }, checkoutView(cart)),
    )
  })

  app.post('/kasse', async function placeOrder(request, reply) {
    const cart = await ctx.carts.get(cartTokenOf(request))
    if (cart.lines.length === 0) return reply.redirect('/handlekurv', 303)
    const checked = validateCheckout((request.body ?? {}) as FormBody)
    if (!checked.ok) {
      const first = Object.values(checked.errors)[0]
      return sendPage(
        reply,
        page(
          {
            title: 'Kasse',
            shopName: ctx.shopName,
            cartCount: cart.itemCount,
            message: { kind: 'error', text: `Sjekk skjemaet: ${first}` },
          },
          checkoutView(cart, checked.values, checked.errors),
        ),
        400,
      )
    }
    const view = await ctx.orders.placeOrder(cart, checked.details)
    return afterStart(reply, ctx, view, await ctx.orders.startPayment(view.order.id))
  })

  app.post('/ordre/:id/betal', async function retryPayment(request, reply) {
    const { id } = request.params as { id: string }
    const view = await ctx.orders.get(id)
    return afterStart(reply, ctx, view, await ctx.orders.startPayment(id))
  })

  app.get('/ordre/:id/retur', async function returnPage(request, reply) {
    const { id } = request.params as { id: string }
    let view = await ctx.orders.get(id)
    // The browser coming back proves nothing: ask Vipps, unless a webhook or callback already told.
    if (awaitsPayment(view.order.state)) view = await ctx.orders.refreshPayment(id)
    return showOutcome(reply, ctx, view)
  })

  app.get('/ordre/:id', async function orderPage(request, reply) {
    const { id } = request.params as { id: string }
    const view = await ctx.orders.get(id)
    if (!isConfirmed(view.order.state)) return showOutcome(reply, ctx, view)
    return sendPage(
      reply,
      page({ title: `Ordre ${view.order.number}`, shopName: ctx.shopName }, confirmationView(view)),
    )
  })
}

/** Where the shopper goes after starting (or retrying) a payment. */
async function afterStart(reply: FastifyReply, ctx: ShopContext, view: OrderView, outcome: StartOutcome) {
  switch (outcome.kind) {
    case 'redirect':
      return reply.redirect(outcome.url, 303)
    case 'failed':
    case 'settled':
      return showOutcome(reply, ctx, await ctx.orders.get(view.order.id))
    case 'unknown':
      return sendPage(
        reply,
        page(
          {
            title: 'Venter på Vipps',
            shopName: ctx.shopName,
            message: {
              kind: 'info',
              text: 'Vi fikk ikke svar fra Vipps. Ordren er tatt vare på – prøv igjen.',
            },
          },
          waitingView(await ctx.orders.get(view.order.id)),
        ),
        502,
      )
    default: {
      const never: never = outcome
      throw new Error(`unhandled start outcome ${JSON.stringify(never)}`)
    }
  }
}

/** The page for where the order's payment stands now. */
function showOutcome(reply: FastifyReply, ctx: ShopContext, view: OrderView) {
  const { order } = view
  switch (order.state) {
    case 'reserved':
    case 'partially_shipped':
    case 'shipped':
      return reply.redirect(`/ordre/${order.id}`, 303)
    case 'payment_failed':
      if (order.cartId) return reply.redirect(`/handlekurv?ordre=${order.id}`, 303)
      return sendPage(
        reply,
        page(
          {
            title: `Ordre ${order.number}`,
            shopName: ctx.shopName,
            message: { kind: 'error', text: describeFailure(order.failure ?? 'cancelled') },
          },
          closedView(view, 'Ingenting er trukket fra kontoen din.'),
        ),
      )
    case 'cancelled':
      return sendPage(
        reply,
        page(
          { title: `Ordre ${order.number}`, shopName: ctx.shopName },
          closedView(view, 'Ordren er kansellert. Ingenting er trukket.'),
        ),
      )
    case 'pending_payment':
    case 'unknown':
      return sendPage(
        reply,
        page(
          { title: 'Venter på Vipps', shopName: ctx.shopName, refreshSeconds: WAIT_REFRESH_SECONDS },
          waitingView(view),
        ),
      )
    default: {
      const never: never = order.state
      throw new Error(`unhandled order state ${String(never)}`)
    }
  }
}
