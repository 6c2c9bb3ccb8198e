/**
 * The Login control API: what the phone does with a login (list, accept with
 * consents, reject) and each way that is refused, the listing, and each
 * merchant's consent screen, from config, the control API and the defaults.
 */
import { LOGIN_PATHS } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { buildSandbox } from '../app.ts'
import { DEFAULT_MERCHANT, loadConfig, type MerchantConsentTexts } from '../config.ts'
import { accept, control, KARI, OLA, OTHER_MERCHANT, pollToken, startedLogin } from './test-helpers.ts'

const CLUB_SCREEN: MerchantConsentTexts = {
  language: 'EN',
  heading: 'Join the club',
  text: 'Annen Butikk would like to send you offers.',
  termsDescription: 'By confirming you accept the club terms.',
  confirmConsentButtonText: 'Join',
  links: { termsLinkText: 'Terms', termsLinkUrl: 'https://shop.example/terms' },
  consents: [
    { id: 'digital', required: false, textDisplayedToUser: 'Digital marketing' },
    { id: 'sms', required: true, textDisplayedToUser: 'Offers by SMS' },
  ],
}

const reject = (sb: TestSandbox, id: string, msisdn = KARI) =>
  control(sb, 'POST', `/_sandbox/users/${msisdn}/logins/${id}/reject`)

async function userinfoAfter(sb: TestSandbox, id: string, merchant = DEFAULT_MERCHANT) {
  const { access_token } = (await pollToken(sb, id, { merchant })).json()
  return (
    await sb.app.inject({
      method: 'GET',
      url: LOGIN_PATHS.userinfo,
      headers: { authorization: `Bearer ${access_token}` },
    })
  ).json()
}

describe('a login on the phone', () => {
  it('lists the user’s logins newest first, with the data asked for in words and the consent screen', async () => {
    const sb = await testSandbox()
    const first = await startedLogin(sb, { scope: 'openid phoneNumber', binding_message: 'ABC-123' })
    const second = await startedLogin(sb, { scope: 'openid name address birthDate delegatedConsents' })
    const response = await control(sb, 'GET', `/_sandbox/users/${KARI}/logins`)
    expect(response.statusCode).toBe(200)
    const [newest, oldest] = response.json().logins
    expect(newest).toMatchObject({
      authReqId: second,
      msn: DEFAULT_MERCHANT.msn,
      merchantName: DEFAULT_MERCHANT.name,
      msisdn: KARI,
      state: 'pending',
      requestedData: ['Name', 'Address', 'Date of birth'],
      consentRequest: {
        confirmConsentButtonText: 'Bekreft',
        consents: [
          { id: 'personal', required: true },
          { id: 'email', required: false },
          { id: 'sms', required: false },
        ],
      },
    })
    expect(newest.consentRequest.consents[0].accepted).toBeUndefined()
    expect(oldest).toMatchObject({
      authReqId: first,
      bindingMessage: 'ABC-123',
      requestedData: ['Phone number'],
    })
    expect(oldest.consentRequest).toBeUndefined()
    expect((await control(sb, 'GET', `/_sandbox/users/${OLA}/logins`)).json().logins).toEqual([])
  })

  it('answers 404 for a user who does not exist', async () => {
    const sb = await testSandbox()
    expect((await control(sb, 'GET', '/_sandbox/users/4700000000/logins')).statusCode).toBe(404)
  })

  it('tells the phone when a login arrives and when it is answered', async () => {
    const sb = await testSandbox()
    const changes: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changes.push(msisdn))
    const id = await startedLogin(sb)
    expect(changes).toEqual([KARI])
    await reject(sb, id)
    expect(changes).toEqual([KARI, KARI])
  })

  it('records the consents the user ticked, the required ones given by accepting', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb, { scope: 'openid delegatedConsents' })
    const accepted = await accept(sb, id, { sms: true })
    expect(accepted.statusCode).toBe(200)
    expect(accepted.json()).toMatchObject({ state: 'accepted', answeredAt: expect.any(String) })
    expect(
      accepted
        .json()
        .consentRequest.consents.map((c: { id: string; accepted: boolean }) => [c.id, c.accepted]),
    ).toEqual([
      ['personal', true],
      ['email', false],
      ['sms', true],
    ])
  })

  it('refuses a consent the merchant did not ask for, a required one declined, and consents on a login without the scope', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb, { scope: 'openid delegatedConsents' })
    const unknown = await accept(sb, id, { digital: true })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().extraDetails).toEqual([
      { name: 'consents.digital', reason: expect.stringContaining('not asked') },
    ])
    const declined = await accept(sb, id, { personal: false })
    expect(declined.statusCode).toBe(400)
    expect(declined.json().extraDetails[0].name).toBe('consents.personal')
    const notBoolean = await control(sb, 'POST', `/_sandbox/users/${KARI}/logins/${id}/accept`, {
      consents: { email: 'yes' },
    })
    expect(notBoolean.statusCode).toBe(400)
    const typo = await control(sb, 'POST', `/_sandbox/users/${KARI}/logins/${id}/accept`, { consent: {} })
    expect(typo.statusCode).toBe(400)

    const plain = await startedLogin(sb, { scope: 'openid name' })
    const withConsents = await accept(sb, plain, { email: true })
    expect(withConsents.statusCode).toBe(400)
    expect(withConsents.json().extraDetails[0].name).toBe('consents')
    // None of the refusals answered the login.
    expect((await accept(sb, id, { email: true })).statusCode).toBe(200)
  })

  it('answers 409 to an answer after the login was answered or expired, and 404 on another user’s phone', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    expect((await accept(sb, id, undefined, OLA)).statusCode).toBe(404)
    expect((await accept(sb, 'no-such-login')).statusCode).toBe(404)
    expect((await reject(sb, id)).statusCode).toBe(200)
    const again = await accept(sb, id)
    expect(again.statusCode).toBe(409)
    expect(again.json().detail).toContain('rejected')
    const late = await startedLogin(sb)
    sb.ctx.clock.advance(600_000)
    expect((await reject(sb, late)).statusCode).toBe(409)
  })

  it('lists every login for tools, by merchant', async () => {
    const sb = await testSandbox()
    await control(sb, 'PUT', `/_sandbox/merchants/${OTHER_MERCHANT.msn}`, OTHER_MERCHANT)
    await startedLogin(sb)
    await startedLogin(sb, { login_hint: `urn:msisdn:${OLA}` }, { merchant: OTHER_MERCHANT })
    expect((await control(sb, 'GET', '/_sandbox/logins')).json().logins).toHaveLength(2)
    const other = (await control(sb, 'GET', `/_sandbox/logins?msn=${OTHER_MERCHANT.msn}`)).json().logins
    expect(other).toHaveLength(1)
    expect(other[0]).toMatchObject({ msisdn: OLA, merchantName: OTHER_MERCHANT.name })
  })

  it('forgets logins on reset', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    await control(sb, 'POST', '/_sandbox/reset')
    expect((await control(sb, 'GET', `/_sandbox/users/${KARI}/logins`)).json().logins).toEqual([])
    expect((await pollToken(sb, id)).json().error).toBe('invalid_grant')
  })

  it('forgets an ended login an hour after it expired', async () => {
    const sb = await testSandbox()
    const id = await startedLogin(sb)
    sb.ctx.clock.advance(600_000 + 59 * 60_000)
    expect((await pollToken(sb, id)).json().error).toBe('expired_token')
    sb.ctx.clock.advance(60_000)
    expect((await pollToken(sb, id)).json().error).toBe('invalid_grant')
  })
})

describe('a merchant’s consent screen', () => {
  it('is Norwegian by default, naming the merchant, with e-mail and SMS optional', async () => {
    const sb = await testSandbox()
    const response = await control(sb, 'GET', `/_sandbox/merchants/${DEFAULT_MERCHANT.msn}/consents`)
    expect(response.statusCode).toBe(200)
    const screen = response.json()
    expect(screen).toMatchObject({ language: 'NO', text: expect.stringContaining(DEFAULT_MERCHANT.name) })
    expect(screen.consents).toContainEqual({
      id: 'email',
      required: false,
      textDisplayedToUser: 'Motta tilbud på e-post',
    })
    expect(screen.consents).toContainEqual({
      id: 'sms',
      required: false,
      textDisplayedToUser: 'Motta tilbud på SMS',
    })
  })

  it('is set through the control API for new logins; a login keeps the screen its user saw', async () => {
    const sb = await testSandbox()
    const before = await startedLogin(sb, { scope: 'openid delegatedConsents' })
    const put = await control(sb, 'PUT', `/_sandbox/merchants/${DEFAULT_MERCHANT.msn}/consents`, CLUB_SCREEN)
    expect(put.statusCode).toBe(200)
    expect(put.json()).toEqual(CLUB_SCREEN)
    const after = await startedLogin(sb, { scope: 'openid delegatedConsents' })

    await accept(sb, after, { digital: true })
    const consents = (await userinfoAfter(sb, after)).delegatedConsents
    expect(consents).toMatchObject({
      heading: 'Join the club',
      confirmConsentButtonText: 'Join',
      links: CLUB_SCREEN.links,
    })
    expect(consents.consents).toEqual([
      { id: 'digital', accepted: true, required: false, textDisplayedToUser: 'Digital marketing' },
      { id: 'sms', accepted: true, required: true, textDisplayedToUser: 'Offers by SMS' },
    ])

    await accept(sb, before, { email: true })
    expect((await userinfoAfter(sb, before)).delegatedConsents.heading).toBe('Bli medlem')
  })

  it('refuses a screen with a non-web link, a consent listed twice, an unknown consent id, or missing texts', async () => {
    const sb = await testSandbox()
    const url = `/_sandbox/merchants/${DEFAULT_MERCHANT.msn}/consents`
    const badLink = await control(sb, 'PUT', url, {
      ...CLUB_SCREEN,
      links: { termsLinkUrl: 'javascript:alert(1)' },
    })
    expect(badLink.statusCode).toBe(400)
    expect(badLink.json().extraDetails[0].name).toBe('links.termsLinkUrl')
    const twice = await control(sb, 'PUT', url, {
      ...CLUB_SCREEN,
      consents: [CLUB_SCREEN.consents[0], CLUB_SCREEN.consents[0]],
    })
    expect(twice.statusCode).toBe(400)
    expect(twice.json().extraDetails[0].name).toBe('consents.1.id')
    const unknownId = await control(sb, 'PUT', url, {
      ...CLUB_SCREEN,
      consents: [{ id: 'telepathy', required: false, textDisplayedToUser: 'x' }],
    })
    expect(unknownId.statusCode).toBe(400)
    const { heading: _heading, ...noHeading } = CLUB_SCREEN
    expect((await control(sb, 'PUT', url, noHeading)).statusCode).toBe(400)
    expect((await control(sb, 'PUT', '/_sandbox/merchants/999999/consents', CLUB_SCREEN)).statusCode).toBe(
      404,
    )
    expect((await control(sb, 'GET', url)).json().heading).toBe('Bli medlem')
  })

  it('comes from the merchant’s config, and returns to it on reset', async () => {
    const config = loadConfig(undefined, { merchants: [{ ...DEFAULT_MERCHANT, consents: CLUB_SCREEN }] })
    const sb = await testSandbox({ config })
    const url = `/_sandbox/merchants/${DEFAULT_MERCHANT.msn}/consents`
    expect((await control(sb, 'GET', url)).json()).toEqual(CLUB_SCREEN)
    await control(sb, 'PUT', url, { ...CLUB_SCREEN, heading: 'Changed' })
    await control(sb, 'POST', '/_sandbox/reset')
    expect((await control(sb, 'GET', url)).json()).toEqual(CLUB_SCREEN)
  })

  it('in a config file must be a valid screen, or the sandbox does not start', () => {
    const broken = { ...CLUB_SCREEN, consents: [] }
    const config = loadConfig(undefined, { merchants: [{ ...DEFAULT_MERCHANT, consents: broken }] })
    expect(() => buildSandbox({ config })).toThrow(/merchant 123456: consents/)
  })
})
