/**
 * What the till writes to its log while running the club: a membership
 * request refused, one whose poll and userinfo fail on the way, an accepted
 * enrolment, a member page, a deletion — and never a phone number, a name,
 * an e-mail address, the Login request's id or the customer's access token.
 */
import { eq } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { afterSeconds, answerOnPhone, startEnrolment } from '../../test/club.ts'
import { capturedLog, MARTIN } from '../../test/helpers.ts'
import { call, KARI_MSISDN } from '../../test/sandbox.ts'
import { MILK, readySale, usePaymentTestBed } from '../../test/till.ts'
import { clubEnrolment } from '../db/schema.ts'

const { lines, stream } = capturedLog()
const { pos, sandbox } = usePaymentTestBed({ logger: { level: 'trace', stream } })

it('logs what happened to membership requests without a number, name, e-mail, request id or token', async () => {
  const kari = await pos().signIn()

  // Refused at the start: a number Login cannot reach.
  const danish = await readySale(kari, '+45 20 12 34 56', MILK)
  expect((await kari.request('POST', '/api/club/enrolments', { saleId: danish })).statusCode).toBe(400)
  await kari.request('POST', `/api/sales/${danish}/void`)

  // Accepted, with a poll and a userinfo lost on the way.
  const saleId = await readySale(kari, '123 45 678', MILK)
  const enrolment = await startEnrolment(kari, saleId)
  sandbox.faults.push({ matches: call('POST', /\/oauth2\/token$/), kind: 'drop', times: 1 })
  expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
  await answerOnPhone(sandbox, KARI_MSISDN, { accept: { email: true } })
  sandbox.faults.push({ matches: call('GET', /\/userinfo$/), kind: 'drop', times: 1 })
  expect(await afterSeconds(pos(), sandbox, 5)).toBe(1)
  const [held] = await pos()
    .database.db.select()
    .from(clubEnrolment)
    .where(eq(clubEnrolment.id, enrolment.id))
  // The request's id and the customer's token, held while userinfo is retried.
  const secrets = [held!.authReqId, held!.accessToken].filter((value): value is string => Boolean(value))
  expect(secrets).toHaveLength(2)
  expect(await afterSeconds(pos(), sandbox, 30)).toBe(1)
  const page = await kari.request('GET', `/api/club/enrolments/${enrolment.id}`)
  expect(page.json().state).toBe('accepted')
  const memberId = page.json().member.id
  await kari.request('GET', `/api/club/members/${memberId}`)
  await kari.request('POST', '/api/club/lookup', { phoneNumber: '123 45 678' })
  const martin = await pos().signIn(MARTIN, 'till-2')
  expect((await martin.request('DELETE', `/api/club/members/${memberId}`)).statusCode).toBe(204)

  const log = lines.join('')
  expect(log).toContain('membership request not sent')
  expect(log).toContain('membership request poll failed')
  expect(log).toContain('userinfo failed')
  for (const personal of [
    KARI_MSISDN,
    '12345678',
    '123 45 678',
    '4520123456',
    'Kari Nordmann',
    'Nordmann',
    'kari.nordmann@example.no',
    ...secrets,
  ]) {
    expect(log).not.toContain(personal)
  }
})
