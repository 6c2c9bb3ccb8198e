/**
 * The membership check: a number looked up directly, and the customer set on
 * a sale (typed), which carries the member with their balance; bad input
 * answered 4xx naming the field.
 */
import { describe, expect, it } from 'vitest'
import { insertMember } from '../../test/club.ts'
import { useTestPos } from '../../test/helpers.ts'
import { MILK, saleWith } from '../../test/till.ts'
import { clubEnrolment } from '../db/schema.ts'

const pos = useTestPos()

const enrolOla = (points = 42) => insertMember(pos(), { points })

describe('the membership lookup', () => {
  it('finds a member by the number as typed, with name and points', async () => {
    await enrolOla()
    const kari = await pos().signIn()
    const found = await kari.request('POST', '/api/club/lookup', { phoneNumber: '912 34 567' })
    expect(found.statusCode, found.body).toBe(200)
    expect(found.json()).toEqual({
      phoneDisplay: '+47 912 34 567',
      member: {
        id: 'mbr_ola',
        name: 'Ola Nordmann',
        phoneDisplay: '+47 912 34 567',
        points: 42,
        enrolledAt: new Date(pos().clock.now()).toISOString(),
      },
    })
    const withCountryCode = await kari.request('POST', '/api/club/lookup', { phoneNumber: '+47 91234567' })
    expect(withCountryCode.json().member.id).toBe('mbr_ola')
  })

  it('says a number that is no member’s is not a member', async () => {
    await enrolOla()
    const kari = await pos().signIn()
    const found = await kari.request('POST', '/api/club/lookup', { phoneNumber: '12345678' })
    expect(found.statusCode).toBe(200)
    expect(found.json()).toEqual({ phoneDisplay: '+47 123 45 678', member: null })
  })

  it('refuses a wrong number or a missing one, naming the field', async () => {
    const kari = await pos().signIn()
    const wrong = await kari.request('POST', '/api/club/lookup', { phoneNumber: '1234' })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', field: 'phoneNumber' })
    const missing = await kari.request('POST', '/api/club/lookup', {})
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.field).toBe('phoneNumber')
    const extra = await kari.request('POST', '/api/club/lookup', { phoneNumber: '12345678', name: 'x' })
    expect(extra.statusCode).toBe(400)
  })

  it('needs a signed-in cashier and the CSRF header', async () => {
    const kari = await pos().signIn()
    const noCsrf = await kari.request(
      'POST',
      '/api/club/lookup',
      { phoneNumber: '12345678' },
      { csrf: false },
    )
    expect(noCsrf.statusCode).toBe(403)
    const anonymous = await pos().app.inject({
      method: 'POST',
      url: '/api/club/lookup',
      payload: { phoneNumber: '12345678' },
    })
    expect(anonymous.statusCode).toBe(401)
  })
})

describe('enrolment on a till without Vipps MobilePay settings', () => {
  it('is refused with 503 PAYMENTS_NOT_CONFIGURED, and nothing is stored', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
    const refused = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(refused.statusCode).toBe(503)
    expect(refused.json().error.code).toBe('PAYMENTS_NOT_CONFIGURED')
    expect(await pos().database.db.select().from(clubEnrolment)).toEqual([])
  })
})

describe('setting the sale’s customer', () => {
  it('is the membership check: the sale carries the member and their balance, or none', async () => {
    await enrolOla(7)
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    const asMember = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '91234567' })
    expect(asMember.statusCode, asMember.body).toBe(200)
    expect(asMember.json().customer).toEqual({
      msisdn: '4791234567',
      display: '+47 912 34 567',
      source: 'typed',
      member: { id: 'mbr_ola', name: 'Ola Nordmann', points: 7 },
    })
    expect(asMember.json().pointsEarned).toBeNull()
    // A change to the cart answers with the member as well, as a read afterwards sees it.
    const scanned = await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: MILK })
    expect(scanned.json().customer.member).toEqual({ id: 'mbr_ola', name: 'Ola Nordmann', points: 7 })
    expect(scanned.json()).toEqual((await kari.request('GET', `/api/sales/${saleId}`)).json())

    const other = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
    expect(other.json().customer.member).toBeNull()

    await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '91234567' })
    const cleared = await kari.request('DELETE', `/api/sales/${saleId}/customer`)
    expect(cleared.json().customer).toBeNull()
    // Clearing the customer clears the membership: a new customer starts without one.
    const again = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
    expect(again.json().customer.member).toBeNull()
  })
})
