/**
 * The settlement page (`/admin/avregning`): one day's orders against the
 * platform's settlement report, differences first, with the totals that
 * explain the payout. Server-rendered; the date is chosen with a GET form.
 */
import type { ReconciliationLine, ReconciliationStatus } from '@kasse/vipps'
import { formatKroner } from '../money.ts'
import { addDays } from '../settlement/local-day.ts'
import type { ShopDaySettlement, ShopRecord } from '../settlement/service.ts'
import { type Html, html } from '../web/html.ts'

/** Each line status in the owner's words. */
export const STATUS_TEXT: Record<ReconciliationStatus, string> = {
  'missing-on-platform': 'Mangler hos Vipps',
  'missing-in-records': 'Mangler i nettbutikken',
  'amount-mismatch': 'Beløpet avviker',
  matched: 'Stemmer',
  'other-channel': 'Annen salgskanal (kassen)',
  fee: 'Gebyr',
  payout: 'Utbetaling',
  adjustment: 'Justering',
}

const KIND_TEXT: Record<string, string> = {
  capture: 'Trekk',
  refund: 'Refusjon',
  'capture-fee': 'Gebyr',
  'fees-retained': 'Gebyrer holdt tilbake',
  'scheduled-for-payout': 'Satt til utbetaling',
}

const amount = (value: number | undefined) => (value === undefined ? '' : formatKroner(value))

/** The date picker and the neighbouring days; no link past today. */
function dateForm(date: string, today: string): Html {
  const next = addDays(date, 1)
  return html`<form method="get" action="/admin/avregning" class="actions">
<label for="dato">Dato</label><input id="dato" name="dato" type="date" value="${date}" max="${today}" required>
<button type="submit" class="secondary">Vis</button>
<a href="/admin/avregning?dato=${addDays(date, -1)}">← forrige dag</a>
${next <= today ? html`<a href="/admin/avregning?dato=${next}">neste dag →</a>` : ''}
</form>`
}

/** The order a line is about, linked, when the reference is the shop's. */
function orderCell(day: ShopDaySettlement, reference: string): Html | string {
  const found = day.orders.get(reference)
  return found ? html`<a href="/admin/ordre/${found.id}">${found.number}</a>` : ''
}

function line(day: ShopDaySettlement, row: ReconciliationLine<ShopRecord>): Html {
  return html`<tr data-testid="settlement-line" data-status="${row.status}" data-reference="${row.reference}">
<td><span class="badge ${row.difference ? 'payment_failed' : row.status === 'matched' ? 'shipped' : 'pending_payment'}">${STATUS_TEXT[row.status]}</span></td>
<td>${KIND_TEXT[row.kind] ?? row.kind}</td><td>${orderCell(day, row.reference)}</td>
<td class="muted">${row.reference}</td><td class="muted">${row.pspReference}</td>
<td class="amount">${amount(row.recordedAmount === undefined ? undefined : row.kind === 'refund' ? -row.recordedAmount : row.recordedAmount)}</td>
<td class="amount">${amount(row.settledAmount)}</td><td class="amount">${amount(row.fee === undefined ? undefined : -row.fee)}</td></tr>`
}

/** What the shop recorded, before the platform has settled the day. */
function recordsTable(day: ShopDaySettlement): Html {
  if (day.records.length === 0) return html`<p>Ingen trekk eller refusjoner i nettbutikken denne dagen.</p>`
  const captured = day.records.filter((r) => r.kind === 'capture').reduce((sum, r) => sum + r.amount, 0)
  const refunded = day.records.filter((r) => r.kind === 'refund').reduce((sum, r) => sum + r.amount, 0)
  return html`<table class="lines" data-testid="shop-records">
<thead><tr><th>Ordre</th><th>Type</th><th>Referanse</th><th class="amount">Beløp</th></tr></thead>
<tbody>${day.records.map(
    (
      r,
    ) => html`<tr data-testid="shop-record" data-reference="${r.reference}"><td><a href="/admin/ordre/${r.orderId}">${r.orderNumber}</a></td>
<td>${KIND_TEXT[r.kind]}</td><td class="muted">${r.reference}</td><td class="amount">${formatKroner(r.kind === 'refund' ? -r.amount : r.amount)}</td></tr>`,
  )}</tbody>
<tfoot><tr><td colspan="3">Trukket ${formatKroner(captured)} · refundert ${formatKroner(refunded)}</td><td class="amount">${formatKroner(captured - refunded)}</td></tr></tfoot></table>`
}

/** The settled day's totals: the payout identity, and what explains a payout that differs from it. */
function totals(day: ShopDaySettlement): Html {
  const result = day.result!
  const t = result.totals
  return html`<dl class="facts" data-testid="settlement-totals">
<dt>Trukket i nettbutikken</dt><dd data-testid="recorded-captures">${formatKroner(t.recordedCaptures)}</dd>
<dt>Refundert i nettbutikken</dt><dd data-testid="recorded-refunds">${formatKroner(t.recordedRefunds)}</dd>
<dt>Trekk i rapporten</dt><dd data-testid="captures">${formatKroner(t.captures)}${result.otherChannels.captures > 0 ? html` <span class="muted">(hvorav kassen ${formatKroner(result.otherChannels.captures)})</span>` : ''}</dd>
<dt>Refusjoner i rapporten</dt><dd data-testid="refunds">${formatKroner(t.refunds)}</dd>
<dt>Gebyrer</dt><dd data-testid="fees">${formatKroner(t.fees)}</dd>
${t.adjustments !== 0 ? html`<dt>Justeringer</dt><dd data-testid="adjustments">${formatKroner(t.adjustments)}</dd>` : ''}
<dt>Forventet utbetaling</dt><dd data-testid="expected-payout">${formatKroner(t.expectedPayout)} <span class="muted">= trekk − refusjoner − gebyrer${t.adjustments !== 0 ? ' + justeringer' : ''}</span></dd>
<dt>Satt til utbetaling</dt><dd data-testid="payout">${formatKroner(t.payout)}${
    t.payout !== t.expectedPayout
      ? html` <span class="muted">(saldo fra tidligere dager: ${formatKroner(t.openingBalance)}; saldo etter: ${formatKroner(t.closingBalance)})</span>`
      : ''
  }</dd>
</dl>`
}

export function settlementView(day: ShopDaySettlement, today: string): Html {
  const { result } = day
  const heading = html`<div class="actions spread"><h1>Avregning ${day.date}</h1>${
    result ? html`<a href="/admin/avregning.csv?dato=${day.date}" data-testid="csv">Last ned CSV</a>` : ''
  }</div>
${dateForm(day.date, today)}`
  if (!result) {
    return html`${heading}
<p class="message info" role="status" data-testid="not-settled">Ikke avregnet ennå: Vipps MobilePay lukker ${day.date} ved midnatt, og rapporten kommer etter det. Her er det nettbutikken har registrert så langt.</p>
${recordsTable(day)}`
  }
  return html`${heading}
${
  result.differences === 0
    ? html`<p class="message ok" role="status" data-testid="verdict" data-differences="0">Alt stemmer: hvert trekk og hver refusjon i nettbutikken er avregnet som registrert.</p>`
    : html`<p class="message error" role="alert" data-testid="verdict" data-differences="${result.differences}">${result.differences} avvik – de står øverst i tabellen.</p>`
}
${day.status === 'settling' ? html`<p class="message info" role="status">Dagen er ikke lukket ennå; rapporten kan få flere linjer.</p>` : ''}
${totals(day)}
<h2>Linjer</h2>
<table class="lines" data-testid="settlement-lines">
<thead><tr><th>Status</th><th>Type</th><th>Ordre</th><th>Referanse</th><th>pspReference</th><th class="amount">Nettbutikken</th><th class="amount">Vipps</th><th class="amount">Gebyr</th></tr></thead>
<tbody>${result.lines.map((row) => line(day, row))}</tbody></table>`
}

/** The date form alone (at today), under a message saying what was wrong: a bad date, the platform not answering. */
export function settlementProblemView(today: string): Html {
  return html`<h1>Avregning</h1>${dateForm(today, today)}`
}
