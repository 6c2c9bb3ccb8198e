// The landing page where a web order sends the browser: an ePayment
// WEB_REDIRECT payment (/landing?token=…) or an eCom v2 order
// (/landing/ecom?token=…); landing-sources.js says what differs. It shows the
// order with its receipt and the time left, asks for the phone number, sends
// the order to that phone, follows it until it is answered or expires, and then
// sends the browser back to the merchant (returnUrl or fallBack) as it is: the
// merchant knows its own reference.
import {
  api,
  followPhone,
  formatAmount,
  formatMsisdn,
  normaliseMsisdn,
  problemMessage,
  safeReturnUrl,
  timeLeft,
} from './common.js'
import { ecomLanding, paymentLanding } from './landing-sources.js'
import { receiptTable } from './receipt.js'

/** Shared by both kinds of order: a number remembered for one is offered for the other. */
const REMEMBERED = 'kasse-sandbox.msisdn'
const SECTIONS = ['loading', 'unknown', 'app-switch', 'number-section', 'waiting', 'outcome']
const $ = (id) => document.getElementById(id)
const token = new URLSearchParams(location.search).get('token') ?? ''
const source = /^\/landing\/ecom\/?$/.test(location.pathname) ? ecomLanding(token) : paymentLanding(token)
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

/** Remembers the number (yes), forgets it (no), or leaves what is remembered as it is (undefined). */
function remember(msisdn, yes) {
  if (yes === undefined) return
  try {
    if (yes) localStorage.setItem(REMEMBERED, msisdn)
    else localStorage.removeItem(REMEMBERED)
  } catch {
    // Storage may be off (private mode); remembering is only a convenience.
  }
}

let finished = false
function finish(view) {
  if (finished) return
  finished = true
  const [title, text] = view.outcome ?? ['Payment finished', 'Taking you back to']
  const returnUrl = safeReturnUrl(view.returnUrl)
  $('outcome-title').textContent = title
  $('outcome-text').textContent = returnUrl
    ? `${text} ${view.merchantName}…`
    : `${title}. You can close this page and go back to ${view.merchantName}.`
  $('countdown').hidden = true
  show('outcome')
  if (returnUrl) location.assign(returnUrl)
}

// Expiry is on the sandbox's clock, which tests and scripts move; the countdown
// follows it by keeping the difference to this browser's clock.
let clockOffset = 0
async function syncClock() {
  const result = await api('GET', '/_sandbox/clock')
  if (result.ok && typeof result.body?.epochMs === 'number') clockOffset = result.body.epochMs - Date.now()
}

async function check() {
  if (finished) return
  const [result] = await Promise.all([api('GET', source.path), syncClock()])
  if (!result.ok) return
  const view = source.view(result.body)
  if (!view.waiting) finish(view)
}

function startCountdown(expiresAt) {
  const end = Date.parse(expiresAt)
  if (Number.isNaN(end)) return
  const countdown = $('countdown')
  let askedAtZero = false
  const tick = () => {
    if (finished) {
      clearInterval(timer)
      return
    }
    const left = end - (Date.now() + clockOffset)
    countdown.textContent =
      left > 0 ? `Time left to approve: ${timeLeft(left)}` : 'The time to approve is up.'
    // Before a number is entered nothing else asks; at zero, find out how it ended.
    if (left <= 0 && !askedAtZero) {
      askedAtZero = true
      check()
    }
  }
  const timer = setInterval(tick, 1000)
  countdown.hidden = false
  tick()
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
}

function refuseNumber(text) {
  $('number-error').textContent = text
  askForNumber()
}

async function send(msisdn, rememberIt) {
  $('number-error').textContent = ''
  if (source.norwegianOnly && !/^47\d{8}$/.test(msisdn)) {
    refuseNumber(
      `${formatMsisdn(msisdn)} is not a Norwegian number. This shop takes Vipps with Norwegian numbers only: enter your 8 digits.`,
    )
    return
  }
  $('send').disabled = true
  const result = await api('POST', `${source.path}/user`, { msisdn })
  $('send').disabled = false
  if (result.ok) {
    remember(msisdn, rememberIt)
    follow(msisdn)
    return
  }
  if (result.status === 409) return check()
  refuseNumber(
    result.status === 400
      ? `No Vipps user has the number ${formatMsisdn(msisdn)}. Check the number and try again.`
      : problemMessage(result),
  )
}

function wireNumberForm(suggested) {
  const known = remembered()
  const prefill = suggested || known
  $('msisdn').value = prefill ? formatMsisdn(prefill) : ''
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
  const [result] = await Promise.all([api('GET', source.path), syncClock()])
  if (!result.ok) {
    if (result.status !== 404) $('unknown-text').textContent = problemMessage(result)
    show('unknown')
    return
  }
  const view = source.view(result.body)
  $('merchant').textContent = view.merchantName
  $('amount').textContent = formatAmount(view.amount)
  $('amount-note').textContent = view.amountNote
  $('amount-note').hidden = !view.amountNote
  $('description').textContent = view.description
  const receipt = receiptTable(view.receipt, view.amount)
  if (receipt) $('receipt').append(receipt)
  $('summary').hidden = false
  if (!view.waiting) return finish(view)
  startCountdown(view.expiresAt)
  // The phone's stream tells of answers once a number is in; a slow poll also
  // catches what it does not (the shop cancelling, the clock moved, a proxy cutting the stream).
  setInterval(check, 3000)
  if (view.msisdn) return follow(view.msisdn)
  wireNumberForm(view.suggestedMsisdn)
  // On a phone the app opens at once for a number the shop gave or this browser remembers.
  const known = view.suggestedMsisdn || remembered()
  if (onMobile && known) return send(known, undefined)
  askForNumber()
}

start()
