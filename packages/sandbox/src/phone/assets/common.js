// What the phone pages and the landing page share. Plain ES module, no build
// step. Data from users and merchants only ever reaches the page as text
// (textContent), never as markup.

const SYMBOLS = { NOK: 'kr', DKK: 'DKK', EUR: '€' }
const NBSP = '\u00a0'

/**
 * An amount in minor units with its currency, as the app shows it.
 * formatAmount({ currency: 'NOK', value: 134900 }) → "kr 1 349,00"
 */
export function formatAmount({ currency, value }) {
  const sign = value < 0 ? '−' : ''
  const abs = Math.abs(value)
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, NBSP)
  const cents = String(abs % 100).padStart(2, '0')
  return `${sign}${SYMBOLS[currency] ?? currency}${NBSP}${whole},${cents}`
}

/** "4712345678" → "+47 123 45 678"; other countries keep their digits after a "+". */
export function formatMsisdn(msisdn) {
  const m = /^47(\d{3})(\d{2})(\d{3})$/.exec(msisdn) ?? []
  if (m.length) return `+47 ${m[1]} ${m[2]} ${m[3]}`
  const dk = /^45(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(msisdn) ?? []
  if (dk.length) return `+45 ${dk.slice(1).join(' ')}`
  return `+${msisdn}`
}

/**
 * What a person types as their number, as an MSISDN: 8 digits are a Norwegian
 * number (47 is put in front), 10 to 15 digits are a full number with country code.
 * Spaces, dashes, a leading "+" or "00" are ignored.
 */
export function normaliseMsisdn(input) {
  const digits = String(input)
    .trim()
    .replace(/[\s\-().]/g, '')
    .replace(/^\+/, '')
    .replace(/^00/, '')
  if (/^\d{8}$/.test(digits)) return { msisdn: `47${digits}` }
  if (/^\d{10,15}$/.test(digits)) return { msisdn: digits }
  return {
    error:
      'Enter 8 digits for a Norwegian number, or the full number with its country code (e.g. 4712345678).',
  }
}

/**
 * A payment's state as the person sees it, from the platform state and what
 * happened to the money afterwards (an authorised payment may be captured,
 * refunded or cancelled without leaving AUTHORIZED).
 */
export function stateInWords({ state, aggregate }) {
  switch (state) {
    case 'CREATED':
      return 'waiting'
    case 'ABORTED':
      return 'rejected'
    case 'EXPIRED':
      return 'expired'
    case 'TERMINATED':
      return 'cancelled'
    case 'AUTHORIZED':
      if (aggregate?.refundedAmount?.value > 0) return 'refunded'
      if (aggregate?.capturedAmount?.value > 0) return 'captured'
      if (aggregate?.cancelledAmount?.value > 0) return 'cancelled'
      return 'approved'
    default:
      return String(state).toLowerCase()
  }
}

/** Whether a payment is still waiting for the person to answer. */
export const isWaiting = (payment) => payment.state === 'CREATED'

/**
 * Calls the sandbox's control API. Resolves to { ok, status, body }; never
 * throws for an HTTP error, and turns a network failure into status 0.
 */
export async function api(method, path, body) {
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    let parsed
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    return { ok: response.ok, status: response.status, body: parsed }
  } catch {
    return { ok: false, status: 0, body: undefined }
  }
}

/** A person-readable sentence for a failed call. */
export function problemMessage(result) {
  if (result.status === 0) return 'The sandbox cannot be reached. Is it still running?'
  const body = result.body ?? {}
  const reason = body.extraDetails?.[0]?.reason
  return body.detail ?? reason ?? body.title ?? `The sandbox answered ${result.status}.`
}

/** A copy of a <template>'s first element. */
export function fromTemplate(id) {
  const template = document.getElementById(id)
  return template.content.firstElementChild.cloneNode(true)
}

/** Sets the text of the first element matching `selector` under `root`. */
export function setText(root, selector, text) {
  const element = root.querySelector(selector)
  element.textContent = text
  return element
}

/**
 * Runs `load` now and whenever asked again, one at a time: a request made
 * while one is running starts one more run afterwards, so the last answer the
 * page shows is never older than the last change it was told about.
 */
export function serialised(load) {
  let running = false
  let again = false
  const run = async () => {
    if (running) {
      again = true
      return
    }
    running = true
    try {
      do {
        again = false
        await load()
      } while (again)
    } finally {
      running = false
    }
  }
  return run
}

/**
 * Follows what a user's phone shows: calls `onChange` once connected and on
 * every change, and `onStatus('live' | 'offline')` as the connection comes and goes.
 * The browser reconnects by itself.
 */
export function followPhone(msisdn, onChange, onStatus = () => {}) {
  const source = new EventSource(`/_sandbox/users/${encodeURIComponent(msisdn)}/stream`)
  source.addEventListener('changed', () => onChange())
  source.addEventListener('open', () => onStatus('live'))
  source.addEventListener('error', () => onStatus('offline'))
  return () => source.close()
}

/**
 * The merchant's returnUrl if the browser may be sent there: a URL that would
 * run script on this page (javascript:, data:, …) is refused.
 */
export function safeReturnUrl(url) {
  if (typeof url !== 'string' || url === '') return undefined
  try {
    const parsed = new URL(url)
    const forbidden = ['javascript:', 'data:', 'vbscript:', 'blob:', 'file:', 'about:']
    return forbidden.includes(parsed.protocol) ? undefined : parsed.href
  } catch {
    return undefined
  }
}

/** A time of day for a timestamp, e.g. "14:32". */
export const timeOfDay = (iso) =>
  new Date(iso).toLocaleTimeString('nb-NO', { hour: '2-digit', minute: '2-digit' })

/** A short date and time, e.g. "3. mai 14:32". */
export const shortDateTime = (iso) =>
  new Date(iso).toLocaleString('nb-NO', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  })

/**
 * What is left of a time span, as a countdown shows it.
 * timeLeft(585_000) → "9:45"; timeLeft(5_400_000) → "1:30:00"; timeLeft(2 * 86_400_000) → "2 d 0 h"
 */
export function timeLeft(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  const days = Math.floor(seconds / 86_400)
  const hours = Math.floor((seconds % 86_400) / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const secs = String(seconds % 60).padStart(2, '0')
  if (days > 0) return `${days} d ${hours} h`
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${secs}`
  return `${minutes}:${secs}`
}
