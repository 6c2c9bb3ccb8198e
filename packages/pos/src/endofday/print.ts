/**
 * The Z report on paper and in a spreadsheet: a printable A4 page (the
 * browser prints it) with the takings by hour as an inline SVG bar chart, and
 * a CSV export with one row per figure. Names come from the database and are
 * escaped (a cashier's name is typed by a manager).
 */
import { minorUnitsText, toCsv } from '@kasse/vipps'
import { localDateTime } from '../journal/local-time.ts'
import { escapeHtml, formatMoney } from '../receipts/html.ts'
import type { Amounts, CountedAmounts, ZReport } from './report.ts'

const CHART = { width: 720, height: 220, left: 64, bottom: 28, top: 12 }

/**
 * Gross takings per hour as bars (sales up; a refund-heavy hour goes below
 * the axis), labelled every third hour. `role="img"` with a title, so a
 * screen reader says what it is.
 */
export function takingsChartSvg(report: Pick<ZReport, 'byHour' | 'store'>): string {
  const values = report.byHour.map((h) => h.takings)
  const max = Math.max(1, ...values)
  const min = Math.min(0, ...values)
  const plotHeight = CHART.height - CHART.top - CHART.bottom
  const scale = plotHeight / (max - min)
  const zeroY = CHART.top + max * scale
  const slot = (CHART.width - CHART.left) / 24
  const bars = report.byHour
    .map(({ hour, takings }) => {
      if (takings === 0) return ''
      const height = Math.max(1, Math.abs(takings) * scale)
      const x = CHART.left + hour * slot + slot * 0.15
      const y = takings > 0 ? zeroY - height : zeroY
      const label = `${String(hour).padStart(2, '0')}:00 ${formatMoney(takings, report.store.currency)}`
      return `<rect class="bar${takings < 0 ? ' negative' : ''}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}"><title>${escapeHtml(label)}</title></rect>`
    })
    .join('')
  const hours = report.byHour
    .filter(({ hour }) => hour % 3 === 0)
    .map(
      ({ hour }) =>
        `<text x="${(CHART.left + hour * slot + slot / 2).toFixed(1)}" y="${CHART.height - 8}" text-anchor="middle">${String(hour).padStart(2, '0')}</text>`,
    )
    .join('')
  const axis = `<line x1="${CHART.left}" x2="${CHART.width}" y1="${zeroY.toFixed(1)}" y2="${zeroY.toFixed(1)}" stroke="#555"/>`
  const top = `<text x="${CHART.left - 6}" y="${CHART.top + 4}" text-anchor="end">${escapeHtml(formatMoney(max, report.store.currency))}</text>`
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-labelledby="chart-title"><title id="chart-title">Omsetning per time</title><style>.bar{fill:#ff5b24}.bar.negative{fill:#8a8a8a}text{font:11px sans-serif;fill:#333}</style>${axis}${bars}${hours}${top}</svg>`
}

/** The printable Z report page. */
export function zReportHtml(report: ZReport): string {
  const money = (value: number) => formatMoney(value, report.store.currency)
  const amountCells = (a: Amounts) =>
    `<td>${money(a.netAmount)}</td><td>${money(a.vatAmount)}</td><td>${money(a.grossAmount)}</td>`
  const scope = report.scope.kind === 'store' ? 'Hele butikken' : `Kasse ${escapeHtml(report.scope.posId)}`
  const vat = report.byVatRate
    .map((row) => `<tr><td>${String(row.vatRate).replace('.', ',')} %</td>${amountCells(row.takings)}</tr>`)
    .join('\n')
  type Row = { sales: CountedAmounts; refunds: CountedAmounts; takings: Amounts }
  const people = (rows: Array<Row & { label: string }>) =>
    rows
      .map(
        (row) =>
          `<tr><td>${escapeHtml(row.label)}</td><td>${row.sales.count}</td><td>${money(row.sales.grossAmount)}</td><td>${row.refunds.count}</td><td>${money(row.refunds.grossAmount)}</td><td>${money(row.takings.grossAmount)}</td></tr>`,
      )
      .join('\n')
  const ended = report.paymentRequestsWithoutPayment
  const at = (iso: string) => localDateTime(new Date(iso), report.store.timeZone)
  const status =
    report.status === 'closed' && report.closed
      ? `Dagen er avsluttet ${at(report.closed.at)} av ${escapeHtml(report.closed.by)}`
      : `Dagen er åpen — foreløpig rapport per ${at(report.generatedAt)}`
  return `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Z-rapport ${report.date} – ${escapeHtml(report.store.name)}</title>
<style>
  @page { size: A4; margin: 15mm; }
  body { font: 12px/1.4 system-ui, sans-serif; color: #000; max-width: 190mm; margin: 0 auto; }
  h1 { font-size: 18px; margin: 0; }
  h2 { font-size: 14px; margin: 6mm 0 2mm; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: right; padding: 1mm 2mm; border-bottom: 1px solid #ddd; }
  th:first-child, td:first-child { text-align: left; }
  .status { margin: 2mm 0; }
  .chart { width: 100%; height: auto; }
  .sum td { font-weight: bold; }
</style>
</head>
<body>
<h1>Z-rapport ${report.date} — ${escapeHtml(report.store.name)}</h1>
<div>${scope} · Brukerstednr. ${escapeHtml(report.store.msn)}</div>
<div class="status">${status}</div>
<h2>Sammendrag</h2>
<table>
<thead><tr><th></th><th>Antall</th><th>Grunnlag</th><th>MVA</th><th>Sum</th></tr></thead>
<tbody>
<tr><td>Salg</td><td>${report.sales.count}</td>${amountCells(report.sales)}</tr>
<tr><td>Returer</td><td>${report.refunds.count}</td>${amountCells(report.refunds)}</tr>
<tr class="sum"><td>Omsetning</td><td></td>${amountCells(report.takings)}</tr>
</tbody>
</table>
<div>Varer solgt: ${report.sales.items} · rabatter: ${money(report.sales.discountAmount)} · varer returnert: ${report.refunds.items}</div>
<div>Betalingsforespørsler uten betaling: ${ended.cancelled} avbrutt, ${ended.declined} avvist, ${ended.expired} utløpt, ${ended.failed} feilet</div>
${report.carriedOver.sales + report.carriedOver.refunds > 0 ? `<div>Fra forrige dag, registrert etter at den ble avsluttet: ${report.carriedOver.sales} salg, ${report.carriedOver.refunds} returer</div>` : ''}
<h2>Omsetning per time</h2>
${takingsChartSvg(report)}
<h2>MVA</h2>
<table>
<thead><tr><th>Sats</th><th>Grunnlag</th><th>MVA</th><th>Sum</th></tr></thead>
<tbody>
${vat}
</tbody>
</table>
<h2>Per kasserer</h2>
<table>
<thead><tr><th>Kasserer</th><th>Salg</th><th>Beløp</th><th>Returer</th><th>Beløp</th><th>Omsetning</th></tr></thead>
<tbody>
${people(report.byCashier.map((row) => ({ ...row, label: `${row.staffNumber} ${row.name}` })))}
</tbody>
</table>
<h2>Per kasse</h2>
<table>
<thead><tr><th>Kasse</th><th>Salg</th><th>Beløp</th><th>Returer</th><th>Beløp</th><th>Omsetning</th></tr></thead>
<tbody>
${people(report.byTill.map((row) => ({ ...row, label: `${row.posId} ${row.name}` })))}
</tbody>
</table>
</body>
</html>
`
}

/**
 * The Z report as CSV: `section,key,name,count,net,vat,gross` — the summary,
 * each VAT rate, cashier, till and hour (amounts as 49.90, in the store's currency).
 */
export function zReportCsv(report: ZReport): string {
  const amounts = (a: Amounts) => [
    minorUnitsText(a.netAmount),
    minorUnitsText(a.vatAmount),
    minorUnitsText(a.grossAmount),
  ]
  const gross = (value: number) => ['', '', minorUnitsText(value)]
  const rows = [
    ['summary', 'sales', '', report.sales.count, ...amounts(report.sales)],
    ['summary', 'refunds', '', report.refunds.count, ...amounts(report.refunds)],
    ['summary', 'takings', '', '', ...amounts(report.takings)],
    ...report.byVatRate.map((row) => ['vat', String(row.vatRate), '', '', ...amounts(row.takings)]),
    ...report.byCashier.flatMap((row) => [
      ['cashier-sales', row.staffNumber, row.name, row.sales.count, ...amounts(row.sales)],
      ['cashier-refunds', row.staffNumber, row.name, row.refunds.count, ...amounts(row.refunds)],
    ]),
    ...report.byTill.flatMap((row) => [
      ['till-sales', row.posId, row.name, row.sales.count, ...amounts(row.sales)],
      ['till-refunds', row.posId, row.name, row.refunds.count, ...amounts(row.refunds)],
    ]),
    ...report.byHour.map((row) => ['hour', String(row.hour).padStart(2, '0'), '', '', ...gross(row.takings)]),
  ]
  return toCsv(['section', 'key', 'name', 'count', 'net', 'vat', 'gross'], rows)
}
