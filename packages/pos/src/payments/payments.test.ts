/**
 * The payment flow in-process: the till's API on PGlite (or PostgreSQL),
 * its Vipps MobilePay client talking to an in-process sandbox, the background
 * work stepped by the tests on the till's manual clock.
 */
import type { EPaymentWebhookEvent, PaymentEventName } from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { MARTIN } from '../../test/helpers.ts'
import { call, KARI_MSISDN, MSN, OLA_MSISDN } from '../../test/sandbox.ts'
import {
  afterMs,
  BATTERIES,
  MILK,
  NEWSPAPER,
  paymentOf,
  readySale,
  saleOf,
  saleWith,
  startPayment,
  usePaymentTestBed,
} from '../../test/till.ts'
import { buildPosApp } from '../app.ts'
import { whichDue } from '../db/claims.ts'
import { paymentAttempt } from '../db/schema.ts'
import type { PaymentAttemptView } from './views.ts'

const { pos, sandbox } = usePaymentTestBed()

const createCall = call('POST', /^\/epayment\/v1\/payments$/)
const captureCall = call('POST', /\/capture$/)

/** Polls a condition on the database (bounded), for work another request is doing. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 200; tries++) {
    const value = await check()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the condition never held')
}

let psp = 5000
/** A verified ePayment event about `attempt`, as the webhook receiver hands it to the service. */
function eventAbout(attempt: PaymentAttemptView, name: PaymentEventName): EPaymentWebhookEvent {
  return {
    msn: MSN,
    reference: attempt.reference,
    pspReference: String(++psp),
    name,
    amount: { currency: 'NOK', value: attempt.amount },
    timestamp: new Date(pos().clock.now()).toISOString(),
    success: true,
  }
}

async function attemptRow(id: string) {
  const [row] = await pos().database.db.select().from(paymentAttempt).where(eq(paymentAttempt.id, id))
  return row!
}

describe('a payment request', () => {
  it('goes to the customer’s phone with the receipt, and once approved is captured and the sale registered', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '123 45 678', MILK, MILK, BATTERIES)

    const attempt = await startPayment(kari, saleId)
    expect(attempt).toMatchObject({
      reference: 'till-1-000001-1',
      attemptNumber: 1,
      state: 'waiting_for_customer',
      amount: 2 * 2590 + 7990,
      currency: 'NOK',
      customer: { display: '+47 123 45 678', source: 'typed' },
      capturedAmount: 0,
    })
    expect(attempt.error).toBeUndefined()
    expect((await saleOf(kari, saleId)).state).toBe('awaiting_payment')

    // What the customer's phone shows: the itemised receipt with the till and the receipt number.
    const onPhone = await sandbox.app.inject({
      method: 'GET',
      url: `/_sandbox/users/${KARI_MSISDN}/payments`,
    })
    const request = onPhone
      .json()
      .payments.find((p: { reference: string }) => p.reference === attempt.reference)
    expect(request).toBeDefined()

    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    // The first poll is 5 s after the request: nothing is due before.
    expect(await afterMs(pos(), 4_000)).toBe(0)
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
    expect(await afterMs(pos(), 1_000)).toBe(1)

    const done = await paymentOf(kari, saleId)
    expect(done).toMatchObject({ state: 'captured', stateText: 'Payment registered', capturedAmount: 13170 })
    expect(done.pspReference).toBeTruthy()
    const sale = await saleOf(kari, saleId)
    expect(sale.state).toBe('paid')

    const platform = await sandbox.payment(attempt.reference)
    expect(platform.events.filter((e) => e.name === 'CAPTURED')).toHaveLength(1)
    // Nothing more happens however often the sweeper looks.
    expect(await afterMs(pos(), 60_000)).toBe(0)
    expect(
      (await sandbox.payment(attempt.reference)).events.filter((e) => e.name === 'CAPTURED'),
    ).toHaveLength(1)
  })

  it('is seen by the worker’s one look (its due check) exactly when a sweep would take it', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    await startPayment(kari, saleId)
    const { ctx } = pos()
    const isDue = async () => (await whichDue(ctx.db, [ctx.payments.dueCheck()]))[0]

    pos().clock.advance(4_000)
    expect(await isDue()).toBe(false)
    pos().clock.advance(1_000)
    expect(await isDue()).toBe(true)
    expect(await ctx.payments.sweep()).toBe(1)
    // Polled, and the next poll is 2 s away: nothing is due until then.
    expect(await isDue()).toBe(false)
  })

  it('is stored with its reference and key before the platform is called: a refused connection leaves a retryable attempt, and the retry reuses both', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    sandbox.faults.push({ matches: createCall, kind: 'refuse', times: 1 })

    const failed = await startPayment(kari, saleId)
    expect(failed).toMatchObject({
      state: 'failed',
      error: { code: 'PLATFORM_UNAVAILABLE', retryable: true },
    })
    const stored = await attemptRow(failed.id)
    expect(stored.reference).toBe('till-1-000001-1')
    expect(stored.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
    expect(stored.createRequest.reference).toBe(stored.reference)
    // The cashier may fix the cart; the sale is open again.
    expect((await saleOf(kari, saleId)).state).toBe('open')

    const retried = await startPayment(kari, saleId)
    expect(retried).toMatchObject({
      id: failed.id,
      reference: failed.reference,
      state: 'waiting_for_customer',
    })
    expect((await attemptRow(failed.id)).idempotencyKey).toBe(stored.idempotencyKey)
    const created = (await sandbox.payment(failed.reference)).events.find((e) => e.name === 'CREATED')
    expect(created?.idempotencyKey).toBe(stored.idempotencyKey)
  })

  it('whose answer is lost is looked up before anything else: found, it is followed; never created twice', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    sandbox.faults.push({ matches: createCall, kind: 'lose', times: 1 })

    const unknown = await startPayment(kari, saleId)
    expect(unknown.state).toBe('unknown')
    expect((await saleOf(kari, saleId)).state).toBe('awaiting_payment')
    // A second press while it is unknown returns the same attempt and sends nothing.
    const again = await startPayment(kari, saleId)
    expect(again.id).toBe(unknown.id)
    expect(sandbox.calls.filter((c) => createCall(c.method, c.path))).toHaveLength(1)

    expect(await afterMs(pos(), 2_000)).toBe(1)
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
    expect(sandbox.calls.filter((c) => createCall(c.method, c.path))).toHaveLength(1)
  })

  it('that never reached the platform is sent again by the sweeper with the same key', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    sandbox.faults.push({ matches: createCall, kind: 'drop', times: 1 })

    const unknown = await startPayment(kari, saleId)
    expect(unknown.state).toBe('unknown')
    expect(await afterMs(pos(), 2_000)).toBe(1)
    expect((await paymentOf(kari, saleId)).state).toBe('waiting_for_customer')
    const row = await attemptRow(unknown.id)
    const created = (await sandbox.payment(unknown.reference)).events.find((e) => e.name === 'CREATED')
    expect(created?.idempotencyKey).toBe(row.idempotencyKey)
  })

  it('to a number without Vipps MobilePay fails with a message the cashier can act on; another number is a new attempt', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari, '222 33 444')
    const failed = await startPayment(kari, saleId)
    expect(failed).toMatchObject({
      state: 'failed',
      stateText: 'The payment request failed',
      error: { code: 'CUSTOMER_NOT_FOUND', retryable: false },
    })
    expect(failed.error?.message).toMatch(/no Vipps MobilePay/)
    expect(failed.error?.message).not.toMatch(/222/)

    const changed = await kari.request('PUT', `/api/sales/${saleId}/customer`, {
      phoneNumber: '+47 123 45 678',
    })
    expect(changed.json().customer).toEqual({
      msisdn: '4712345678',
      display: '+47 123 45 678',
      source: 'typed',
      member: null,
    })
    const second = await startPayment(kari, saleId)
    expect(second).toMatchObject({
      attemptNumber: 2,
      reference: 'till-1-000001-2',
      state: 'waiting_for_customer',
    })
    expect(second.id).not.toBe(failed.id)
  })

  it('needs a customer first', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    const response = await kari.request('POST', `/api/sales/${saleId}/payment`)
    expect(response.statusCode).toBe(409)
    expect(response.json().error).toMatchObject({ code: 'CUSTOMER_REQUIRED', field: 'customer' })
    expect((await saleOf(kari, saleId)).state).toBe('open')
  })

  it('declined by the customer ends declined and the sale can be edited again', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'reject')
    await afterMs(pos(), 5_000)
    expect(await paymentOf(kari, saleId)).toMatchObject({
      state: 'declined',
      stateText: 'The customer declined',
    })
    expect((await saleOf(kari, saleId)).state).toBe('open')
    const scanned = await kari.request('POST', `/api/sales/${saleId}/lines`, { barcode: NEWSPAPER })
    expect(scanned.statusCode).toBe(200)
  })
})

describe('the customer', () => {
  it('typed wrongly is refused naming phoneNumber, with a message the cashier can act on', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    const wrong = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '123 45' })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toEqual({
      code: 'INVALID_PHONE_NUMBER',
      message: 'A Norwegian number has 8 digits (this one has 5)',
      field: 'phoneNumber',
    })
    const both = await kari.request('PUT', `/api/sales/${saleId}/customer`, {
      phoneNumber: '1',
      personalQr: 'x',
    })
    expect(both.statusCode).toBe(400)
  })

  it('from a scanned personal QR is exchanged for the number, and the request carries the complete code', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    const qr = (await sandbox.app.inject({ method: 'GET', url: `/_sandbox/users/${KARI_MSISDN}/qr` })).json()
    const set = await kari.request('PUT', `/api/sales/${saleId}/customer`, { personalQr: `${qr.content}\n` })
    expect(set.statusCode, set.body).toBe(200)
    expect(set.json().customer).toEqual({
      msisdn: KARI_MSISDN,
      display: '+47 123 45 678',
      source: 'qr',
      member: null,
    })

    const attempt = await startPayment(kari, saleId)
    expect(attempt).toMatchObject({ state: 'waiting_for_customer', customer: { source: 'qr' } })
    expect((await attemptRow(attempt.id)).createRequest.customer).toEqual({ personalQr: qr.content })
  })

  it('from a code the platform does not know is refused naming personalQr', async () => {
    const kari = await pos().signIn()
    const saleId = await saleWith(kari, MILK)
    const wrong = await kari.request('PUT', `/api/sales/${saleId}/customer`, {
      personalQr: 'https://qr.vipps.no/p/not-a-real-code',
    })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().error).toMatchObject({ code: 'INVALID_PERSONAL_QR', field: 'personalQr' })
  })

  it('cannot change while the payment request is under way, and can be taken off an open sale', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    await startPayment(kari, saleId)
    const changed = await kari.request('PUT', `/api/sales/${saleId}/customer`, { phoneNumber: '912 34 567' })
    expect(changed.statusCode).toBe(409)
    expect(changed.json().error.code).toBe('SALE_NOT_EDITABLE')

    const other = await pos().signIn(MARTIN, 'till-2')
    const openSale = await readySale(other)
    const cleared = await other.request('DELETE', `/api/sales/${openSale}/customer`)
    expect(cleared.json().customer).toBeNull()
  })
})

describe('capture', () => {
  it('comes before registering: while the capture fails the sale is not paid, and a later sweep completes both', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    sandbox.faults.push({ matches: captureCall, kind: 'refuse', times: 1 })

    await afterMs(pos(), 5_000)
    expect((await paymentOf(kari, saleId)).state).toBe('capturing')
    expect((await saleOf(kari, saleId)).state).toBe('awaiting_payment')
    expect((await sandbox.payment(attempt.reference)).events.map((e) => e.name)).not.toContain('CAPTURED')

    await afterMs(pos(), 2_000)
    expect((await paymentOf(kari, saleId)).state).toBe('captured')
    expect((await saleOf(kari, saleId)).state).toBe('paid')
  })

  it('whose answer is lost is repeated with the same key: the platform captures once', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    sandbox.faults.push({ matches: captureCall, kind: 'lose', times: 1 })

    await afterMs(pos(), 5_000)
    // Captured on the platform, but the till does not know: not registered yet.
    expect((await paymentOf(kari, saleId)).state).toBe('capturing')
    expect((await saleOf(kari, saleId)).state).toBe('awaiting_payment')

    await afterMs(pos(), 2_000)
    expect((await paymentOf(kari, saleId)).state).toBe('captured')
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    const events = (await sandbox.payment(attempt.reference)).events
    const captures = events.filter((e) => e.name === 'CAPTURED')
    expect(captures).toHaveLength(1)
    expect(captures[0]!.idempotencyKey).toBe((await attemptRow(attempt.id)).captureIdempotencyKey)
    expect(sandbox.calls.filter((c) => captureCall(c.method, c.path))).toHaveLength(2)
  })
})

describe('cancelling', () => {
  it('a request the customer has not answered terminates it, and the sale can be edited', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    const response = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(response.statusCode).toBe(200)
    expect(response.json().attempt).toMatchObject({
      state: 'cancelled',
      stateText: 'The payment request was cancelled',
    })
    expect((await sandbox.payment(attempt.reference)).state).toBe('TERMINATED')
    expect((await saleOf(kari, saleId)).state).toBe('open')
    // Twice is harmless.
    const again = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(again.json().attempt.state).toBe('cancelled')
  })

  it('looks first: an approval that came in meanwhile is completed, not cancelled', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    const response = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(response.statusCode).toBe(200)
    expect(response.json().attempt).toMatchObject({ state: 'captured' })
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    const names = (await sandbox.payment(attempt.reference)).events.map((e) => e.name)
    expect(names).not.toContain('CANCELLED')
    expect(names.filter((n) => n === 'CAPTURED')).toHaveLength(1)

    const late = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(late.statusCode).toBe(409)
    expect(late.json().error.code).toBe('PAYMENT_NOT_CANCELLABLE')
  })

  it('while the request is still on its way waits for it, then cancels what it created', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    let arrive = () => {}
    sandbox.faults.push({
      matches: createCall,
      kind: 'hold',
      times: 1,
      until: new Promise<void>((r) => (arrive = r)),
    })
    const starting = startPayment(kari, saleId)
    const creating = await eventually(async () => {
      const [row] = await pos().database.db.select().from(paymentAttempt)
      return row?.state === 'creating' ? row : undefined
    })

    const cancel = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(cancel.json().attempt.state).toBe('cancelling')
    arrive()
    expect((await starting).state).toBe('cancelling')
    // Nothing was cancelled on the platform before the request had arrived there.
    expect((await sandbox.payment(creating.reference)).state).toBe('CREATED')

    expect(await pos().ctx.payments.sweep()).toBe(1)
    expect((await paymentOf(kari, saleId)).state).toBe('cancelled')
    expect((await sandbox.payment(creating.reference)).state).toBe('TERMINATED')
  })

  it('while the outcome of the request is unknown finds nothing to cancel and closes the attempt', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    sandbox.faults.push({ matches: createCall, kind: 'drop', times: 1 })
    expect((await startPayment(kari, saleId)).state).toBe('unknown')
    const response = await kari.request('POST', `/api/sales/${saleId}/payment/cancel`)
    expect(response.json().attempt.state).toBe('cancelled')
    expect(sandbox.calls.filter((c) => createCall(c.method, c.path))).toHaveLength(1)
  })
})

describe('a request nobody answers', () => {
  it('expires on the platform’s clock, and the till follows by polling', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    await startPayment(kari, saleId)
    await sandbox.app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { minutes: 11 } })
    await afterMs(pos(), 5_000)
    expect(await paymentOf(kari, saleId)).toMatchObject({
      state: 'expired',
      stateText: 'The payment request expired',
    })
    expect((await saleOf(kari, saleId)).state).toBe('open')
  })
})

describe('several tills and processes', () => {
  it('take payment at two tills at once without touching each other', async () => {
    const kari = await pos().signIn()
    const martin = await pos().signIn(MARTIN, 'till-2')
    const [first, second] = await Promise.all([
      readySale(kari, '123 45 678', MILK),
      readySale(martin, '912 34 567', BATTERIES, NEWSPAPER),
    ])
    const [a, b] = await Promise.all([startPayment(kari, first), startPayment(martin, second)])
    expect(new Set([a.reference, b.reference]).size).toBe(2)
    expect(a.reference).toMatch(/^till-1-00000[12]-1$/)
    expect(b.reference).toMatch(/^till-2-00000[12]-1$/)
    await sandbox.answer(KARI_MSISDN, a.reference, 'approve')
    await sandbox.answer(OLA_MSISDN, b.reference, 'approve')
    expect(await afterMs(pos(), 5_000)).toBe(2)
    expect((await paymentOf(kari, first)).state).toBe('captured')
    expect((await paymentOf(martin, second)).state).toBe('captured')
    // A till sees only its own sale's payment.
    expect((await kari.request('GET', `/api/sales/${second}/payment`)).statusCode).toBe(404)
  })

  it('sweeping the same database at once capture once: the claim decides who', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    const other = await buildPosApp({ database: pos().database, clock: pos().clock, vipps: sandbox.settings })
    try {
      pos().clock.advance(5_000)
      const swept = await Promise.all([pos().ctx.payments.sweep(), other.ctx.payments.sweep()])
      expect(swept.reduce((a, b) => a + b, 0)).toBe(1)
      expect((await paymentOf(kari, saleId)).state).toBe('captured')
      expect(sandbox.calls.filter((c) => captureCall(c.method, c.path))).toHaveLength(1)
    } finally {
      await other.app.close()
    }
  })

  it('take over an attempt whose process died mid-capture once its lease runs out, with the same key', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    // Another process claimed it, sent the capture, and died before hearing the answer.
    const row = await attemptRow(attempt.id)
    const client = pos().ctx.platform.clientFor(MSN)
    await client.epayment.capture(
      attempt.reference,
      { currency: 'NOK', value: attempt.amount },
      {
        idempotencyKey: row.captureIdempotencyKey,
      },
    )
    const leaseEnds = new Date(pos().clock.now() + 30_000)
    await pos()
      .database.db.update(paymentAttempt)
      .set({ state: 'capturing', claimedBy: 'pos-dead-1', claimedUntil: leaseEnds, nextCheckAt: new Date(0) })
      .where(eq(paymentAttempt.id, attempt.id))

    expect(await afterMs(pos(), 10_000)).toBe(0)
    expect((await saleOf(kari, saleId)).state).toBe('awaiting_payment')
    expect(await afterMs(pos(), 21_000)).toBe(1)
    expect((await paymentOf(kari, saleId)).state).toBe('captured')
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    expect(
      (await sandbox.payment(attempt.reference)).events.filter((e) => e.name === 'CAPTURED'),
    ).toHaveLength(1)
  })
})

describe('a webhook at the payment service', () => {
  it('that tells the till what it already knows changes nothing: no write, and the next poll stays', async () => {
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    const waiting = await attemptRow(attempt.id)
    const heard = await pos().ctx.payments.takeWebhookEvent(eventAbout(attempt, 'CREATED'))
    expect(heard).toEqual({ duplicate: false, known: true })
    expect(await attemptRow(attempt.id)).toEqual(waiting)
    // The first poll is still 5 s after the request.
    expect(await afterMs(pos(), 4_000)).toBe(0)

    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    await pos().ctx.payments.takeWebhookEvent(eventAbout(attempt, 'AUTHORIZED'))
    expect((await paymentOf(kari, saleId)).state).toBe('authorized')
    expect(await pos().ctx.payments.sweep()).toBe(1)
    const captured = await attemptRow(attempt.id)
    expect(captured.state).toBe('captured')
    // The platform's CAPTURED about the till's own capture: nothing new to write.
    await pos().ctx.payments.takeWebhookEvent(eventAbout(attempt, 'CAPTURED'))
    expect(await attemptRow(attempt.id)).toEqual(captured)
  })

  it('approved while its create call still waits for the answer, is captured when the answer comes, not when the lease runs out', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    let answerArrives!: () => void
    const late = new Promise<void>((resolve) => {
      answerArrives = resolve
    })
    sandbox.faults.push({ matches: createCall, kind: 'late', until: late, times: 1 })
    ctx.worker.start()
    try {
      const paying = startPayment(kari, saleId)
      // The platform has the request; its answer is still on the way back.
      const sent = await eventually(async () => {
        const [row] = await pos()
          .database.db.select()
          .from(paymentAttempt)
          .where(eq(paymentAttempt.saleId, saleId))
        if (!row) return undefined
        return (await sandbox.payment(row.reference).catch(() => undefined)) ? row : undefined
      })
      await sandbox.answer(KARI_MSISDN, sent.reference, 'approve')
      // The approval's webhook finds the attempt held by the create call: it can only record it.
      await ctx.payments.takeWebhookEvent(
        eventAbout({ reference: sent.reference, amount: sent.amount } as PaymentAttemptView, 'AUTHORIZED'),
      )
      expect((await attemptRow(sent.id)).state).toBe('authorized')
      answerArrives()
      await paying
      // The till's clock stands still here, so the create call's 30 s lease never runs out:
      // only the process that holds the approval can capture it.
      await eventually(async () => ((await attemptRow(sent.id)).state === 'captured' ? true : undefined))
    } finally {
      answerArrives()
      await ctx.worker.stop()
    }
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    expect(sandbox.calls.filter((c) => captureCall(c.method, c.path))).toHaveLength(1)
  })

  it('with an approval, while the worker runs, is captured at once by the process that took it in, once', async () => {
    const { ctx } = pos()
    const kari = await pos().signIn()
    const saleId = await readySale(kari)
    const attempt = await startPayment(kari, saleId)
    await sandbox.answer(KARI_MSISDN, attempt.reference, 'approve')
    ctx.worker.start()
    try {
      await ctx.payments.takeWebhookEvent(eventAbout(attempt, 'AUTHORIZED'))
      // Claimed in the webhook's own transaction: no sweep can take it meanwhile.
      const taken = await attemptRow(attempt.id)
      if (taken.state !== 'captured') {
        expect(taken).toMatchObject({ state: 'capturing', claimedBy: ctx.payments.claimer })
        expect(await ctx.payments.sweep()).toBe(0)
      }
      await eventually(async () => ((await attemptRow(attempt.id)).state === 'captured' ? true : undefined))
    } finally {
      await ctx.worker.stop()
    }
    expect((await saleOf(kari, saleId)).state).toBe('paid')
    expect((await attemptRow(attempt.id)).claimedBy).toBeNull()
    expect(sandbox.calls.filter((c) => captureCall(c.method, c.path))).toHaveLength(1)
  })
})
