/**
 * The frame every shop page shares: header with the cart, an optional message,
 * the content. Pages are server-rendered HTML that needs no JavaScript; the
 * one stylesheet is served from /assets.
 */
import { readFileSync } from 'node:fs'
import type { FastifyReply } from 'fastify'
import { type Html, html } from './html.ts'

/** The stylesheet, read once. */
export const SHOP_CSS = readFileSync(new URL('./assets/shop.css', import.meta.url), 'utf8')

/**
 * No scripts at all, styles and images from the shop itself (product art is
 * inline SVG), no framing. Forms may post only to the shop; the shop then
 * redirects to Vipps MobilePay itself.
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

export type MessageKind = 'error' | 'ok' | 'info'

export interface PageOptions {
  title: string
  shopName: string
  /** Items in the cart, shown in the header; left out on admin pages. */
  cartCount?: number
  message?: { kind: MessageKind; text: string }
  /** Seconds after which the browser reloads the page (the return page waiting for Vipps). */
  refreshSeconds?: number
  admin?: boolean
}

/** A whole page. */
export function page(options: PageOptions, content: Html): Html {
  const nav = options.admin
    ? html`<nav aria-label="Admin"><a href="/admin">Ordrer</a><a href="/admin/avregning">Avregning</a><a href="/">Til butikken</a></nav>`
    : html`<nav aria-label="Hovedmeny"><a href="/">Produkter</a><a class="cart-link" href="/handlekurv" data-testid="cart-link">Handlekurv (<span id="cart-count">${options.cartCount ?? 0}</span>)</a></nav>`
  return html`<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title} – ${options.shopName}</title>
<link rel="stylesheet" href="/assets/shop.css">
</head>
<body>
<a class="skip" href="#innhold">Hopp til innholdet</a>
<header class="site"><div class="bar"><a class="logo" href="${options.admin ? '/admin' : '/'}">${options.shopName}${options.admin ? html`<small>ordreadmin</small>` : ''}</a>${nav}</div></header>
${options.admin ? '' : html`<div class="usp">Betal trygt med Vipps · Hent i butikk gratis · 30 dagers åpent kjøp</div>`}
<main id="innhold">
${options.message ? html`<div class="message ${options.message.kind}" role="${options.message.kind === 'error' ? 'alert' : 'status'}" data-testid="message">${options.message.text}</div>` : ''}
${content}
</main>
<footer class="site">${options.shopName} · Storgata 1, 0155 Oslo · Org.nr. 999 999 999 MVA</footer>
</body>
</html>`
}

/** Sends a page with the shop's headers. */
export function sendPage(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body.value)
}
