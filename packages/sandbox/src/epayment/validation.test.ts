import { describe, expect, it } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { call, DANISH_MERCHANT, fieldsOf, orderLine, pushRequest, receiptOf } from './test-helpers.ts'

const MINUTE = 60_000
const line = orderLine
const receipt = receiptOf
const web = { userFlow: 'WEB_REDIRECT', customer: undefined, returnUrl: 'https://shop.example/r' }
const qr = { userFlow: 'QR', customer: undefined }

/** [what is wrong, overrides of a valid push request (or a function of now), the field named, the title]. */
type Case = [string, Record<string, unknown> | ((now: number) => Record<string, unknown>), string, string?]

const refused: Case[] = [
  [
    'another currency than the merchant’s',
    { amount: { currency: 'EUR', value: 1000 } },
    'amount.currency',
    'Invalid currency for merchant',
  ],
  ['less than NOK 1.00', { amount: { currency: 'NOK', value: 99 } }, 'amount.value', 'Amount too small'],
  ['more than the maximum', { amount: { currency: 'NOK', value: 65_000_001 } }, 'amount.value'],
  ['a fractional amount', { amount: { currency: 'NOK', value: 100.5 } }, 'amount.value'],
  ['an amount as a string', { amount: { currency: 'NOK', value: '1000' } }, 'amount.value'],
  ['no amount', { amount: undefined }, 'amount'],
  ['a reference with a space', { reference: 'order 12345' }, 'reference'],
  ['a reference too short', { reference: 'abc' }, 'reference'],
  ['an unknown userFlow', { userFlow: 'SMS' }, 'userFlow'],
  ['an unknown customerInteraction', { customerInteraction: 'MAYBE' }, 'customerInteraction'],
  ['PUSH_MESSAGE without a customer', { customer: undefined }, 'customer', 'Missing required parameter'],
  [
    'WEB_REDIRECT without returnUrl',
    { ...web, returnUrl: undefined },
    'returnUrl',
    'Missing required parameter',
  ],
  ['a plain http returnUrl', { ...web, returnUrl: 'http://shop.example/r' }, 'returnUrl', 'Invalid URL'],
  ['a javascript: returnUrl', { ...web, returnUrl: 'javascript:alert(1)' }, 'returnUrl', 'Invalid URL'],
  ['a relative returnUrl', { ...web, returnUrl: '/done' }, 'returnUrl', 'Invalid URL'],
  ['a plain http receiptUrl', { receiptUrl: 'http://shop.example/receipt' }, 'receiptUrl', 'Invalid URL'],
  ['CARD with PUSH_MESSAGE', { paymentMethod: { type: 'CARD' } }, 'paymentMethod.type'],
  ['two customer identifiers', { customer: { phoneNumber: '4712345678', customerToken: 't' } }, 'customer'],
  ['an empty customer', { customer: {} }, 'customer'],
  ['a phone number too short', { customer: { phoneNumber: '12345' } }, 'customer.phoneNumber'],
  ['a phone number with a plus', { customer: { phoneNumber: '+4712345678' } }, 'customer.phoneNumber'],
  ['a description too short', { paymentDescription: 'ab' }, 'paymentDescription'],
  ['a description too long', { paymentDescription: 'x'.repeat(101) }, 'paymentDescription'],
  ['six metadata pairs', { metadata: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }, 'metadata'],
  ['a metadata value too long', { metadata: { note: 'x'.repeat(501) } }, 'metadata.note'],
  ['a metadata key too long', { metadata: { ['k'.repeat(101)]: 'v' } }, 'metadata'],
  ['an unknown profile scope', { profile: { scope: 'name shoeSize' } }, 'profile.scope', 'Invalid scope'],
  [
    'a receipt line with both tax fields',
    { receipt: receipt(line({ taxPercentage: 25 })) },
    'receipt.orderLines[0].taxRate',
  ],
  [
    'a receipt line with no tax field',
    { receipt: receipt(line({ taxRate: undefined })) },
    'receipt.orderLines[0].taxRate',
  ],
  [
    'a receipt line whose totals do not add up',
    { receipt: receipt(line(), line({ totalAmountExcludingTax: 7000 })) },
    'receipt.orderLines[1].totalAmount',
    'Invalid receipt',
  ],
  [
    'a receipt line whose tax does not match its rate',
    { receipt: receipt(line(), line(), line({ totalAmountExcludingTax: 9000, totalTaxAmount: 1000 })) },
    'receipt.orderLines[2].totalTaxAmount',
  ],
  [
    'a negative receipt line',
    { receipt: receipt(line({ totalAmount: -10_000, totalAmountExcludingTax: -12_000 })) },
    'receipt.orderLines[0].totalAmount',
  ],
  [
    'a receipt in another currency',
    { receipt: { ...receipt(line()), bottomLine: { currency: 'DKK' } } },
    'receipt.bottomLine.currency',
  ],
  ['a receipt without lines', { receipt: receipt() }, 'receipt.orderLines'],
  ['expiresAt that is no date-time', { expiresAt: 'tomorrow', receipt: receipt(line()) }, 'expiresAt'],
  [
    'expiresAt on a day that does not exist',
    { expiresAt: '2030-13-01T00:00:00Z', receipt: receipt(line()) },
    'expiresAt',
  ],
  [
    'expiresAt under 10 minutes ahead',
    (now) => ({ expiresAt: new Date(now + 5 * MINUTE).toISOString(), receipt: receipt(line()) }),
    'expiresAt',
    'Expiration date invalid',
  ],
  [
    'expiresAt 28 days ahead or more',
    (now) => ({ expiresAt: new Date(now + 29 * 1440 * MINUTE).toISOString(), receipt: receipt(line()) }),
    'expiresAt',
    'Expiration date invalid',
  ],
  [
    'expiresAt with WEB_REDIRECT',
    (now) => ({ ...web, expiresAt: new Date(now + 60 * MINUTE).toISOString(), receipt: receipt(line()) }),
    'expiresAt',
    'ExpiresAt not allowed',
  ],
  [
    'expiresAt without a receipt',
    (now) => ({ expiresAt: new Date(now + 60 * MINUTE).toISOString() }),
    'receipt',
  ],
  ['qrFormat with PUSH_MESSAGE', { qrFormat: { format: 'IMAGE/PNG' } }, 'qrFormat'],
  ['a size for an SVG QR', { ...qr, qrFormat: { format: 'IMAGE/SVG+XML', size: 300 } }, 'qrFormat.size'],
  ['a QR size too small', { ...qr, qrFormat: { format: 'IMAGE/PNG', size: 50 } }, 'qrFormat.size'],
]

describe('create payment refuses bad input with a 400 problem naming the field', () => {
  for (const [what, overrides, field, title] of refused) {
    it(`refuses ${what}: ${field}`, async () => {
      const sb = await testSandbox()
      const body = pushRequest(typeof overrides === 'function' ? overrides(sb.ctx.clock.now()) : overrides)
      const response = await call(sb, { url: '/epayment/v1/payments', body })
      expect(response.statusCode, response.body).toBe(400)
      expect(response.headers['content-type']).toContain('application/problem+json')
      expect(fieldsOf(response)).toContain(field)
      if (title) expect(response.json().title).toBe(title)
      // Nothing was created: the reference is still free.
      const retry = await call(sb, { url: `/epayment/v1/payments/${body.reference}`, key: null })
      expect([400, 404]).toContain(retry.statusCode)
    })
  }

  it('refuses an empty body and malformed JSON', async () => {
    const sb = await testSandbox()
    const empty = await call(sb, { method: 'POST', url: '/epayment/v1/payments' })
    expect(empty.statusCode).toBe(400)
    const headers = await sb.headers(undefined, {
      'idempotency-key': 'k',
      'content-type': 'application/json',
    })
    const malformed = await sb.app.inject({
      method: 'POST',
      url: '/epayment/v1/payments',
      headers,
      payload: '{"amount":',
    })
    expect(malformed.statusCode).toBe(400)
  })
})

describe('create payment accepts what the platform accepts', () => {
  const accepted: Array<[string, Record<string, unknown> | ((now: number) => Record<string, unknown>)]> = [
    ['a localhost http returnUrl', { ...web, returnUrl: 'http://localhost:3000/done' }],
    ['a 127.0.0.1 http returnUrl', { ...web, returnUrl: 'http://127.0.0.1:8080/done?order=1' }],
    ['an app’s custom scheme', { ...web, returnUrl: 'kasse-shop://order/17' }],
    ['CARD with WEB_REDIRECT', { ...web, paymentMethod: { type: 'CARD' } }],
    ['a customerToken', { customer: { customerToken: 'ey%382jf8+qk3nnfdsao0i5jl' } }],
    ['null optional fields', { metadata: null, expiresAt: null, qrFormat: null, receiptUrl: null }],
    ['a PNG QR of a given size', { ...qr, qrFormat: { format: 'IMAGE/PNG', size: 300 } }],
    [
      'expiresAt on a QR payment with a receipt',
      (now) => ({ ...qr, expiresAt: new Date(now + 60 * MINUTE).toISOString(), receipt: receipt(line()) }),
    ],
    [
      'expiresAt with an offset',
      (now) => ({
        expiresAt: new Date(now + 27 * 1440 * MINUTE).toISOString().replace('Z', '+00:00'),
        receipt: receipt(line()),
      }),
    ],
    [
      'receipt lines rounded per unit, with taxPercentage, a return and zero VAT',
      {
        receipt: receipt(
          line({
            totalAmount: 3 * 1999,
            totalAmountExcludingTax: 3 * 1599,
            totalTaxAmount: 3 * 400,
            unitInfo: { unitPrice: 1999, quantity: '3' },
          }),
          line({
            taxRate: undefined,
            taxPercentage: 15,
            totalAmount: 4600,
            totalAmountExcludingTax: 4000,
            totalTaxAmount: 600,
          }),
          line({ isReturn: true }),
          line({ taxRate: 0, totalAmount: 500, totalAmountExcludingTax: 500, totalTaxAmount: 0 }),
        ),
      },
    ],
    ['unknown fields the live platform has', { minimumUserAge: 18 }],
  ]
  for (const [what, overrides] of accepted) {
    it(`accepts ${what}`, async () => {
      const sb = await testSandbox()
      const body = pushRequest(typeof overrides === 'function' ? overrides(sb.ctx.clock.now()) : overrides)
      const response = await call(sb, { url: '/epayment/v1/payments', body })
      expect(response.statusCode, response.body).toBe(201)
    })
  }

  it('takes 1 øre from a Danish merchant', async () => {
    const sb = await testSandbox()
    sb.ctx.directory.upsertMerchant(DANISH_MERCHANT)
    const body = pushRequest({ amount: { currency: 'DKK', value: 1 } })
    expect(
      (await call(sb, { url: '/epayment/v1/payments', body, merchant: DANISH_MERCHANT })).statusCode,
    ).toBe(201)
  })
})
