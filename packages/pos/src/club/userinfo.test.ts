/** What a customer shared through Login, as the member and consent rows the club keeps. */
import { describe, expect, it } from 'vitest'
import { memberFromUserinfo } from './userinfo.ts'

const about = {
  id: 'mbr_1',
  storeId: 'store_demo',
  msisdn: '4712345678',
  now: new Date('2026-03-02T09:00:00Z'),
}

describe('a member from userinfo', () => {
  it('keeps what was shared, every consent answered (given or not) and the platform’s time of consent', () => {
    const { values, consents } = memberFromUserinfo(
      {
        sub: 'sub-1',
        name: 'Kari Nordmann',
        phone_number: '4712345678',
        email: 'kari@example.no',
        birthdate: '1985-04-12',
        delegatedConsents: {
          timeOfConsent: '2026-03-02T08:59:41Z',
          consents: [
            { id: 'personal', accepted: true, required: true, textDisplayedToUser: 'Bli medlem' },
            { id: 'sms', accepted: false, required: false, textDisplayedToUser: 'Tilbud på SMS' },
          ],
        },
      },
      about,
    )
    expect(values).toMatchObject({
      name: 'Kari Nordmann',
      email: 'kari@example.no',
      birthDate: '1985-04-12',
      vippsSub: 'sub-1',
      sharedData: ['name', 'phoneNumber', 'email', 'birthDate'],
      points: 0,
    })
    expect(consents).toEqual([
      {
        memberId: 'mbr_1',
        consentId: 'personal',
        text: 'Bli medlem',
        required: true,
        accepted: true,
        answeredAt: new Date('2026-03-02T08:59:41Z'),
      },
      {
        memberId: 'mbr_1',
        consentId: 'sms',
        text: 'Tilbud på SMS',
        required: false,
        accepted: false,
        answeredAt: new Date('2026-03-02T08:59:41Z'),
      },
    ])
  })

  it('leaves out what was not shared, and reads a name from its parts', () => {
    const { values, consents } = memberFromUserinfo(
      { sub: 'sub-2', given_name: 'Ola', family_name: 'Nordmann', birthdate: '30.09.1979' },
      about,
    )
    expect(values).toMatchObject({
      name: 'Ola Nordmann',
      email: null,
      birthDate: null,
      sharedData: ['birthDate'],
    })
    expect(consents).toEqual([])
  })
})
