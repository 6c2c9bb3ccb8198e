// The simulated Vipps MobilePay app for one test user (/phone/:msisdn): their
// personal QR code, payment requests to approve or reject, login requests to
// accept (with consents) or reject (logins.js), a field to "scan" a
// payment QR code, and the payment history — kept live over Server-Sent Events.
import {
  api,
  followPhone,
  formatAmount,
  formatMsisdn,
  fromTemplate,
  isWaiting,
  problemMessage,
  serialised,
  setText,
  shortDateTime,
  stateInWords,
  timeOfDay,
} from './common.js'
import { loginRequests } from './logins.js'

const msisdn = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '')
const userPath = `/_sandbox/users/${encodeURIComponent(msisdn)}`
const $ = (id) => document.getElementById(id)

function showNotice(text) {
  const notice = $('notice')
  notice.textContent = text
  notice.hidden = !text
}

/** "2 × kr 10,00" for a line with unit info, or nothing. */
function quantityText(line) {
  const unit = line.unitInfo
  if (!unit || unit.unitPrice === null || unit.unitPrice === undefined) return ''
  const quantityUnit =
    unit.quantityUnit && unit.quantityUnit !== 'PCS' ? ` ${unit.quantityUnit.toLowerCase()}` : ''
  const price = formatAmount({ currency: line.currency, value: unit.unitPrice })
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

function receiptLine(line, currency) {
  const row = fromTemplate('line-template')
  const nameCell = setText(row, '.line-name', line.name)
  const tags = [line.isReturn && 'return', line.isShipping && 'shipping'].filter(Boolean)
  for (const tag of tags) {
    const span = document.createElement('span')
    span.className = 'tag'
    span.textContent = tag
    nameCell.append(span)
  }
  const withCurrency = { ...line, currency }
  const discount = line.discount ? ` (discount ${formatAmount({ currency, value: line.discount })})` : ''
  setText(row, '.line-quantity', quantityText(withCurrency) + discount)
  setText(row, '.line-vat', vatText(line))
  const total = line.isReturn ? -Math.abs(line.totalAmount) : line.totalAmount
  setText(row, '.line-total', formatAmount({ currency, value: total }))
  return row
}

function requestCard(payment) {
  const card = fromTemplate('request-template')
  card.dataset.reference = payment.reference
  setText(card, '.merchant', payment.merchantName)
  setText(card, '.amount', formatAmount(payment.amount))
  setText(card, '.description', payment.paymentDescription ?? '')
  setText(card, '.expires', payment.expiresAt ? `Answer by ${timeOfDay(payment.expiresAt)}` : '')
  const lines = payment.receipt?.orderLines ?? []
  if (lines.length) {
    const currency = payment.receipt.bottomLine?.currency ?? payment.amount.currency
    const table = card.querySelector('.receipt')
    table.hidden = false
    table.tBodies[0].append(...lines.map((line) => receiptLine(line, currency)))
    const vat = lines.reduce((sum, line) => sum + (line.isReturn ? -1 : 1) * line.totalTaxAmount, 0)
    setText(card, '.receipt-total', formatAmount(payment.amount))
    setText(card, '.receipt-vat', formatAmount({ currency, value: vat }))
  }
  const answer = (action) => async () => {
    for (const button of card.querySelectorAll('button')) button.disabled = true
    const path = `${userPath}/payments/${encodeURIComponent(payment.msn)}/${encodeURIComponent(payment.reference)}/${action}`
    const result = await api('POST', path)
    if (!result.ok) {
      const message =
        result.status === 409 ? 'This request is no longer waiting for an answer.' : problemMessage(result)
      showNotice(message)
      for (const button of card.querySelectorAll('button')) button.disabled = false
    } else {
      showNotice(
        action === 'approve' ? `Paid ${formatAmount(payment.amount)} to ${payment.merchantName}.` : '',
      )
    }
    refreshPayments()
  }
  card.querySelector('.approve').addEventListener('click', answer('approve'))
  card.querySelector('.reject').addEventListener('click', answer('reject'))
  return card
}

function historyItem(payment) {
  const item = fromTemplate('history-template')
  item.dataset.reference = payment.reference
  setText(item, '.history-initial', (payment.merchantName.trim()[0] ?? '?').toUpperCase())
  setText(item, '.history-merchant', payment.merchantName)
  const when = payment.createdAt ? shortDateTime(payment.createdAt) : ''
  setText(item, '.history-when', [when, payment.paymentDescription].filter(Boolean).join(' · '))
  setText(item, '.history-amount', formatAmount(payment.amount))
  const word = stateInWords(payment)
  const badge = setText(item, '.history-state', word)
  badge.dataset.word = word
  return item
}

const refreshPayments = serialised(async () => {
  const result = await api('GET', `${userPath}/payments`)
  if (!result.ok) {
    showNotice(problemMessage(result))
    return
  }
  const payments = result.body.payments ?? []
  const waiting = payments.filter(isWaiting)
  // Keep a card the person is looking at: only rebuild when the waiting set changed.
  const list = $('request-list')
  const shown = [...list.children].map((card) => card.dataset.reference).join('\n')
  if (shown !== waiting.map((p) => p.reference).join('\n')) list.replaceChildren(...waiting.map(requestCard))
  $('no-requests').hidden = waiting.length > 0
  $('history').replaceChildren(...payments.map(historyItem))
  $('no-history').hidden = payments.length > 0
})

const refreshLogins = loginRequests(userPath, showNotice)

const refreshQr = serialised(async () => {
  const result = await api('GET', `${userPath}/qr`)
  if (!result.ok) return
  // An <img> of the SVG rather than inline markup: nothing in it can run.
  $('qr-image').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(result.body.svg)}`
  $('qr-content').textContent = result.body.content
})

function wireActions() {
  $('qr-rotate').addEventListener('click', async () => {
    const result = await api('POST', `${userPath}/qr/rotate`)
    if (!result.ok) showNotice(problemMessage(result))
    refreshQr()
  })
  $('qr-copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('qr-content').textContent)
      showNotice('Copied the QR code content.')
    } catch {
      showNotice('Select the text under the code to copy it.')
    }
  })
  $('scan-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const input = $('scan-content')
    const content = input.value.trim()
    $('scan-error').textContent = ''
    if (!content) {
      $('scan-error').textContent = 'Paste the content of a payment QR code first.'
      return
    }
    const result = await api('POST', `${userPath}/scan`, { content })
    if (!result.ok) {
      $('scan-error').textContent = problemMessage(result)
      return
    }
    input.value = ''
    refreshPayments()
  })
}

async function start() {
  const result = await api('GET', userPath)
  if (!result.ok) {
    $('name').textContent = 'Vipps'
    $('unknown-user').hidden = false
    $('unknown-user-text').textContent =
      result.status === 404
        ? `No test user has the number ${msisdn}. Choose one, or add it.`
        : problemMessage(result)
    return
  }
  const user = result.body
  document.title = `Vipps — ${user.givenName} ${user.familyName}`
  $('name').textContent = `${user.givenName} ${user.familyName}`
  $('number').textContent = formatMsisdn(user.msisdn)
  for (const id of ['requests', 'qr-section', 'scan-section', 'history-section']) $(id).hidden = false
  wireActions()
  refreshPayments()
  refreshLogins()
  refreshQr()
  followPhone(
    msisdn,
    () => {
      refreshPayments()
      refreshLogins()
      refreshQr()
    },
    (state) => {
      $('live').dataset.state = state
      $('live').textContent = state
    },
  )
}

start()
