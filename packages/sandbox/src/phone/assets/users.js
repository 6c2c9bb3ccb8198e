// The test-user chooser (/phone): every user with the app in this sandbox, and
// a form to add one through the control API (PUT /_sandbox/users/:msisdn).
import { api, formatMsisdn, fromTemplate, normaliseMsisdn, problemMessage, setText } from './common.js'

const $ = (id) => document.getElementById(id)
const phonePage = (msisdn) => `/phone/${encodeURIComponent(msisdn)}`

function userItem(user) {
  const item = fromTemplate('user-template')
  item.querySelector('.user-link').href = phonePage(user.msisdn)
  setText(item, '.user-name', `${user.givenName} ${user.familyName}`)
  setText(item, '.user-number', formatMsisdn(user.msisdn))
  setText(item, '.user-initials', `${user.givenName[0] ?? ''}${user.familyName[0] ?? ''}`.toUpperCase())
  return item
}

async function loadUsers() {
  const result = await api('GET', '/_sandbox/users')
  if (!result.ok) {
    $('users-error').textContent = problemMessage(result)
    return
  }
  const users = result.body.users ?? []
  $('users').replaceChildren(...users.map(userItem))
  $('no-users').hidden = users.length > 0
}

$('add-user').addEventListener('submit', async (event) => {
  event.preventDefault()
  const error = $('add-error')
  error.textContent = ''
  const number = normaliseMsisdn($('add-msisdn').value)
  if (number.error) {
    error.textContent = number.error
    return
  }
  const givenName = $('add-given-name').value.trim()
  const familyName = $('add-family-name').value.trim()
  if (!givenName || !familyName) {
    error.textContent = 'Enter a first and a last name.'
    return
  }
  const result = await api('PUT', `/_sandbox/users/${encodeURIComponent(number.msisdn)}`, {
    msisdn: number.msisdn,
    givenName,
    familyName,
  })
  if (!result.ok) {
    error.textContent = problemMessage(result)
    return
  }
  location.assign(phonePage(number.msisdn))
})

loadUsers()
