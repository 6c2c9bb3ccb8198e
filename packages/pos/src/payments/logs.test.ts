/**
 * What the till writes to its log while taking payments: every failure kind
 * on the way (a wrong number, a lost answer, a refused webhook, a failed
 * capture, a refund, a journal search by phone), and never a phone number,
 * a personal QR code, a name, a secret or a session token in it.
 */
import type { EPaymentWebhookEvent } from '@kasse/vipps'
import { expect, it } from 'vitest'
import { capturedLog, MARTIN } from '../../test/helpers.ts'
import { call, KARI_MSISDN, MSN, signedDelivery } from '../../test/sandbox.ts'
import {
  afterMs,
  MILK,
  paymentOf,
  saleWith,
  startPayment,
  usePaymentTestBed,
  WEBHOOK,
} from '../../test/till.ts'

const { lines, stream } = capturedLog()
const { pos, sandbox } = usePaymentTestBed({ logger: { level: 'trace', stream } })

it('logs what happened to payments without a phone number, QR code, name, secret or token', async () => {
  const kari = await pos().signIn()
  const saleId = await saleWith(kari, MILK)
  expect(
    (await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '123 45' })).statusCode,
  ).toBe(400)
  const qr = (await sandbox.app.inject({ method: 'GET', url: `/_sandbox/users/${KARI_MSISDN}/qr` })).json()
  await kari.request('PUT', `/api/sales/${saleId}/customer`, { personalQr: qr.content })

  sandbox.faults.push({ matches: call('POST', /^\/epayment\/v1\/payments$/), kind: 'lose', times: 1 })
  sandbox.faults.push({ matches: call('POST', /\/capture$/), kind: 'refuse', times: 1 })
  const attempt = await startPayment(kari, saleId)
  expect(attempt.state).toBe('unknown')
  await afterMs(pos(), 2_000)
  await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
  const event: EPaymentWebhookEvent = {
    msn: MSN,
    reference: attempt.reference,
    pspReference: '777',
    name: 'AUTHORIZED',
    amount: { currency: 'NOK', value: attempt.amount },
    timestamp: new Date(pos().clock.now()).toISOString(),
    success: true,
  }
  const forged = signedDelivery(event, WEBHOOK.url, 'not-the-secret', new Date(pos().clock.now()))
  await pos().app.inject({
    method: 'POST',
    url: '/webhooks/vipps',
    headers: forged.headers,
    payload: forged.body,
  })
  const real = signedDelivery(event, WEBHOOK.url, WEBHOOK.secret, new Date(pos().clock.now()))
  await pos().app.inject({
    method: 'POST',
    url: '/webhooks/vipps',
    headers: real.headers,
    payload: real.body,
  })
  await afterMs(pos(), 0)
  await afterMs(pos(), 5_000)
  expect((await paymentOf(kari, saleId)).state).toBe('captured')

  const martin = await pos().signIn(MARTIN, 'till-2')
  await martin.request('GET', `/api/sales?phone=${encodeURIComponent('+47 123 45 678')}`)
  await martin.request('POST', `/api/sales/${saleId}/refunds`, { all: true })

  const log = lines.join('')
  // The log did record the failures, in its own words.
  expect(log).toContain('payment request outcome unknown')
  expect(log).toContain('webhook delivery refused')
  expect(log).toContain('capture did not complete')
  for (const secret of [
    KARI_MSISDN,
    '12345678',
    '123 45 678',
    '+47',
    qr.content,
    encodeURIComponent(qr.content),
    'Kari',
    'Martin',
    'Nordmann',
    WEBHOOK.secret,
    sandbox.settings.clientSecret,
    sandbox.settings.subscriptionKey,
    kari.sessionToken,
    kari.csrfToken,
  ]) {
    expect(log, secret).not.toContain(secret)
  }
})
