/**
 * The cart page and its forms. After a payment that did not go through the
 * return page sends the shopper here with `?ordre=…`; the cart (kept as it
 * was) says why, but only to the cart the order came from.
 */
import type { FastifyInstance } from 'fastify'
import type { ShopContext } from '../context.ts'
import { ShopError } from '../errors.ts'
import { formatKroner } from '../money.ts'
import { describeFailure } from '../orders/machine.ts'
import { html } from '../web/html.ts'
import type { FormBody } from '../web/http.ts'
import { type MessageKind, page, sendPage } from '../web/layout.ts'
import { cartTokenOf, ensureCartToken } from '../web/session.ts'
import type { Cart } from './service.ts'

export function cartRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.get('/handlekurv', async function cartPage(request, reply) {
    const cart = await ctx.carts.get(cartTokenOf(request))
    const { ordre } = request.query as { ordre?: string }
    let message: { kind: MessageKind; text: string } | undefined
    if (ordre && cart.id) {
      const view = await ctx.orders.get(ordre).catch(() => undefined)
      if (
        view &&
        view.order.cartId === cart.id &&
        view.order.state === 'payment_failed' &&
        view.order.failure
      ) {
        message = {
          kind: 'error',
          text: `${describeFailure(view.order.failure)} Ingenting er trukket, og handlekurven er tatt vare på – prøv igjen når du er klar.`,
        }
      }
    }
    return sendPage(
      reply,
      page(
        {
          title: 'Handlekurv',
          shopName: ctx.shopName,
          cartCount: cart.itemCount,
          ...(message ? { message } : {}),
        },
        cartView(cart),
      ),
    )
  })

  app.post('/handlekurv', async function addToCart(request, reply) {
    const body = (request.body ?? {}) as FormBody
    const productId = required(body, 'productId')
    const quantity = integerField(body, 'quantity', 1)
    const token = ensureCartToken(request, reply, ctx.cookieSecure)
    await ctx.carts.add(token, productId, quantity)
    return reply.redirect('/handlekurv', 303)
  })

  app.post('/handlekurv/oppdater', async function updateCart(request, reply) {
    const body = (request.body ?? {}) as FormBody
    const token = cartTokenOf(request)
    if (token) await ctx.carts.setQuantity(token, required(body, 'productId'), integerField(body, 'quantity'))
    return reply.redirect('/handlekurv', 303)
  })
}

function cartView(cart: Cart) {
  if (cart.lines.length === 0) {
    return html`<h1>Handlekurv</h1><p data-testid="empty-cart">Handlekurven er tom.</p><p><a class="button" href="/">Se produktene</a></p>`
  }
  return html`<h1>Handlekurv</h1>
<table class="lines" data-testid="cart-lines">
<thead><tr><th>Vare</th><th>Antall</th><th class="amount">Pris</th><th class="amount">Sum</th></tr></thead>
<tbody>${cart.lines.map(
    (line) => html`<tr data-testid="cart-line" data-product-id="${line.product.id}">
<td><a href="/produkt/${line.product.id}">${line.product.name}</a></td>
<td><form method="post" action="/handlekurv/oppdater" class="actions">
<input type="hidden" name="productId" value="${line.product.id}">
<label class="skip" for="qty-${line.product.id}">Antall ${line.product.name}</label>
<input class="qty" id="qty-${line.product.id}" name="quantity" type="number" min="0" max="99" value="${line.quantity}">
<button type="submit" class="secondary">Oppdater</button></form></td>
<td class="amount">${formatKroner(line.product.unitPrice)}</td>
<td class="amount">${formatKroner(line.grossAmount)}</td></tr>`,
  )}</tbody>
<tfoot><tr><td colspan="3">Sum varer (inkl. mva.)</td><td class="amount" data-testid="cart-total">${formatKroner(cart.goodsAmount)}</td></tr></tfoot>
</table>
<p class="muted">Frakt velger du i kassen.</p>
<p class="actions"><a class="button" href="/kasse" data-testid="to-checkout">Til kassen</a> <a href="/">Handle mer</a></p>`
}

/** A required form field, or a 400 naming it. */
export function required(body: FormBody, field: string): string {
  const value = body[field]?.trim()
  if (!value) throw new ShopError('VALIDATION_FAILED', `${field} mangler`, { field })
  return value
}

/** A whole-number form field (`fallback` when it is left out), or a 400 naming it. */
export function integerField(body: FormBody, field: string, fallback?: number): number {
  const text = body[field]?.trim()
  if (!text) {
    if (fallback !== undefined) return fallback
    throw new ShopError('VALIDATION_FAILED', `${field} mangler`, { field })
  }
  if (!/^\d{1,6}$/.test(text))
    throw new ShopError('VALIDATION_FAILED', `${field} må være et helt tall`, { field })
  return Number(text)
}
