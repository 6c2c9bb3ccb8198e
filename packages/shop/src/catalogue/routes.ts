/**
 * The shop window: the front page's product grid and each product's page,
 * with "Legg i handlekurv" and the express button ("Hurtigkasse med Vipps").
 */
import type { FastifyInstance } from 'fastify'
import type { ShopContext } from '../context.ts'
import { formatKroner, formatRate } from '../money.ts'
import { html, raw } from '../web/html.ts'
import { page, sendPage } from '../web/layout.ts'
import { cartTokenOf } from '../web/session.ts'
import { drawArt } from './art.ts'
import type { Product } from './service.ts'

export function catalogueRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.get('/', async function frontPage(request, reply) {
    const [products, cart] = await Promise.all([ctx.catalogue.list(), ctx.carts.get(cartTokenOf(request))])
    return sendPage(
      reply,
      page(
        { title: 'Produkter', shopName: ctx.shopName, cartCount: cart.itemCount },
        html`<h1>Nytt til hjemmet og turen</h1>
<ul class="grid" aria-label="Produkter">${products.map((p) => productCard(p))}</ul>`,
      ),
    )
  })

  app.get('/produkt/:id', async function productPage(request, reply) {
    const { id } = request.params as { id: string }
    const [product, cart] = await Promise.all([ctx.catalogue.get(id), ctx.carts.get(cartTokenOf(request))])
    return sendPage(
      reply,
      page(
        { title: product.name, shopName: ctx.shopName, cartCount: cart.itemCount },
        html`<p><a href="/">← Alle produkter</a></p>
<article class="product-page" data-testid="product" data-product-id="${product.id}">
  ${raw(drawArt(product.art, product.name))}
  <div class="buy">
    <span class="category">${product.category}</span>
    <h1>${product.name}</h1>
    <p>${product.description}</p>
    <p class="price" data-testid="price">${formatKroner(product.unitPrice)}</p>
    <p class="vat">Inkl. ${formatRate(product.vatRate)} mva. · Varenr. ${product.sku}</p>
    <form method="post" action="/handlekurv">
      <input type="hidden" name="productId" value="${product.id}">
      <div class="field"><label for="quantity">Antall</label>
      <input class="qty" id="quantity" name="quantity" type="number" min="1" max="99" value="1" inputmode="numeric"></div>
      <button type="submit" data-testid="add-to-cart">Legg i handlekurv</button>
    </form>
    <form method="post" action="/produkt/${product.id}/hurtigkasse">
      <input type="hidden" name="quantity" value="1">
      <button type="submit" class="express-button" data-testid="express">Hurtigkasse med Vipps</button>
      <p class="muted">Kjøp nå: adresse og frakt velger du i Vipps.</p>
    </form>
  </div>
</article>`,
      ),
    )
  })
}

function productCard(product: Product) {
  return html`<li class="card" data-testid="product-card" data-product-id="${product.id}">
  <a class="product-link" href="/produkt/${product.id}">
    ${raw(drawArt(product.art, product.name))}
    <div class="info">
      <span class="category">${product.category}</span>
      <span class="name">${product.name}</span>
      <span class="price">${formatKroner(product.unitPrice)}</span>
    </div>
  </a>
  <form method="post" action="/handlekurv">
    <input type="hidden" name="productId" value="${product.id}">
    <input type="hidden" name="quantity" value="1">
    <button type="submit" class="secondary" aria-label="Legg ${product.name} i handlekurven">Legg i handlekurv</button>
  </form>
</li>`
}
