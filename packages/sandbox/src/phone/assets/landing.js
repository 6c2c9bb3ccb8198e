// The landing page (/landing?token=…) where a WEB_REDIRECT payment sends the
// browser: it asks for the phone number, sends the request to that phone, follows
// it until it is answered or expires, and then sends the browser to the
// merchant's returnUrl as it is (the merchant knows its own reference).
import {
  api,
  followPhone,
  formatAmount,
  formatMsisdn,
  normaliseMsisdn,
  problemMessage,
  safeReturnUrl,
} from './common.js'

const REMEMBERED = 'kasse-sandbox.msisdn'
const SECTIONS = ['loading', 'unknown', 'app-switch', 'number-section', 'waiting', 'outcome']
const $ = (id) => document.getElementById(id)
const token = new URLSearchParams(location.search).get('token') ?? ''
const landingPath = `/_sandbox/landing/${encodeURIComponent(token)}`
// A phone's browser would switch to the app instead of asking on the page.
const onMobile = /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent)

function show(...ids) {
  for (const id of SECTIONS) $(id).hidden = !ids.includes(id)
}

function remembered() {
  try {
    return localStorage.getItem(REMEMBERED) ?? ''
  } catch {
    return ''
  }
}

function remember(msisdn, yes) {
  try {
    if (yes) localStorage.setItem(REMEMBERED, msisdn)
    else localStorage.removeItem(REMEMBERED)
  } catch {
    // Storage may be off (private mode); remembering is only a convenience.
  }
}

const OUTCOMES = {
  AUTHORIZED: ['Payment approved', 'Taking you back to'],
  ABORTED: ['Payment cancelled', 'You rejected the payment. Taking you back to'],
  EXPIRED: ['Payment timed out', 'The payment was not approved in time. Taking you back to'],
  TERMINATED: ['Payment cancelled', 'The shop cancelled the payment. Taking you back to'],
}

let finished = false
function finish(payment) {
  if (finished) return
  finished = true
  const [title, text] = OUTCOMES[payment.state] ?? ['Payment finished', 'Taking you back to']
  const returnUrl = safeReturnUrl(payment.returnUrl)
  $('outcome-title').textContent = title
  $('outcome-text').textContent = returnUrl
    ? `${text} ${payment.merchantName}…`
    : `${title}. You can close this page and go back to ${payment.merchantName}.`
  show('outcome')
  if (returnUrl) location.assign(returnUrl)
}

async function check() {
  if (finished) return
  const result = await api('GET', landingPath)
  if (result.ok && result.body.state !== 'CREATED') finish(result.body)
}

function follow(msisdn) {
  const phone = `/phone/${encodeURIComponent(msisdn)}`
  if (onMobile) {
    $('app-switch-text').textContent = ''
    const link = document.createElement('a')
    link.className = 'button primary'
    link.href = phone
    link.target = '_blank'
    link.rel = 'noopener'
    link.id = 'open-app'
    link.textContent = `Open Vipps as ${formatMsisdn(msisdn)}`
    $('app-switch-text').append(link)
    show('app-switch')
  } else {
    $('waiting-text').textContent =
      `We sent the payment request to ${formatMsisdn(msisdn)}. Approve it in the Vipps app.`
    $('open-phone').href = phone
    show('waiting')
  }
  followPhone(msisdn, check)
  // Server-Sent Events may be cut by a proxy; a slow poll makes sure the page still ends.
  setInterval(check, 3000)
}

async function send(msisdn, rememberIt) {
  $('number-error').textContent = ''
  $('send').disabled = true
  const result = await api('POST', `${landingPath}/user`, { msisdn })
  $('send').disabled = false
  if (result.ok) {
    remember(msisdn, rememberIt)
    follow(msisdn)
    return
  }
  if (result.status === 409) return check()
  $('number-error').textContent =
    result.status === 400
      ? `No Vipps user has the number ${formatMsisdn(msisdn)}. Check the number and try again.`
      : problemMessage(result)
  askForNumber()
}

function wireNumberForm() {
  const known = remembered()
  $('msisdn').value = known ? formatMsisdn(known) : ''
  $('remember').checked = Boolean(known)
  $('number-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const number = normaliseMsisdn($('msisdn').value)
    if (number.error) {
      $('number-error').textContent = number.error
      return
    }
    send(number.msisdn, $('remember').checked)
  })
}

function askForNumber() {
  if (onMobile) {
    $('app-switch-text').textContent = 'Which phone should Vipps open on?'
    show('app-switch', 'number-section')
  } else {
    show('number-section')
  }
  $('msisdn').focus()
}

async function start() {
  if (!token) {
    show('unknown')
    return
  }
  const result = await api('GET', landingPath)
  if (!result.ok) {
    if (result.status !== 404) $('unknown-text').textContent = problemMessage(result)
    show('unknown')
    return
  }
  const payment = result.body
  $('merchant').textContent = payment.merchantName
  $('amount').textContent = formatAmount(payment.amount)
  $('description').textContent = payment.paymentDescription ?? ''
  $('summary').hidden = false
  if (payment.state !== 'CREATED') return finish(payment)
  if (payment.msisdn) return follow(payment.msisdn)
  wireNumberForm()
  const known = remembered()
  if (onMobile && known) return send(known, true)
  askForNumber()
}

start()
