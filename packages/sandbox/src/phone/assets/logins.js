// Login requests on the simulated phone (Login API, CIBA): the merchant, the
// confirmation code the till shows, the data the merchant asks for and, when it
// asks for delegatedConsents, its consent screen with the optional consents as
// checkboxes. Accept and Reject go through the control API, as a test would.
// Everything from merchants and users reaches the page as text only.
import { api, fromTemplate, problemMessage, serialised, setText, timeOfDay } from './common.js'

const $ = (id) => document.getElementById(id)

/** The URL if it is a web link; anything else (javascript:, data:, …) is not made a link. */
function webUrl(url) {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined
  } catch {
    return undefined
  }
}

/** A checkbox for one consent; a required one is ticked and cannot be unticked. */
function consentOption(consent) {
  const option = fromTemplate('consent-template')
  const box = option.querySelector('input')
  box.dataset.consentId = consent.id
  box.checked = consent.required
  box.disabled = consent.required
  setText(option, '.consent-label', consent.textDisplayedToUser)
  if (consent.required) {
    const tag = document.createElement('span')
    tag.className = 'tag consent-required'
    tag.textContent = 'required'
    option.append(tag)
  }
  return option
}

/** "termsLinkText" + "termsLinkUrl" → one link; pairs without a web URL stay plain text. */
function consentLinks(links) {
  const out = []
  for (const [name, text] of Object.entries(links ?? {})) {
    if (!name.endsWith('Text')) continue
    const href = webUrl(links[name.replace(/Text$/, 'Url')] ?? '')
    const element = document.createElement(href ? 'a' : 'span')
    element.textContent = text
    if (href) {
      element.href = href
      element.target = '_blank'
      element.rel = 'noopener noreferrer'
    }
    out.push(element)
  }
  return out
}

/**
 * The login requests waiting on this phone. Returns `refresh`, for the page to
 * call on start and whenever the phone's stream says something changed.
 */
export function loginRequests(userPath, showNotice) {
  function card(login) {
    const element = fromTemplate('login-template')
    element.dataset.authReqId = login.authReqId
    setText(element, '.merchant', login.merchantName)
    if (login.bindingMessage) {
      element.querySelector('.binding').hidden = false
      setText(element, '.binding-code', login.bindingMessage)
    }
    if (login.requestedData.length) {
      element.querySelector('.shares').hidden = false
      element.querySelector('.shared-data').replaceChildren(
        ...login.requestedData.map((words) => {
          const item = document.createElement('li')
          item.textContent = words
          return item
        }),
      )
    }
    const screen = login.consentRequest
    if (screen) {
      element.querySelector('.consent').hidden = false
      setText(element, '.consent-heading', screen.heading)
      setText(element, '.consent-text', screen.text)
      element.querySelector('.consent-list').replaceChildren(...screen.consents.map(consentOption))
      setText(element, '.consent-terms', screen.termsDescription)
      element.querySelector('.consent-links').replaceChildren(...consentLinks(screen.links))
      setText(element, 'button.accept', screen.confirmConsentButtonText || 'Accept')
    }
    setText(element, '.expires', `Answer by ${timeOfDay(login.expiresAt)}`)

    const answer = (action) => async () => {
      for (const button of element.querySelectorAll('button')) button.disabled = true
      const consents = {}
      for (const box of element.querySelectorAll('input[data-consent-id]'))
        consents[box.dataset.consentId] = box.checked
      const path = `${userPath}/logins/${encodeURIComponent(login.authReqId)}/${action}`
      const result = await api('POST', path, action === 'accept' && screen ? { consents } : undefined)
      if (!result.ok) {
        setText(
          element,
          '.request-error',
          result.status === 409 ? 'This login is no longer waiting for an answer.' : problemMessage(result),
        )
        for (const button of element.querySelectorAll('button')) button.disabled = false
      } else {
        showNotice(action === 'accept' ? `You logged in to ${login.merchantName}.` : '')
        showContinue(result.body)
      }
      refresh()
    }
    element.querySelector('button.accept').addEventListener('click', answer('accept'))
    element.querySelector('button.reject').addEventListener('click', answer('reject'))
    return element
  }

  // The login_to_webpage flow: the app sends the user on to the merchant's page.
  function showContinue(login) {
    const href = login?.redirectUrl ? webUrl(login.redirectUrl) : undefined
    const box = $('login-continue')
    box.hidden = !href
    if (!href) return
    const link = box.querySelector('a')
    link.href = href
    link.textContent = `Continue to ${login.merchantName}`
  }

  const refresh = serialised(async () => {
    const result = await api('GET', `${userPath}/logins`)
    if (!result.ok) return
    const waiting = (result.body.logins ?? []).filter((login) => login.state === 'pending')
    // Keep a card the person is ticking boxes on: only rebuild when the waiting set changed.
    const list = $('login-list')
    const shown = [...list.children].map((element) => element.dataset.authReqId).join('\n')
    if (shown !== waiting.map((login) => login.authReqId).join('\n'))
      list.replaceChildren(...waiting.map(card))
    $('logins').hidden = waiting.length === 0
  })

  return refresh
}
