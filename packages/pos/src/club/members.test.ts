/**
 * The member pages: finding members, a member's profile with consents,
 * purchases and points, withdrawing a consent, and deleting a member
 * (manager only): personal data gone, the sales kept without it, the number
 * no longer a member's.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { insertMember } from '../../test/club.ts'
import { MARTIN } from '../../test/helpers.ts'
import { OLA_MSISDN } from '../../test/sandbox.ts'
import { afterMs, MILK, readySale, saleOf, startPayment, usePaymentTestBed } from '../../test/till.ts'
import { clubEnrolment, member, memberConsent, paymentAttempt, pointsEntry, sale } from '../db/schema.ts'

const { pos, sandbox } = usePaymentTestBed()

describe('finding members', () => {
  it('by name or phone digits; an empty query lists the most recently enrolled', async () => {
    await insertMember(pos(), { id: 'mbr_ola', name: 'Ola Nordmann', msisdn: OLA_MSISDN })
    pos().clock.advance(60_000)
    await insertMember(pos(), { id: 'mbr_kari', name: 'Kari Nordmann', msisdn: '4712345678' })
    const kari = await pos().signIn()
    const ids = async (query: string) => {
      const response = await kari.request('GET', `/api/club/members?query=${encodeURIComponent(query)}`)
      expect(response.statusCode, response.body).toBe(200)
      return response.json().members.map((m: { id: string }) => m.id)
    }
    expect(await ids('')).toEqual(['mbr_kari', 'mbr_ola'])
    expect(await ids('ola')).toEqual(['mbr_ola'])
    expect(await ids('NORDMANN')).toEqual(['mbr_kari', 'mbr_ola'])
    expect(await ids('912 34')).toEqual(['mbr_ola'])
    expect(await ids('%')).toEqual([])
    const limited = await kari.request('GET', '/api/club/members?limit=1')
    expect(limited.json().members).toEqual([
      {
        id: 'mbr_kari',
        name: 'Kari Nordmann',
        phoneDisplay: '+47 123 45 678',
        points: 0,
        enrolledAt: new Date(pos().clock.now()).toISOString(),
      },
    ])
    const bad = await kari.request('GET', '/api/club/members?limit=0')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.field).toBe('limit')
    const missing = await kari.request('GET', '/api/club/members/mbr_nobody')
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error).toMatchObject({ code: 'NOT_FOUND', field: 'memberId' })
  })
})

describe('withdrawing a consent', () => {
  it('dates it and keeps it; again changes nothing; a declined or unknown consent is answered as such', async () => {
    const memberId = await insertMember(pos())
    const kari = await pos().signIn()
    pos().clock.advance(3_600_000)
    const withdrawn = await kari.request('POST', `/api/club/members/${memberId}/consents/email/withdraw`)
    expect(withdrawn.statusCode, withdrawn.body).toBe(200)
    const email = withdrawn.json().consents.find((c: { id: string }) => c.id === 'email')
    expect(email).toMatchObject({ accepted: true, withdrawnAt: new Date(pos().clock.now()).toISOString() })

    pos().clock.advance(60_000)
    const again = await kari.request('POST', `/api/club/members/${memberId}/consents/email/withdraw`)
    expect(again.statusCode).toBe(200)
    expect(again.json().consents.find((c: { id: string }) => c.id === 'email').withdrawnAt).toBe(
      email.withdrawnAt,
    )

    const declined = await kari.request('POST', `/api/club/members/${memberId}/consents/sms/withdraw`)
    expect(declined.statusCode).toBe(200)
    expect(declined.json().consents.find((c: { id: string }) => c.id === 'sms')).toMatchObject({
      accepted: false,
      withdrawnAt: null,
    })

    const unknown = await kari.request('POST', `/api/club/members/${memberId}/consents/fax/withdraw`)
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error).toMatchObject({ code: 'NOT_FOUND', field: 'consentId' })
    const noMember = await kari.request('POST', '/api/club/members/mbr_nobody/consents/email/withdraw')
    expect(noMember.statusCode).toBe(404)
    expect(noMember.json().error.field).toBe('memberId')
  })
})

describe('deleting a member', () => {
  it('is for a manager: personal data goes, the sales stay without it, and the number is no member’s', async () => {
    const memberId = await insertMember(pos())
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '912 34 567', MILK, MILK, MILK, MILK)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(OLA_MSISDN, attempt.reference, 'approve')
    await afterMs(pos(), 5_000)
    expect((await saleOf(kari, saleId)).pointsEarned).toBe(10)
    // The member's next sale is under way at the till.
    const nextSale = await readySale(kari, '912 34 567', MILK)

    const refused = await kari.request('DELETE', `/api/club/members/${memberId}`)
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.code).toBe('MANAGER_REQUIRED')
    expect((await kari.request('GET', `/api/club/members/${memberId}`)).statusCode).toBe(200)

    const martin = await pos().signIn(MARTIN, 'till-2')
    const deleted = await martin.request('DELETE', `/api/club/members/${memberId}`)
    expect(deleted.statusCode, deleted.body).toBe(204)

    const db = pos().database.db
    expect(await db.select().from(member)).toEqual([])
    expect(await db.select().from(memberConsent)).toEqual([])
    expect(await db.select().from(clubEnrolment)).toEqual([])
    expect((await kari.request('GET', `/api/club/members/${memberId}`)).statusCode).toBe(404)
    const lookup = await kari.request('POST', '/api/club/lookup', { phoneNumber: '912 34 567' })
    expect(lookup.json().member).toBeNull()

    // The paid sale stays for the books, anonymous: no customer, no member, the points as a bare number.
    const paid = await saleOf(kari, saleId)
    expect(paid).toMatchObject({ state: 'paid', customer: null, pointsEarned: 10 })
    const [paidRow] = await db.select().from(sale).where(eq(sale.id, saleId))
    expect(paidRow).toMatchObject({ customerMsisdn: null, memberId: null })
    const [attemptRow] = await db.select().from(paymentAttempt).where(eq(paymentAttempt.saleId, saleId))
    expect(attemptRow).toMatchObject({ customerMsisdn: null, customerSource: null, capturedAmount: 10_360 })
    expect(JSON.stringify(attemptRow!.createRequest)).not.toContain(OLA_MSISDN)
    const entries = await db.select().from(pointsEntry)
    expect(entries).toEqual([expect.objectContaining({ saleId, memberId: null, points: 10 })])
    expect(JSON.stringify(await saleOf(kari, saleId))).not.toContain('Ola')

    // The sale under way keeps its customer (the payment needs the number) but is no member's.
    expect((await saleOf(kari, nextSale)).customer).toMatchObject({ msisdn: OLA_MSISDN, member: null })

    const again = await martin.request('DELETE', `/api/club/members/${memberId}`)
    expect(again.statusCode).toBe(404)
  })
})
