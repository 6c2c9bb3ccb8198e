// An ePayment receipt (orderLines and bottomLine) as a table, as the app and
// the landing page show it: each line with its quantity, unit price, discount
// and VAT rate, then the total and the VAT in it. Built from elements with
// textContent only, so a line's name from a merchant stays text.
import { formatAmount } from './common.js'

/** An element with a class and, optionally, its text. */
function element(tag, className, text) {
  const made = document.createElement(tag)
  if (className) made.className = className
  if (text !== undefined) made.textContent = text
  return made
}

/** "2 × kr 10,00" for a line with unit info, or nothing. */
function quantityText(line, currency) {
  const unit = line.unitInfo
  if (!unit || unit.unitPrice === null || unit.unitPrice === undefined) return ''
  const quantityUnit =
    unit.quantityUnit && unit.quantityUnit !== 'PCS' ? ` ${unit.quantityUnit.toLowerCase()}` : ''
  const price = formatAmount({ currency, value: unit.unitPrice })
  return `${unit.quantity}${quantityUnit} × ${price}`
}

/** "VAT 25 %" from taxRate (hundredths of a percent) or taxPercentage. */
function vatText(line) {
  const percent =
    typeof line.taxRate === 'number'
      ? line.taxRate / 100
      : typeof line.taxPercentage === 'number'
        ? line.taxPercentage
        : undefined
  return percent === undefined ? '' : `VAT ${String(percent).replace('.', ',')} %`
}

function lineRow(line, currency) {
  const row = element('tr', 'receipt-line')
  const about = element('td')
  const name = element('div', 'line-name', line.name)
  const tags = [line.isReturn && 'return', line.isShipping && 'shipping'].filter(Boolean)
  for (const tag of tags) name.append(element('span', 'tag', tag))
  const discount = line.discount ? ` (discount ${formatAmount({ currency, value: line.discount })})` : ''
  about.append(
    name,
    element('div', 'detail line-quantity', quantityText(line, currency) + discount),
    element('div', 'detail line-vat', vatText(line)),
  )
  const total = line.isReturn ? -Math.abs(line.totalAmount) : line.totalAmount
  row.append(about, element('td', 'line-total', formatAmount({ currency, value: total })))
  return row
}

function footRow(className, label, totalClass, text) {
  const row = element('tr', className)
  row.append(element('td', '', label), element('td', `line-total ${totalClass}`, text))
  return row
}

/**
 * The receipt's table, or undefined when it has no lines. `amount` is the
 * payment's amount, the receipt's total.
 *
 * @example
 * const table = receiptTable(payment.receipt, payment.amount)
 * if (table) card.append(table)
 */
export function receiptTable(receipt, amount) {
  const lines = receipt?.orderLines ?? []
  if (!lines.length) return undefined
  const currency = receipt.bottomLine?.currency ?? amount.currency
  const vat = lines.reduce((sum, line) => sum + (line.isReturn ? -1 : 1) * line.totalTaxAmount, 0)
  const table = element('table', 'receipt')
  const body = element('tbody')
  body.append(...lines.map((line) => lineRow(line, currency)))
  const foot = element('tfoot')
  foot.append(
    footRow('', 'Total', 'receipt-total', formatAmount(amount)),
    footRow('vat', 'of which VAT', 'receipt-vat', formatAmount({ currency, value: vat })),
  )
  table.append(body, foot)
  return table
}
