/**
 * The club across the wire, in the seeds' order: a sandbox and a till each
 * listening on 127.0.0.1, the till's background worker polling on the real
 * clock. The customer is identified, is no member, accepts the consent
 * request on the phone (the sandbox's control API), pays, and the cashier's
 * event stream shows each step: the enrolment's states, the sale with its
 * new member, and the sale paid with the points registered. Waits are
 * bounded polls for a condition, never fixed sleeps.
 */
import { describe, expect, it } from 'vitest'
import { KARI_MSISDN } from '../../test/sandbox.ts'
import { BATTERIES, MILK } from '../../test/till.ts'
import {
  eventually,
  followEvents,
  type Json,
  type LiveEvent,
  sandboxControl,
  signInOverHttp,
  useSandboxAndTills,
} from '../../test/wire.ts'

const wire = useSandboxAndTills()

const control = sandboxControl(() => wire.sandbox.url)

const lastOf = (events: LiveEvent[], name: string, match: (data: Json) => boolean) =>
  [...events].reverse().find((e) => e.event === name && match(e.data))?.data

describe('the club checkout over the wire', { timeout: 60_000 }, () => {
  it('identify, enrol on the phone, pay: the screen follows live and the points are registered', async () => {
    const till = await wire.startTill()
    const cashier = await signInOverHttp(till.url)
    const stream = await followEvents(till.url, cashier)
    try {
      const saleId = (await (await cashier.request('POST', '/api/sales')).json()).id
      for (const barcode of [MILK, BATTERIES]) {
        expect((await cashier.request('POST', `/api/sales/${saleId}/lines`, { barcode })).status).toBe(200)
      }
      const qr = await control('GET', `/_sandbox/users/${KARI_MSISDN}/qr`)
      const identified = await cashier.request('PUT', `/api/sales/${saleId}/customer`, {
        personalQr: qr.content,
      })
      expect((await identified.json()).customer.member).toBeNull()

      const started = await cashier.request('POST', '/api/club/enrolments', { saleId })
      expect(started.status).toBe(201)
      const enrolment = await started.json()
      await eventually(
        async () => lastOf(stream.events, 'enrolment', (d) => d.enrolment.id === enrolment.id),
        'the waiting enrolment on the stream',
      )

      const { logins } = await control('GET', `/_sandbox/users/${KARI_MSISDN}/logins`)
      expect(logins[0]).toMatchObject({ state: 'pending', bindingMessage: enrolment.bindingMessage })
      await control('POST', `/_sandbox/users/${KARI_MSISDN}/logins/${logins[0].authReqId}/accept`, {
        consents: { email: true, sms: true },
      })

      const accepted = await eventually(
        async () =>
          lastOf(
            stream.events,
            'enrolment',
            (d) => d.enrolment.id === enrolment.id && d.enrolment.state === 'accepted',
          ),
        'the accepted enrolment on the stream',
      )
      expect(accepted.enrolment.member).toMatchObject({ name: 'Kari Nordmann', points: 0 })
      const memberSale = await eventually(
        async () =>
          lastOf(stream.events, 'sale', (d) => d.sale.id === saleId && d.sale.customer?.member !== null),
        'the sale with its member on the stream',
      )
      expect(memberSale.sale.customer.member).toEqual({
        id: accepted.enrolment.member.id,
        name: 'Kari Nordmann',
        points: 0,
      })
      // Every state the screen saw, in order.
      expect(stream.events.filter((e) => e.event === 'enrolment').map((e) => e.data.enrolment.state)).toEqual(
        ['waiting', 'accepted'],
      )

      const payment = await (await cashier.request('POST', `/api/sales/${saleId}/payment`)).json()
      await control(
        'POST',
        `/_sandbox/users/${KARI_MSISDN}/payments/123456/${payment.attempt.reference}/approve`,
      )
      const paid = await eventually(
        async () => lastOf(stream.events, 'sale', (d) => d.sale.id === saleId && d.sale.state === 'paid'),
        'the paid sale on the stream',
      )
      // 25.90 + 79.90 = 105.80 → 10 points.
      expect(paid.sale.pointsEarned).toBe(10)
      expect(paid.sale.customer.member.points).toBe(10)

      // A returning member is recognised at the next purchase.
      const next = (await (await cashier.request('POST', '/api/sales')).json()).id
      const again = await cashier.request('PUT', `/api/sales/${next}/customer`, { phoneNumber: '123 45 678' })
      expect((await again.json()).customer.member).toMatchObject({ name: 'Kari Nordmann', points: 10 })
    } finally {
      await stream.close()
    }
  })
})
