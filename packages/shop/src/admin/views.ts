/** The order admin's pages: the order list and one order with its shipping, cancel and refund forms. */
import type { OperationRow, OrderRow, PaymentRow } from '../db/schema.ts'
import { formatKroner } from '../money.ts'
import { canCancel, canShip, describeState } from '../orders/machine.ts'
import { describeOperation, isOpen } from '../orders/operations.ts'
import type { OrderView } from '../orders/store.ts'
import { type Html, html } from '../web/html.ts'

const dateTime = new Intl.DateTimeFormat('nb-NO', {
  dateStyle: 'short',
  timeStyle: 'short',
  timeZone: 'Europe/Oslo',
})

const flowName = (order: OrderRow) => (order.flow === 'epayment' ? 'Vipps' : 'Hurtigkasse')

/** The payment's money in one line: reserved, captured, refunded, released. */
export function paymentSummary(pay: PaymentRow): Html {
  return html`<span data-testid="payment-summary">Reservert ${formatKroner(pay.authorizedAmount)} · trukket <span data-testid="captured">${formatKroner(pay.capturedAmount)}</span> · refundert <span data-testid="refunded">${formatKroner(pay.refundedAmount)}</span>${pay.cancelledAmount > 0 ? html` · frigitt ${formatKroner(pay.cancelledAmount)}` : ''}</span>`
}

export function signInView(error?: string): Html {
  return html`<section class="panel narrow">
<h1>Logg inn</h1>
<form method="post" action="/admin/logg-inn">
<div class="field"><label for="username">Brukernavn</label><input id="username" name="username" type="text" autocomplete="username" required></div>
<div class="field"><label for="password">Passord</label><input id="password" name="password" type="password" autocomplete="current-password" required${error ? html` aria-invalid="true"` : ''}>
${error ? html`<div class="error" data-testid="error-password">${error}</div>` : ''}</div>
<button type="submit">Logg inn</button>
</form></section>`
}

export function orderListView(orders: (OrderRow & { payment: PaymentRow })[], csrf: string): Html {
  return html`<div class="actions spread"><h1>Ordrer</h1>
<form method="post" action="/admin/logg-ut"><input type="hidden" name="csrf" value="${csrf}"><button class="secondary" type="submit">Logg ut</button></form></div>
${
  orders.length === 0
    ? html`<p>Ingen ordrer ennå.</p>`
    : html`<table class="lines" data-testid="orders">
<thead><tr><th>Ordre</th><th>Dato</th><th>Kunde</th><th>Betaling</th><th>Status</th><th class="amount">Total</th><th>Penger</th></tr></thead>
<tbody>${orders.map(
        (o) => html`<tr data-testid="order-row" data-order-number="${o.number}">
<td><a href="/admin/ordre/${o.id}">${o.number}</a></td><td>${dateTime.format(o.createdAt)}</td>
<td>${o.customerName ?? html`<span class="muted">–</span>`}</td><td>${flowName(o)}</td>
<td><span class="badge ${o.state}" data-testid="state">${describeState(o.state)}</span></td>
<td class="amount">${formatKroner(o.totalAmount)}</td><td>${paymentSummary(o.payment)}</td></tr>`,
      )}</tbody></table>`
}`
}

function operationLine(op: OperationRow): Html {
  const state = { requested: 'sendt', done: 'utført', unknown: 'ukjent – prøves igjen', refused: 'avvist' }[
    op.state
  ]
  return html`<li data-testid="operation" data-kind="${op.kind}" data-state="${op.state}">${describeOperation(op.kind)}${op.amount !== null ? html` ${formatKroner(op.amount)}` : ''}: ${state}${op.error ? html` (${op.error})` : ''}</li>`
}

export function orderView(view: OrderView, csrf: string): Html {
  const { order, lines, payment } = view
  const open = view.operations.some((op) => isOpen(op.state))
  const shippable = canShip(order.state) && !open
  const refundable = payment.capturedAmount - payment.refundedAmount
  const goods = lines.filter((line) => !line.isShipping)
  return html`<p><a href="/admin">← Alle ordrer</a></p>
<h1>Ordre ${order.number} <span class="badge ${order.state}" data-testid="order-state" data-state="${order.state}">${describeState(order.state)}</span></h1>
<div class="two-col">
<div>
<form method="post" action="/admin/ordre/${order.id}/send">
<input type="hidden" name="csrf" value="${csrf}">
<table class="lines" data-testid="admin-lines">
<thead><tr><th>Vare</th><th>Bestilt</th><th>Sendt</th><th>Kansellert</th>${shippable ? html`<th>Send nå</th>` : ''}<th class="amount">Sum</th></tr></thead>
<tbody>${lines.map((line) => {
    const left = line.quantity - line.shippedQuantity - line.cancelledQuantity
    return html`<tr data-testid="admin-line" data-line-no="${line.lineNo}">
<td>${line.name}</td><td>${line.quantity}</td><td data-testid="shipped">${line.shippedQuantity}</td><td>${line.cancelledQuantity}</td>
${shippable ? html`<td>${line.isShipping ? html`<span class="muted">${left > 0 ? 'med første sending' : ''}</span>` : html`<label class="skip" for="quantity_${line.lineNo}">Send antall ${line.name}</label><input class="qty" type="number" min="0" max="${left}" id="quantity_${line.lineNo}" name="quantity_${line.lineNo}" value="${left}"${left === 0 ? html` disabled` : ''}>`}</td>` : ''}
<td class="amount">${formatKroner(line.grossAmount)}</td></tr>`
  })}</tbody>
<tfoot><tr><td colspan="${shippable ? 5 : 4}">Totalt</td><td class="amount">${formatKroner(order.totalAmount)}</td></tr></tfoot></table>
${
  shippable && goods.some((l) => l.quantity - l.shippedQuantity - l.cancelledQuantity > 0)
    ? html`<div class="field spaced"><label for="tracking">Sporingsnummer (valgfritt)</label><input id="tracking" name="tracking" type="text" maxlength="60"></div>
<button type="submit" data-testid="ship">Marker som sendt og trekk beløpet</button>`
    : ''
}
</form>
${open ? html`<p class="message info" role="status">En operasjon mot Vipps venter på svar; den prøves igjen automatisk med samme nøkkel.</p>` : ''}
<h2>Vipps-betaling</h2>
<p>${paymentSummary(payment)}</p>
<p class="muted">Referanse ${payment.reference} (${payment.provider === 'epayment' ? 'ePayment' : 'eCom hurtigkasse'})</p>
<div class="actions">
${canCancel(order.state) && !open ? html`<form method="post" action="/admin/ordre/${order.id}/kanseller"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary" data-testid="cancel">${order.state === 'partially_shipped' ? 'Kanseller resten' : 'Kanseller ordren'}</button></form>` : ''}
</div>
${
  refundable > 0 && !open
    ? html`<form method="post" action="/admin/ordre/${order.id}/refunder" class="actions spaced">
<input type="hidden" name="csrf" value="${csrf}">
<label for="amount">Refunder (kr)</label><input id="amount" name="amount" type="text" inputmode="decimal" value="${(refundable / 100).toFixed(2).replace('.', ',')}" class="amount-input">
<button type="submit" class="secondary" data-testid="refund">Refunder</button>
<span class="muted">høyst ${formatKroner(refundable)}</span></form>`
    : ''
}
${view.operations.length > 0 ? html`<h2>Hendelser</h2><ul data-testid="operations">${view.operations.map(operationLine)}</ul>` : ''}
</div>
<aside class="panel">
<h2>Kunde og levering</h2>
<dl class="facts">
<dt>Kunde</dt><dd data-testid="customer">${order.customerName ?? '–'}</dd>
<dt>E-post</dt><dd>${order.customerEmail ?? '–'}</dd>
<dt>Telefon</dt><dd>${order.customerPhone ? `+${order.customerPhone}` : '–'}</dd>
<dt>Adresse</dt><dd data-testid="address">${order.addressLine1 ?? '–'}${order.addressLine2 ? html`, ${order.addressLine2}` : ''}${order.postalCode ? html`, ${order.postalCode} ${order.city ?? ''}` : ''}</dd>
<dt>Frakt</dt><dd data-testid="shipping">${order.shippingMethodName ?? '–'}${order.shippingAmount !== null ? html` (${formatKroner(order.shippingAmount)})` : ''}</dd>
<dt>Betaling</dt><dd>${flowName(order)}</dd>
<dt>Bestilt</dt><dd>${dateTime.format(order.createdAt)}</dd>
${order.personalDataRemovedAt ? html`<dt>Personvern</dt><dd>Kundens data slettet ${dateTime.format(order.personalDataRemovedAt)}</dd>` : ''}
</dl>
${view.shipments.length > 0 ? html`<h2>Sendinger</h2><ul>${view.shipments.map((s) => html`<li data-testid="shipment" data-state="${s.state}">Sending ${s.number}: ${formatKroner(s.amount)}${s.tracking ? html` · ${s.tracking}` : ''} (${s.state === 'captured' ? 'trukket' : s.state === 'failed' ? 'avvist' : 'trekkes'})</li>`)}</ul>` : ''}
</aside>
</div>`
}
