/** The checkout, waiting and confirmation pages. */
import type { Cart } from '../cart/service.ts'
import type { OrderLineRow } from '../db/schema.ts'
import { formatKroner, formatRate } from '../money.ts'
import type { OrderView } from '../orders/store.ts'
import { type Html, html } from '../web/html.ts'
import { shippingMethodsFor } from './shipping.ts'
import type { CheckoutErrors, CheckoutField } from './validation.ts'

interface Field {
  name: CheckoutField
  label: string
  type: 'text' | 'email' | 'tel'
  autocomplete: string
  optional?: boolean
}

const CUSTOMER_FIELDS: Field[] = [
  { name: 'name', label: 'Fullt navn', type: 'text', autocomplete: 'name' },
  { name: 'email', label: 'E-post', type: 'email', autocomplete: 'email' },
  { name: 'phone', label: 'Mobilnummer', type: 'tel', autocomplete: 'tel' },
  { name: 'addressLine1', label: 'Gateadresse', type: 'text', autocomplete: 'address-line1' },
  {
    name: 'addressLine2',
    label: 'C/o, leilighet (valgfritt)',
    type: 'text',
    autocomplete: 'address-line2',
    optional: true,
  },
  { name: 'postalCode', label: 'Postnummer', type: 'text', autocomplete: 'postal-code' },
  { name: 'city', label: 'Poststed', type: 'text', autocomplete: 'address-level2' },
]

function input(field: Field, values: Partial<Record<CheckoutField, string>>, errors: CheckoutErrors): Html {
  const error = errors[field.name]
  return html`<div class="field">
<label for="${field.name}">${field.label}</label>
<input id="${field.name}" name="${field.name}" type="${field.type}" autocomplete="${field.autocomplete}" value="${values[field.name] ?? ''}"${field.optional ? '' : html` required`}${error ? html` aria-invalid="true" aria-describedby="${field.name}-error"` : ''}>
${error ? html`<div class="error" id="${field.name}-error" data-testid="error-${field.name}">${error}</div>` : ''}
</div>`
}

/** The checkout page: the shopper's details, the shipping methods with prices, the cart's lines, "Betal med Vipps". */
export function checkoutView(
  cart: Cart,
  values: Partial<Record<CheckoutField, string>> = {},
  errors: CheckoutErrors = {},
): Html {
  const methods = shippingMethodsFor(values.postalCode)
  const chosen = values.shippingMethodId ?? methods.find((m) => m.isDefault)?.id
  return html`<h1>Kasse</h1>
<form method="post" action="/kasse" class="two-col" novalidate>
<div>
  <fieldset><legend>Dine opplysninger</legend>
  ${CUSTOMER_FIELDS.map((field) => input(field, values, errors))}
  </fieldset>
  <fieldset${errors.shippingMethodId ? html` aria-describedby="shipping-error"` : ''}><legend>Levering</legend>
  ${methods.map(
    (
      method,
    ) => html`<div class="option"><input type="radio" id="ship-${method.id}" name="shippingMethodId" value="${method.id}"${method.id === chosen ? html` checked` : ''}>
<label for="ship-${method.id}">${method.name} – ${method.price === 0 ? 'gratis' : formatKroner(method.price)}<span class="detail">${method.description}${method.id === 'home' ? ' (kr 199,00 til postnummer 8000–9999)' : ''}</span></label></div>`,
  )}
  ${errors.shippingMethodId ? html`<div class="error" id="shipping-error" data-testid="error-shippingMethodId">${errors.shippingMethodId}</div>` : ''}
  </fieldset>
</div>
<aside class="panel" aria-label="Ordresammendrag">
  <h2>Din ordre</h2>
  <table class="lines"><tbody>
  ${cart.lines.map((line) => html`<tr><td>${line.quantity} × ${line.product.name}</td><td class="amount">${formatKroner(line.grossAmount)}</td></tr>`)}
  </tbody><tfoot><tr><td>Sum varer</td><td class="amount">${formatKroner(cart.goodsAmount)}</td></tr></tfoot></table>
  <p class="muted">Frakt kommer i tillegg etter valget ditt. Beløpet reserveres i Vipps og trekkes først når varene sendes.</p>
  <button type="submit" class="vipps-button" data-testid="pay-with-vipps">Betal med <strong>Vipps</strong></button>
</aside>
</form>`
}

/** The return page while the payment's outcome is not known yet; it reloads itself. */
export function waitingView(view: OrderView): Html {
  const unknown = view.order.state === 'unknown'
  return html`<section class="panel" data-testid="waiting" aria-live="polite">
<h1>Venter på Vipps …</h1>
<div class="spinner" aria-hidden="true"></div>
<p>${unknown ? 'Vi har ikke fått svar fra Vipps ennå. Vi sjekker på nytt automatisk.' : 'Vi venter på at betalingen bekreftes. Siden oppdaterer seg selv.'}</p>
<p class="muted">Ordre ${view.order.number}</p>
${view.payment.redirectUrl && !unknown ? html`<p><a href="${view.payment.redirectUrl}">Tilbake til Vipps for å bekrefte</a></p>` : ''}
${unknown ? html`<form method="post" action="/ordre/${view.order.id}/betal"><button type="submit">Prøv igjen</button></form>` : ''}
</section>`
}

function lineRows(lines: OrderLineRow[]) {
  return lines.map(
    (line) =>
      html`<tr data-testid="order-line"><td>${line.isShipping ? line.name : `${line.quantity} × ${line.name}`}</td><td class="amount">${formatRate(line.vatRate)}</td><td class="amount">${formatKroner(line.grossAmount)}</td></tr>`,
  )
}

/** The confirmed order, as the shopper sees it after paying. */
export function confirmationView(view: OrderView): Html {
  const { order, lines } = view
  const vat = lines.reduce((sum, line) => sum + line.vatAmount, 0)
  return html`<section data-testid="confirmation" data-order-number="${order.number}">
<h1>Takk for bestillingen!</h1>
<p class="message ok" role="status">Betalingen er godkjent i Vipps. Ordrenummer <strong data-testid="order-number">${order.number}</strong>. Beløpet trekkes når varene sendes.</p>
<div class="two-col">
<div>
<h2>Varer</h2>
<table class="lines"><thead><tr><th>Vare</th><th class="amount">Mva.</th><th class="amount">Sum</th></tr></thead>
<tbody>${lineRows(lines)}</tbody>
<tfoot><tr><td colspan="2">Totalt</td><td class="amount" data-testid="order-total">${formatKroner(order.totalAmount)}</td></tr>
<tr><td colspan="2" class="muted">Herav mva.</td><td class="amount muted">${formatKroner(vat)}</td></tr></tfoot></table>
</div>
<div class="panel">
<h2>Levering</h2>
<p data-testid="shipping-method">${order.shippingMethodName ?? ''}</p>
<address data-testid="delivery-address">${order.customerName ?? ''}<br>${order.addressLine1 ?? ''}${order.addressLine2 ? html`<br>${order.addressLine2}` : ''}<br>${order.postalCode ?? ''} ${order.city ?? ''}</address>
<p class="muted">Bekreftelse sendes til ${order.customerEmail ?? 'e-posten din'}.</p>
</div>
</div>
<p><a href="/">Fortsett å handle</a></p>
</section>`
}

/** A page for an order that will not be paid (cancelled, or an express payment that failed). */
export function closedView(view: OrderView, text: string): Html {
  const productId = view.lines.find((l) => !l.isShipping)?.productId
  return html`<h1>Ordre ${view.order.number}</h1><p>${text}</p>
<p class="actions">${productId ? html`<a class="button" href="/produkt/${productId}">Tilbake til varen</a>` : ''}<a href="/">Til forsiden</a></p>`
}
