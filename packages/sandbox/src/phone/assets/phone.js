// The simulated Vipps MobilePay app for one test user (/phone/:msisdn): their
// personal QR code, payment requests to approve or reject, eCom orders beside
// them (ecom.js, with express checkout's delivery choice), login requests to
// accept (with consents) or reject (logins.js), a field to "scan" a payment QR
// code, the payment history, and the shops the user shared their profile with
// — kept live over Server-Sent Events.
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
import { ecomCard, ecomCardKey, ecomHistoryEntry, sharedWithMerchants } from './ecom.js'
import { loginRequests } from './logins.js'
import { receiptTable } from './receipt.js'

const msisdn = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '')
const userPath = `/_sandbox/users/${encodeURIComponent(msisdn)}`
const $ = (id) => document.getElementById(id)

function showNotice(text) {
  const notice = $('notice')
  notice.textContent = text
  notice.hidden = !text
}

function requestCard(payment) {
  const card = fromTemplate('request-template')
  card.dataset.reference = payment.reference
  setText(card, '.merchant', payment.merchantName)
  setText(card, '.amount', formatAmount(payment.amount))
  setText(card, '.description', payment.paymentDescription ?? '')
  setText(card, '.expires', payment.expiresAt ? `Answer by ${timeOfDay(payment.expiresAt)}` : '')
  const receipt = receiptTable(payment.receipt, payment.amount)
  if (receipt) card.querySelector('.description').after(receipt)
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

/** A payment as a row of the history; eCom orders come as the same kind of entry (ecomHistoryEntry). */
const paymentHistoryEntry = (payment) => ({
  dataset: { reference: payment.reference },
  merchantName: payment.merchantName,
  createdAt: payment.createdAt,
  description: payment.paymentDescription,
  amount: payment.amount,
  word: stateInWords(payment),
})

function historyItem(entry) {
  const item = fromTemplate('history-template')
  Object.assign(item.dataset, entry.dataset)
  setText(item, '.history-initial', (entry.merchantName.trim()[0] ?? '?').toUpperCase())
  setText(item, '.history-merchant', entry.merchantName)
  const when = entry.createdAt ? shortDateTime(entry.createdAt) : ''
  setText(item, '.history-when', [when, entry.description].filter(Boolean).join(' · '))
  setText(item, '.history-amount', formatAmount(entry.amount))
  const badge = setText(item, '.history-state', entry.word)
  badge.dataset.word = entry.word
  return item
}

/**
 * Shows one card per item in `list`, in order. A card whose key is unchanged
 * is kept as it is, so what the person is looking at or choosing survives
 * other changes on the phone.
 */
function showCards(list, items, keyOf, build) {
  const shown = new Map([...list.children].map((card) => [card.dataset.key, card]))
  const cards = items.map((item) => {
    const key = keyOf(item)
    const card = shown.get(key) ?? build(item)
    card.dataset.key = key
    return card
  })
  const same = cards.length === list.children.length && cards.every((card, i) => list.children[i] === card)
  if (!same) list.replaceChildren(...cards)
}

/** What an eCom card needs of the page; set once the user is known. */
let ecomContext

const refreshPayments = serialised(async () => {
  const [result, ecom] = await Promise.all([
    api('GET', `${userPath}/payments`),
    api('GET', `${userPath}/ecom-orders`),
  ])
  if (!result.ok) {
    showNotice(problemMessage(result))
    return
  }
  const payments = result.body.payments ?? []
  const waiting = payments.filter(isWaiting)
  const pending = ecom.ok ? ecom.body.pending : []
  const ended = ecom.ok ? ecom.body.history : []
  showCards($('request-list'), waiting, (payment) => `${payment.msn}/${payment.reference}`, requestCard)
  showCards($('ecom-list'), pending, ecomCardKey, (order) => ecomCard(order, ecomContext))
  $('no-requests').hidden = waiting.length + pending.length > 0
  // Newest first, ePayment and eCom together, as one list of payments.
  const history = [
    ...payments.map(paymentHistoryEntry),
    ...[...pending, ...ended].map(ecomHistoryEntry),
  ].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  $('history').replaceChildren(...history.map(historyItem))
  $('no-history').hidden = history.length > 0
})

const refreshLogins = loginRequests(userPath, showNotice)
const refreshShared = sharedWithMerchants(userPath, showNotice)

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
  ecomContext = { userPath, user, showNotice, refresh: () => refreshPayments() }
  document.title = `Vipps — ${user.givenName} ${user.familyName}`
  $('name').textContent = `${user.givenName} ${user.familyName}`
  $('number').textContent = formatMsisdn(user.msisdn)
  for (const id of ['requests', 'qr-section', 'scan-section', 'history-section', 'shared-section'])
    $(id).hidden = false
  wireActions()
  const refreshAll = () => {
    refreshPayments()
    refreshLogins()
    refreshQr()
    refreshShared()
  }
  refreshAll()
  followPhone(msisdn, refreshAll, (state) => {
    $('live').dataset.state = state
    $('live').textContent = state
  })
}

start()
