/**
 * The printed receipt: an HTML page sized for an 80 mm receipt printer (the
 * browser prints it), with the lines, the VAT summary, the payment and the
 * receipt number as a CODE 128 barcode. The return receipt has the same
 * shape for the refunded lines. Everything from the database is escaped
 * (product names are typed by managers).
 */
import type { Currency } from '@kasse/vipps'
import { localDateTime } from '../journal/local-time.ts'
import { rateToPercent } from '../money/vat.ts'
import { receiptBarcodeData } from './barcode-data.ts'
import { code128Svg } from './code128.ts'

export interface ReceiptStore {
  name: string
  msn: string
  timeZone: string
}

export interface ReceiptLine {
  name: string
  quantity: number
  unitPrice: number
  discountAmount: number
  grossAmount: number
  vatRate: number
}

export interface VatLine {
  vatRate: number
  grossAmount: number
  vatAmount: number
  netAmount: number
}

export interface ReceiptPayment {
  reference: string
  pspReference: string | null
  amount: number
}

export interface ReceiptDocument {
  kind: 'sale' | 'return'
  store: ReceiptStore
  posId: string
  receiptNumber: number
  /** For a return: the sale's receipt number. */
  originalReceiptNumber?: number
  at: Date
  currency: Currency
  lines: ReceiptLine[]
  total: number
  vat: VatLine[]
  payment: ReceiptPayment
}

/**
 * @example
 * const html = receiptHtml({ kind: 'sale', store, posId: 'till-1', receiptNumber: 42, … })
 */
export function receiptHtml(doc: ReceiptDocument): string {
  const isReturn = doc.kind === 'return'
  const money = (value: number) => formatMoney(value, doc.currency)
  const lines = doc.lines
    .map((line) => {
      const detail =
        line.quantity > 1 || line.discountAmount > 0
          ? `<div class="detail">${line.quantity} × ${money(line.unitPrice)}${
              line.discountAmount > 0 ? ` − rabatt ${money(line.discountAmount)}` : ''
            }</div>`
          : ''
      return `<div class="line"><span>${escapeHtml(line.name)}</span><span>${money(isReturn ? -line.grossAmount : line.grossAmount)}</span></div>${detail}`
    })
    .join('\n')
  const vat = doc.vat
    .map(
      (v) =>
        `<tr><td>${formatRate(v.vatRate)}</td><td>${money(v.netAmount)}</td><td>${money(v.vatAmount)}</td><td>${money(v.grossAmount)}</td></tr>`,
    )
    .join('\n')
  const title = isReturn ? 'RETURKVITTERING' : 'KVITTERING'
  return `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>${title} ${doc.receiptNumber} – ${escapeHtml(doc.store.name)}</title>
<style>
  @page { size: 80mm auto; margin: 0; }
  * { box-sizing: border-box; }
  body { width: 80mm; margin: 0; padding: 4mm; font: 11px/1.35 "DejaVu Sans Mono", Menlo, Consolas, monospace; color: #000; }
  h1 { font-size: 14px; text-align: center; margin: 0 0 1mm; }
  .center { text-align: center; }
  .line { display: flex; justify-content: space-between; gap: 2mm; }
  .line span:first-child { overflow-wrap: anywhere; }
  .detail { padding-left: 3mm; font-size: 10px; }
  .total { font-weight: bold; font-size: 13px; border-top: 1px dashed #000; margin-top: 2mm; padding-top: 1mm; }
  hr { border: 0; border-top: 1px dashed #000; margin: 2mm 0; }
  table { width: 100%; border-collapse: collapse; font-size: 10px; }
  th, td { text-align: right; padding: 0; }
  th:first-child, td:first-child { text-align: left; }
  .barcode { display: block; margin: 3mm auto 0; max-width: 100%; }
  @media screen { body { margin: 8px auto; box-shadow: 0 0 4px #999; } }
</style>
</head>
<body>
<h1>${escapeHtml(doc.store.name)}</h1>
<div class="center">${title}</div>
<hr>
<div class="line"><span>Kvittering nr.</span><span>${doc.receiptNumber}</span></div>
${isReturn ? `<div class="line"><span>Retur av kvittering</span><span>${doc.originalReceiptNumber}</span></div>\n` : ''}<div class="line"><span>Kasse</span><span>${escapeHtml(doc.posId)}</span></div>
<div class="line"><span>Dato</span><span>${localDateTime(doc.at, doc.store.timeZone)}</span></div>
<hr>
${lines}
<div class="line total"><span>${isReturn ? 'TILBAKE' : 'TOTALT'}</span><span>${money(isReturn ? -doc.total : doc.total)}</span></div>
<hr>
<table>
<thead><tr><th>MVA</th><th>Grunnlag</th><th>MVA</th><th>Sum</th></tr></thead>
<tbody>
${vat}
</tbody>
</table>
<hr>
<div class="line"><span>${isReturn ? 'Tilbakebetalt til' : 'Betalt med'}</span><span>Vipps MobilePay</span></div>
<div class="line"><span>Beløp</span><span>${money(doc.payment.amount)}</span></div>
<div class="line"><span>Referanse</span><span>${escapeHtml(doc.payment.reference)}</span></div>
${doc.payment.pspReference ? `<div class="line"><span>PSP-ref.</span><span>${escapeHtml(doc.payment.pspReference)}</span></div>\n` : ''}<div class="line"><span>Brukerstednr.</span><span>${escapeHtml(doc.store.msn)}</span></div>
${code128Svg(receiptBarcodeData(doc.receiptNumber))}
</body>
</html>
`
}

/**
 * Minor units as a receipt prints them: `1 234,50 kr`, `-49,90 kr`, `12,00 €`.
 * Integer arithmetic only.
 */
export function formatMoney(value: number, currency: Currency): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')
  const cents = String(abs % 100).padStart(2, '0')
  return `${sign}${whole},${cents}\u00a0${currency === 'EUR' ? '€' : 'kr'}`
}

function formatRate(rate: number): string {
  return `${String(rateToPercent(rate)).replace('.', ',')} %`
}

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
