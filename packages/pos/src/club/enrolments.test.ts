/**
 * Enrolment by consent on the phone, in-process: the till's API on PGlite
 * (or PostgreSQL), its Login client talking to an in-process sandbox, the
 * customer answering through the sandbox's phone control API, the polling
 * stepped on both clocks.
 */
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  afterSeconds,
  answerOnPhone,
  enrolmentOf,
  insertMember,
  loginsOnPhone,
  startEnrolment,
  waitingOnPhone,
} from '../../test/club.ts'
import { call, KARI_MSISDN, OLA_MSISDN } from '../../test/sandbox.ts'
import { MILK, readySale, saleOf, saleWith, usePaymentTestBed } from '../../test/till.ts'
import { buildPosApp } from '../app.ts'
import { clubEnrolment, member, memberConsent } from '../db/schema.ts'
import type { LiveNotice } from '../live/hub.ts'
import { DEMO_TILLS } from '../seed/demo.ts'

const { pos, sandbox } = usePaymentTestBed()

const userinfoCall = call('GET', /\/vipps-userinfo-api\/userinfo$/)

async function members() {
  return pos().database.db.select().from(member)
}

async function enrolmentRow(id: string) {
  const [row] = await pos().database.db.select().from(clubEnrolment).where(eq(clubEnrolment.id, id))
  return row!
}

/** Collects the live notices for till-1 (what the SSE stream renders), until the test ends. */
function followTill(): LiveNotice[] {
  const notices: LiveNotice[] = []
  pos().ctx.live.subscribe(DEMO_TILLS[0].id, (notice) => notices.push(notice))
  return notices
}

async function eventually(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !check(); tries++) await new Promise((r) => setTimeout(r, 10))
  expect(check()).toBe(true)
}

describe('a membership request', () => {
  it('accepted on the phone enrols the customer once, with what they shared and their consents, and the sale’s customer becomes the member', async () => {
    const notices = followTill()
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)

    const started = await startEnrolment(kari, saleId)
    expect(started).toMatchObject({
      saleId,
      state: 'waiting',
      phoneDisplay: '+47 123 45 678',
      finishedAt: null,
      member: null,
      error: null,
    })
    expect(started.bindingMessage).toMatch(/^[A-Z0-9-]{5,8}$/)
    expect(Date.parse(started.expiresAt) - Date.parse(started.startedAt)).toBe(600_000)

    // The phone shows the request with the code the cashier reads aloud and the data asked for.
    const onPhone = await waitingOnPhone(sandbox, KARI_MSISDN)
    expect(onPhone.bindingMessage).toBe(started.bindingMessage)
    expect(onPhone.scopes).toEqual(['openid', 'name', 'phoneNumber', 'email', 'delegatedConsents'])
    expect(onPhone.consentRequest?.consents.map((c) => c.id)).toEqual(['personal', 'email', 'sms'])

    // Still waiting: the first poll (after the platform's 5 s interval) hears "pending".
    expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
    expect((await enrolmentOf(kari, started.id)).state).toBe('waiting')

    const answeringFrom = sandbox.ctx.clock.now()
    await answerOnPhone(sandbox, KARI_MSISDN, { accept: { email: true, sms: false } })
    const answeredBy = sandbox.ctx.clock.now()
    expect(await afterSeconds(pos(), sandbox, 4)).toBe(0) // the interval is honoured
    expect(await afterSeconds(pos(), sandbox, 1)).toBe(1)

    const accepted = await enrolmentOf(kari, started.id)
    expect(accepted.state).toBe('accepted')
    expect(accepted.finishedAt).not.toBeNull()
    expect(accepted.member).toMatchObject({
      name: 'Kari Nordmann',
      phoneDisplay: '+47 123 45 678',
      points: 0,
    })

    const enrolled = await members()
    expect(enrolled).toHaveLength(1)
    expect(enrolled[0]).toMatchObject({
      id: accepted.member!.id,
      msisdn: KARI_MSISDN,
      name: 'Kari Nordmann',
      email: 'kari.nordmann@example.no',
      sharedData: ['name', 'phoneNumber', 'email'],
    })
    expect(enrolled[0]!.vippsSub).toBeTruthy()
    const consents = await pos()
      .database.db.select()
      .from(memberConsent)
      .where(eq(memberConsent.memberId, enrolled[0]!.id))
    const byId = Object.fromEntries(consents.map((c) => [c.consentId, c]))
    expect(byId.personal).toMatchObject({ accepted: true, required: true })
    expect(byId.email).toMatchObject({ accepted: true, required: false, text: 'Motta tilbud på e-post' })
    expect(byId.sms).toMatchObject({ accepted: false, required: false })
    // The time of consent is the platform's (whole seconds on the sandbox's clock, which
    // runs on: the answer may fall in the next second).
    const consentedAt = byId.email!.answeredAt.getTime()
    expect(consentedAt % 1000).toBe(0)
    expect(consentedAt).toBeGreaterThanOrEqual(Math.floor(answeringFrom / 1000) * 1000)
    expect(consentedAt).toBeLessThanOrEqual(answeredBy)
    // The token is not kept once the member is enrolled.
    expect((await enrolmentRow(started.id)).accessToken).toBeNull()

    const sale = await saleOf(kari, saleId)
    expect(sale.customer.member).toEqual({ id: enrolled[0]!.id, name: 'Kari Nordmann', points: 0 })

    // Nothing more happens however often the sweeper looks.
    expect(await afterSeconds(pos(), sandbox, 60)).toBe(0)
    expect(await members()).toHaveLength(1)

    // The till's screen heard each state change of the enrolment, and the sale with its member.
    await eventually(() => notices.filter((n) => n.topic === 'enrolment' && n.id === started.id).length >= 2)
    expect(notices).toContainEqual({ tillId: DEMO_TILLS[0].id, topic: 'sale', id: saleId })

    // The member page shows it all.
    const page = await kari.request('GET', `/api/club/members/${enrolled[0]!.id}`)
    expect(page.statusCode).toBe(200)
    expect(page.json()).toMatchObject({
      name: 'Kari Nordmann',
      email: 'kari.nordmann@example.no',
      birthDate: null,
      sharedData: ['name', 'phoneNumber', 'email'],
      purchases: [],
      pointsHistory: [],
    })
    expect(page.json().consents).toHaveLength(3)

    // A second request for a member is refused.
    const again = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(again.statusCode).toBe(409)
    expect(again.json().error.code).toBe('ALREADY_MEMBER')
  })

  it('declined on the phone enrols nobody', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    const started = await startEnrolment(kari, saleId)
    await answerOnPhone(sandbox, KARI_MSISDN, 'reject')
    expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
    const declined = await enrolmentOf(kari, started.id)
    expect(declined).toMatchObject({ state: 'declined', member: null })
    expect(await members()).toHaveLength(0)
    expect((await saleOf(kari, saleId)).customer.member).toBeNull()
    // Declined is final: a new request may be sent.
    const second = await startEnrolment(kari, saleId)
    expect(second.id).not.toBe(started.id)
  })

  it('not answered expires when the platform’s time runs out', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    const started = await startEnrolment(kari, saleId)
    expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
    expect(await afterSeconds(pos(), sandbox, 600)).toBe(1)
    expect((await enrolmentOf(kari, started.id)).state).toBe('expired')
    expect((await loginsOnPhone(sandbox, KARI_MSISDN))[0]!.state).toBe('expired')
    expect(await members()).toHaveLength(0)
    expect(await afterSeconds(pos(), sandbox, 60)).toBe(0)
  })

  it('cancelled by the cashier stops polling, and a later accept on the phone enrols nobody', async () => {
    const notices = followTill()
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    const started = await startEnrolment(kari, saleId)

    const cancelled = await kari.request('POST', `/api/club/enrolments/${started.id}/cancel`)
    expect(cancelled.statusCode, cancelled.body).toBe(200)
    expect(cancelled.json()).toMatchObject({ state: 'cancelled' })
    expect(cancelled.json().finishedAt).not.toBeNull()

    await answerOnPhone(sandbox, KARI_MSISDN, { accept: { email: true } })
    expect(await afterSeconds(pos(), sandbox, 5)).toBe(0)
    expect(await afterSeconds(pos(), sandbox, 60)).toBe(0)
    expect(await members()).toHaveLength(0)
    expect((await saleOf(kari, saleId)).customer.member).toBeNull()

    const twice = await kari.request('POST', `/api/club/enrolments/${started.id}/cancel`)
    expect(twice.statusCode).toBe(409)
    expect(twice.json().error).toMatchObject({ code: 'ENROLMENT_FINISHED', field: 'enrolmentId' })
    await eventually(() => notices.some((n) => n.topic === 'enrolment' && n.id === started.id))
  })

  it('polls no faster than the platform asks: after slow_down, five seconds more between polls', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    const started = await startEnrolment(kari, saleId)
    expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
    // The till's clock runs ahead of the platform's: its next poll comes too soon for the platform.
    pos().clock.advance(5_000)
    expect(await pos().ctx.club.enrolments.sweep()).toBe(1)
    expect((await enrolmentRow(started.id)).pollIntervalSeconds).toBe(10)
    expect((await loginsOnPhone(sandbox, KARI_MSISDN))[0]!.interval).toBe(10)

    // The next poll waits the new interval.
    expect(await afterSeconds(pos(), sandbox, 9)).toBe(0)
    expect(await afterSeconds(pos(), sandbox, 1)).toBe(1)
    const row = await enrolmentRow(started.id)
    expect(row.state).toBe('waiting')
    expect(row.pollIntervalSeconds).toBe(10) // pending this time: no second slow_down

    await answerOnPhone(sandbox, KARI_MSISDN, { accept: {} })
    expect(await afterSeconds(pos(), sandbox, 10)).toBe(1)
    expect((await enrolmentOf(kari, started.id)).state).toBe('accepted')
  })

  it('is completed exactly once when two till processes poll it, and by the other if the first loses the answer', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    const started = await startEnrolment(kari, saleId)
    const other = await buildPosApp({
      database: pos().database,
      clock: pos().clock,
      vipps: sandbox.settings,
      claimer: 'other-till-process',
    })
    try {
      await answerOnPhone(sandbox, KARI_MSISDN, { accept: { sms: true } })
      // The first process collects the tokens, but reading userinfo fails on the way.
      sandbox.faults.push({ matches: userinfoCall, kind: 'drop', times: 1 })
      pos().clock.advance(5_000)
      sandbox.ctx.clock.advance(5_000)
      const taken = await Promise.all([pos().ctx.club.enrolments.sweep(), other.ctx.club.enrolments.sweep()])
      expect(taken[0]! + taken[1]!).toBe(1)
      expect((await enrolmentRow(started.id)).state).toBe('waiting')
      expect((await enrolmentRow(started.id)).accessToken).toBeTruthy()
      expect(await members()).toHaveLength(0)

      // Both look again when it is due; one of them enrols with the stored token, once.
      pos().clock.advance(30_000)
      const again = await Promise.all([pos().ctx.club.enrolments.sweep(), other.ctx.club.enrolments.sweep()])
      expect(again[0]! + again[1]!).toBe(1)
      expect((await enrolmentOf(kari, started.id)).state).toBe('accepted')
      expect(await members()).toHaveLength(1)
      // The platform handed the tokens out once.
      const polls = sandbox.calls.filter((c) => c.path.endsWith('/oauth2/token'))
      expect(polls).toHaveLength(1)
    } finally {
      await other.app.close()
    }
  })
})

describe('starting a membership request', () => {
  it('refuses a sale without a customer, a second request while one waits, and bad input, naming the field', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)

    const noCustomer = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(noCustomer.statusCode).toBe(409)
    expect(noCustomer.json().error).toMatchObject({ code: 'NO_CUSTOMER', field: 'saleId' })

    await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '12345678' })
    await startEnrolment(kari, saleId)
    const second = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(second.statusCode).toBe(409)
    expect(second.json().error.code).toBe('ENROLMENT_IN_PROGRESS')
    expect(await loginsOnPhone(sandbox, KARI_MSISDN)).toHaveLength(1)

    const missing = await kari.request('POST', '/api/club/enrolments', {})
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.field).toBe('saleId')
    const wrongType = await kari.request('POST', '/api/club/enrolments', { saleId: 42 })
    expect(wrongType.statusCode).toBe(400)
    expect(wrongType.json().error.field).toBe('saleId')
    const unknownSale = await kari.request('POST', '/api/club/enrolments', { saleId: 'sale_nope' })
    expect(unknownSale.statusCode).toBe(404)
    expect(unknownSale.json().error.field).toBe('saleId')
    const unknownEnrolment = await kari.request('GET', '/api/club/enrolments/enr_nope')
    expect(unknownEnrolment.statusCode).toBe(404)
    expect(unknownEnrolment.json().error.code).toBe('NOT_FOUND')
    const noCsrf = await kari.request('POST', '/api/club/enrolments', { saleId }, { csrf: false })
    expect(noCsrf.statusCode).toBe(403)
  })

  it('refuses a member, found when the customer is set', async () => {
    await insertMember(pos(), { msisdn: OLA_MSISDN })
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '912 34 567', MILK)
    const refused = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.code).toBe('ALREADY_MEMBER')
  })

  it('answers 400 CUSTOMER_NOT_FOUND for a number the platform cannot reach, recording the failure', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '+45 20 12 34 56', MILK)
    const refused = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error).toMatchObject({ code: 'CUSTOMER_NOT_FOUND', field: 'saleId' })
    const [row] = await pos().database.db.select().from(clubEnrolment)
    expect(row).toMatchObject({ state: 'failed', errorCode: 'CUSTOMER_NOT_FOUND' })
    expect(row!.finishedAt).not.toBeNull()
    expect(await afterSeconds(pos(), sandbox, 60)).toBe(0)
  })

  it('answers 503 PLATFORM_UNAVAILABLE when the platform cannot be reached', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK)
    sandbox.faults.push({ matches: call('POST', /backchannel\/authentication$/), kind: 'refuse', times: 1 })
    const refused = await kari.request('POST', '/api/club/enrolments', { saleId })
    expect(refused.statusCode).toBe(503)
    expect(refused.json().error.code).toBe('PLATFORM_UNAVAILABLE')
    // Nothing waits on the sale: the cashier may press again.
    await startEnrolment(kari, saleId)
  })
})
