/**
 * The customer club's test steps on a till wired to an in-process sandbox:
 * the customer's phone (the Login control API: the consent request, accept
 * with consents, reject), time passing on both clocks with the background
 * work stepped as the worker would, and a member put straight into the
 * database for tests about what comes after enrolment.
 */
import { expect } from 'vitest'
import type { EnrolmentView } from '../src/club/views.ts'
import { member, memberConsent } from '../src/db/schema.ts'
import { DEMO_STORE } from '../src/seed/demo.ts'
import type { TestPos, TillClient } from './helpers.ts'
import type { InProcessSandbox } from './sandbox.ts'

export interface PhoneLogin {
  authReqId: string
  state: string
  bindingMessage?: string
  requestedData: string[]
  scopes: string[]
  /** Seconds the merchant must leave between polls now. */
  interval: number
  consentRequest?: { consents: Array<{ id: string; required: boolean; textDisplayedToUser: string }> }
}

/** What the customer's phone shows: the Login requests sent to it, newest first. */
export async function loginsOnPhone(sandbox: InProcessSandbox, msisdn: string): Promise<PhoneLogin[]> {
  const response = await sandbox.app.inject({ method: 'GET', url: `/_sandbox/users/${msisdn}/logins` })
  expect(response.statusCode, response.body).toBe(200)
  return response.json().logins
}

/** The one request waiting on the phone. */
export async function waitingOnPhone(sandbox: InProcessSandbox, msisdn: string): Promise<PhoneLogin> {
  const waiting = (await loginsOnPhone(sandbox, msisdn)).filter((login) => login.state === 'pending')
  expect(waiting).toHaveLength(1)
  return waiting[0]!
}

/** The customer answers the waiting request on the phone (accept ticks `consents`). */
export async function answerOnPhone(
  sandbox: InProcessSandbox,
  msisdn: string,
  answer: { accept: Record<string, boolean> } | 'reject',
): Promise<void> {
  const { authReqId } = await waitingOnPhone(sandbox, msisdn)
  const response = await sandbox.app.inject({
    method: 'POST',
    url: `/_sandbox/users/${msisdn}/logins/${authReqId}/${answer === 'reject' ? 'reject' : 'accept'}`,
    ...(answer === 'reject' ? {} : { payload: { consents: answer.accept } }),
  })
  expect(response.statusCode, response.body).toBe(200)
}

/**
 * Lets `seconds` pass on the till's and the sandbox's clocks, then runs the
 * enrolment work once, as the worker would; returns how many it took.
 */
export async function afterSeconds(
  pos: TestPos,
  sandbox: InProcessSandbox,
  seconds: number,
): Promise<number> {
  pos.clock.advance(seconds * 1000)
  sandbox.ctx.clock.advance(seconds * 1000)
  return pos.ctx.club.enrolments.sweep()
}

/** POST /api/club/enrolments; expects 201 and returns the enrolment. */
export async function startEnrolment(till: TillClient, saleId: string): Promise<EnrolmentView> {
  const response = await till.request('POST', '/api/club/enrolments', { saleId })
  expect(response.statusCode, response.body).toBe(201)
  return response.json()
}

export async function enrolmentOf(till: TillClient, enrolmentId: string): Promise<EnrolmentView> {
  const response = await till.request('GET', `/api/club/enrolments/${enrolmentId}`)
  expect(response.statusCode, response.body).toBe(200)
  return response.json()
}

/** Ola as a member of the demo store, written straight into the database, with two consents. */
export async function insertMember(
  pos: TestPos,
  fields: { id?: string; msisdn?: string; name?: string; points?: number } = {},
): Promise<string> {
  const now = new Date(pos.clock.now())
  const id = fields.id ?? 'mbr_ola'
  await pos.database.db.insert(member).values({
    id,
    storeId: DEMO_STORE.id,
    msisdn: fields.msisdn ?? '4791234567',
    name: fields.name ?? 'Ola Nordmann',
    email: 'ola.nordmann@example.no',
    birthDate: null,
    vippsSub: `sub-${id}`,
    sharedData: ['name', 'phoneNumber', 'email'],
    points: fields.points ?? 0,
    enrolledAt: now,
    updatedAt: now,
  })
  await pos.database.db.insert(memberConsent).values([
    {
      memberId: id,
      consentId: 'email',
      text: 'Motta tilbud på e-post',
      required: false,
      accepted: true,
      answeredAt: now,
    },
    {
      memberId: id,
      consentId: 'sms',
      text: 'Motta tilbud på SMS',
      required: false,
      accepted: false,
      answeredAt: now,
    },
  ])
  return id
}
