/**
 * The eCom control API the phone, the landing page and tests use: the user's
 * orders in the shape the phone renders, the landing page's number, approve
 * and reject, the listings for inspection, the news on the phone's stream,
 * and the control API's own refusals (problem+json).
 */
import { schemaIssues } from '@kasse/vipps'
import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { loadConfig } from '../config.ts'
import {
  approveOnPhone,
  control,
  ecom,
  expressBody,
  initiate,
  initiateBody,
  KARI,
  MSN,
  OLA,
  toPhone,
} from './test-helpers.ts'
import { EcomPhoneOrder } from './views.ts'

const DANE = {
  msisdn: '4512345678',
  givenName: 'Mette',
  familyName: 'Hansen',
  email: 'mette@example.dk',
  birthDate: '1990-01-01',
  address: { streetAddress: 'Strøget 1', postalCode: '1160', region: 'København', country: 'DK' },
}

describe('the phone’s eCom orders', () => {
  it('lists pending and answered orders in the phone’s shape, and tells the phone each time they change', async () => {
    const sb = await testSandbox()
    const changes: string[] = []
    sb.ctx.events.on('phone.changed', ({ msisdn }) => changes.push(msisdn))
    const regular = await initiate(sb, initiateBody({ customerInfo: { mobileNumber: '12345678' } }))
    const express = await initiate(sb, expressBody())
    await toPhone(sb, regular.url)
    await toPhone(sb, express.url)
    expect(changes).toEqual([KARI, KARI])
    await approveOnPhone(sb, regular.orderId)
    expect(changes).toHaveLength(3)
    await ecom(sb, {
      url: `/ecomm/v2/payments/${regular.orderId}/capture`,
      body: { merchantInfo: { merchantSerialNumber: MSN }, transaction: { transactionText: 'Sendt' } },
    })
    expect(changes).toHaveLength(4)

    const phone = (await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json()
    expect(phone.pending.map((o: { orderId: string }) => o.orderId)).toEqual([express.orderId])
    expect(phone.history).toHaveLength(1)
    expect(phone.history[0]).toMatchObject({
      orderId: regular.orderId,
      merchantName: 'Kasse Demo Butikk',
      state: 'CAPTURED',
      paymentType: 'eComm Regular Payment',
      suggestedMsisdn: KARI,
      msisdn: KARI,
      fallBack: 'https://shop.example.no/orders/return',
      money: { reserved: 29_900, captured: 29_900, remainingToCapture: 0, remainingToRefund: 29_900 },
    })
    for (const order of [...phone.pending, ...phone.history])
      expect(schemaIssues(EcomPhoneOrder, order)).toEqual([])
  })

  it('puts a whitelisted order (skipLandingPage) on the phone at once', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(
      sb,
      initiateBody({ customerInfo: { mobileNumber: '91234567' }, transaction: { skipLandingPage: true } }),
    )
    const phone = (await control(sb, 'GET', `/_sandbox/users/${OLA}/ecom-orders`)).json()
    expect(phone.pending[0]).toMatchObject({ orderId, msisdn: OLA })
  })

  it('moves an order to the number typed last on the landing page', async () => {
    const sb = await testSandbox()
    const { orderId, url } = await initiate(sb, initiateBody())
    await toPhone(sb, url, KARI)
    await toPhone(sb, url, OLA)
    expect((await control(sb, 'GET', `/_sandbox/users/${KARI}/ecom-orders`)).json().pending).toEqual([])
    const approve = await control(
      sb,
      'POST',
      `/_sandbox/users/${KARI}/ecom-orders/${MSN}/${orderId}/approve`,
      {},
    )
    expect(approve.statusCode).toBe(404)
    expect(
      (await control(sb, 'POST', `/_sandbox/users/${OLA}/ecom-orders/${MSN}/${orderId}/reject`)).json().state,
    ).toBe('REJECTED')
  })
})

describe('the landing page’s control routes', () => {
  it('shows the order behind a token, with the number to prefill, and refuses what it cannot send', async () => {
    const sb = await testSandbox({ config: loadConfig(undefined, { users: [DANE] }) })
    const { orderId, url } = await initiate(sb, initiateBody({ customerInfo: { mobileNumber: '12345678' } }))
    const token = new URL(url).searchParams.get('token')!
    const landing = await control(sb, 'GET', `/_sandbox/ecom/landing/${token}`)
    expect(landing.json()).toMatchObject({
      orderId,
      state: 'INITIATED',
      suggestedMsisdn: KARI,
      amount: 29_900,
    })

    const unknown = await control(sb, 'POST', `/_sandbox/ecom/landing/${token}/user`, {
      msisdn: '4700000000',
    })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.headers['content-type']).toContain('application/problem+json')
    expect(unknown.json().extraDetails[0].name).toBe('msisdn')
    const danish = await control(sb, 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn: DANE.msisdn })
    expect(danish.statusCode).toBe(400)
    expect(danish.json().detail).toContain('Norwegian')

    await toPhone(sb, url)
    await approveOnPhone(sb, orderId)
    const late = await control(sb, 'POST', `/_sandbox/ecom/landing/${token}/user`, { msisdn: OLA })
    expect(late.statusCode).toBe(409)
    expect((await control(sb, 'GET', '/_sandbox/ecom/landing/no-such-token')).statusCode).toBe(404)
  })
})

describe('inspection', () => {
  it('lists orders by MSN and state with their log, and answers an unknown order as problem+json', async () => {
    const sb = await testSandbox()
    const first = await initiate(sb, initiateBody())
    const second = await initiate(sb, initiateBody())
    await toPhone(sb, second.url)
    await approveOnPhone(sb, second.orderId)
    const all = (await control(sb, 'GET', `/_sandbox/ecom/orders?msn=${MSN}`)).json().orders
    expect(all.map((o: { orderId: string }) => o.orderId)).toEqual([second.orderId, first.orderId])
    const reserved = (await control(sb, 'GET', '/_sandbox/ecom/orders?state=RESERVED')).json().orders
    expect(reserved).toHaveLength(1)
    expect(reserved[0].transactionLogHistory.map((e: { operation: string }) => e.operation)).toEqual([
      'RESERVE',
      'INITIATE',
    ])
    const one = (await control(sb, 'GET', `/_sandbox/ecom/orders/${MSN}/${second.orderId}`)).json()
    expect(one.callbacks).toEqual([expect.objectContaining({ kind: 'payment', withAuthToken: true })])
    const missing = await control(sb, 'GET', `/_sandbox/ecom/orders/${MSN}/no-such-order`)
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).toContain('application/problem+json')
    expect(missing.json().title).toBe('Requested Order not found')
    expect((await control(sb, 'GET', '/_sandbox/ecom/orders?state=PAID')).statusCode).toBe(400)
  })

  it('forgets every order on reset', async () => {
    const sb = await testSandbox()
    const { orderId } = await initiate(sb, initiateBody())
    expect((await control(sb, 'POST', '/_sandbox/reset')).statusCode).toBeLessThan(300)
    expect((await control(sb, 'GET', '/_sandbox/ecom/orders')).json().orders).toEqual([])
    const gone = await ecom(sb, { url: `/ecomm/v2/payments/${orderId}/details` })
    expect(gone.statusCode).toBe(404)
  })
})
