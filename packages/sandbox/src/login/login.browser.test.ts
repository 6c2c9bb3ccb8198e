/**
 * What a person does with a login request on the simulated phone, in a real
 * headless Chromium against a sandbox listening on a port. The merchant starts
 * the login with the client library, as a till does; the person answers on
 * the page; the merchant's token poll and userinfo show the answer.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { textOf, usePages } from '../../test/browser.ts'
import { useListeningSandbox } from '../../test/helpers.ts'
import { DEFAULT_MERCHANT } from '../config.ts'
import { KARI } from './test-helpers.ts'

const pages = usePages(() => sandbox().url)
const { sandbox, client } = useListeningSandbox()

/** Kari's phone, connected to its live stream. */
const openPhone = () => pages.openPhone(KARI)

const loginCard = (page: Page, authReqId: string) =>
  page.locator(`[data-testid="login-request"][data-auth-req-id="${authReqId}"]`)

describe('a login request on the simulated phone', () => {
  it('appears live with the binding message and the consents; ticking e-mail and accepting lets the till log the customer in', async () => {
    const phone = await openPhone()
    const started = await client().login.startCiba({
      msisdn: KARI,
      scope: ['openid', 'name', 'email', 'phoneNumber', 'delegatedConsents'],
      bindingMessage: 'KASSE-7',
    })

    const card = loginCard(phone, started.auth_req_id)
    await card.waitFor()
    expect(await textOf(card.locator('.merchant'))).toBe(DEFAULT_MERCHANT.name)
    expect(await textOf(card.locator('[data-testid="binding-message"]'))).toBe('KASSE-7')
    expect(await card.locator('.shared-data li').allTextContents()).toEqual([
      'Name',
      'Phone number',
      'E-mail address',
    ])
    expect(await textOf(card.locator('.consent-heading'))).toBe('Bli medlem')
    const personal = card.locator('input[data-consent-id="personal"]')
    expect(await personal.isChecked()).toBe(true)
    expect(await personal.isDisabled()).toBe(true)
    // Only the required consent says so.
    expect(await card.locator('.consent-required').count()).toBe(1)
    expect(
      await card
        .locator('.consent-option:has(input[data-consent-id="personal"]) .consent-required')
        .isVisible(),
    ).toBe(true)
    const email = card.locator('input[data-consent-id="email"]')
    const sms = card.locator('input[data-consent-id="sms"]')
    expect(await email.isChecked()).toBe(false)
    expect(await sms.isChecked()).toBe(false)
    expect(
      await textOf(card.locator('.consent-option:has(input[data-consent-id="email"]) .consent-label')),
    ).toBe('Motta tilbud på e-post')
    expect(await card.locator('.consent-links a').first().getAttribute('href')).toMatch(/^https:\/\//)
    // Still waiting: the till's poll says so.
    expect(await client().login.pollCiba(started.auth_req_id)).toEqual({ status: 'authorization_pending' })

    await email.check()
    const accept = card.locator('button.accept')
    expect(await textOf(accept)).toBe('Bekreft')
    await accept.click()
    await card.waitFor({ state: 'detached' })
    expect(await textOf(phone.locator('#notice'))).toBe(`You logged in to ${DEFAULT_MERCHANT.name}.`)

    // The till polls at its interval, and now gets the tokens.
    sandbox().ctx.clock.advance(started.interval! * 1000)
    const poll = await client().login.pollCiba(started.auth_req_id)
    if (poll.status !== 'authorized') throw new Error(`expected authorized, got ${poll.status}`)
    const info = await client().login.userinfo(poll.tokens.access_token)
    expect(info).toMatchObject({
      name: 'Kari Nordmann',
      email: 'kari.nordmann@example.no',
      phone_number: KARI,
    })
    expect(info.delegatedConsents?.consents.map((c) => [c.id, c.accepted])).toEqual([
      ['personal', true],
      ['email', true],
      ['sms', false],
    ])
  })

  it('rejecting on the phone ends the login in access_denied', async () => {
    const started = await client().login.startCiba({ msisdn: KARI, scope: ['openid', 'name'] })
    const phone = await openPhone()
    const card = loginCard(phone, started.auth_req_id)
    // No consent screen without delegatedConsents: a plain Accept; no code box without a binding message.
    expect(await card.locator('.consent').isHidden()).toBe(true)
    expect(await card.locator('.binding').isHidden()).toBe(true)
    expect(await textOf(card.locator('button.accept'))).toBe('Accept')
    await card.locator('button.reject').click()
    await card.waitFor({ state: 'detached' })
    expect(await client().login.pollCiba(started.auth_req_id)).toMatchObject({ status: 'access_denied' })
  })

  it('takes the request off the phone when it expires on the sandbox clock', async () => {
    const phone = await openPhone()
    const started = await client().login.startCiba({ msisdn: KARI, scope: ['openid'] })
    const card = loginCard(phone, started.auth_req_id)
    await card.waitFor()
    await fetch(`${sandbox().url}/_sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: started.expires_in }),
    })
    await card.waitFor({ state: 'detached' })
    expect(await phone.locator('#logins').isHidden()).toBe(true)
  })

  it('shows a merchant’s consent texts as text, never as markup', async () => {
    const markup = '<img src=x onerror="document.body.dataset.owned=1">'
    const put = await fetch(`${sandbox().url}/_sandbox/merchants/${DEFAULT_MERCHANT.msn}/consents`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        language: 'EN',
        heading: markup,
        text: '<b>bold</b>',
        termsDescription: 'Terms',
        confirmConsentButtonText: 'Join',
        links: { termsLinkText: '<i>terms</i>', termsLinkUrl: 'https://shop.example/terms' },
        consents: [{ id: 'email', required: false, textDisplayedToUser: '<script>alert(1)</script>' }],
      }),
    })
    expect(put.status).toBe(200)
    const phone = await openPhone()
    const started = await client().login.startCiba({ msisdn: KARI, scope: ['openid', 'delegatedConsents'] })
    const card = loginCard(phone, started.auth_req_id)
    await card.waitFor()
    expect(await card.locator('.consent-heading').textContent()).toBe(markup)
    expect(await card.locator('.consent-text').textContent()).toBe('<b>bold</b>')
    expect(await card.locator('.consent-links a').textContent()).toBe('<i>terms</i>')
    expect(await card.locator('.consent-label').textContent()).toBe('<script>alert(1)</script>')
    expect(await card.locator('img, b, i, script').count()).toBe(0)
    expect(await phone.evaluate(() => document.body.dataset.owned)).toBeUndefined()
  })

  it('sends the user on to the merchant’s page in the login_to_webpage flow', async () => {
    const started = await client().login.startCiba({
      msisdn: KARI,
      scope: ['openid'],
      redirectUri: 'https://shop.example/after-login',
    })
    const phone = await openPhone()
    await loginCard(phone, started.auth_req_id).locator('button.accept').click()
    const link = phone.locator('#login-continue a')
    await link.waitFor()
    expect(await textOf(link)).toBe(`Continue to ${DEFAULT_MERCHANT.name}`)
    const href = new URL((await link.getAttribute('href'))!)
    expect(`${href.origin}${href.pathname}`).toBe('https://shop.example/after-login')
    const tokens = await client().login.exchangeCibaRedirectCode(href.searchParams.get('code')!)
    expect(tokens.token_type).toBe('Bearer')
  })
})
