/**
 * ePayment API v1. Writes (create, capture, cancel, refund) carry an
 * Idempotency-Key and are retried with it, so a lost answer never captures
 * twice; reads are retried freely; force approve (test only) has no key and is
 * retried only when it provably never arrived.
 */
import type { Amount } from '../schemas/common.ts'
import {
  type CreatePaymentRequest,
  CreatePaymentResponse,
  type ForceApproveRequest,
  GetPaymentResponse,
  ModificationResponse,
  type PaymentEvent,
  PaymentEventLog,
  type PaymentState,
} from '../schemas/epayment.ts'
import type { CallOptions, IdempotentCallOptions } from './config.ts'
import type { Transport } from './transport.ts'

const BASE = '/epayment/v1/payments'
const path = (reference: string, action = '') => `${BASE}/${encodeURIComponent(reference)}${action}`

export interface WaitForPaymentOptions extends CallOptions {
  /** Between polls. Default 2 s, the platform's polling guideline. */
  intervalMs?: number
  /** Give up waiting after this long and return the payment as it is. Default 10 min. */
  maxWaitMs?: number
  /** Keep polling while the state is one of these. Default: only CREATED. */
  whileIn?: readonly PaymentState[]
}

export class EPaymentApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Starts a payment (201). With `userFlow: 'PUSH_MESSAGE'` the customer gets a
   * push on their phone; no `redirectUrl` comes back.
   *
   * @example
   * const key = newIdempotencyKey() // store it with the attempt before calling
   * await client.epayment.create({
   *   reference: 'till1-000123', amount: { currency: 'NOK', value: 4990 },
   *   paymentMethod: { type: 'WALLET' }, userFlow: 'PUSH_MESSAGE',
   *   customer: { phoneNumber: '4712345678' }, customerInteraction: 'CUSTOMER_PRESENT',
   * }, { idempotencyKey: key })
   */
  async create(
    request: CreatePaymentRequest,
    options: IdempotentCallOptions = {},
  ): Promise<CreatePaymentResponse> {
    const reply = await this.transport.send({
      operation: 'epayment.create',
      method: 'POST',
      path: BASE,
      json: request,
      auth: 'merchant',
      idempotency: { header: 'idempotency-key', key: options.idempotencyKey ?? this.transport.newKey() },
      retry: 'idempotent',
      success: [201],
      schema: CreatePaymentResponse,
      options,
    })
    return reply.body as CreatePaymentResponse
  }

  async get(reference: string, options: CallOptions = {}): Promise<GetPaymentResponse> {
    const reply = await this.transport.send({
      operation: 'epayment.get',
      method: 'GET',
      path: path(reference),
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: GetPaymentResponse,
      options,
    })
    return reply.body as GetPaymentResponse
  }

  /** The payment's event log, oldest first, each with the idempotency key of the call that caused it. */
  async events(reference: string, options: CallOptions = {}): Promise<PaymentEvent[]> {
    const reply = await this.transport.send({
      operation: 'epayment.events',
      method: 'GET',
      path: path(reference, '/events'),
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: PaymentEventLog,
      options,
    })
    return reply.body as PaymentEvent[]
  }

  /** Captures `amount` of what is authorized; partial captures may follow while some remains. */
  capture(
    reference: string,
    amount: Amount,
    options: IdempotentCallOptions = {},
  ): Promise<ModificationResponse> {
    return this.modify('capture', reference, { modificationAmount: amount }, options)
  }

  /** Refunds `amount` of what is captured; may be repeated up to the captured total. */
  refund(
    reference: string,
    amount: Amount,
    options: IdempotentCallOptions = {},
  ): Promise<ModificationResponse> {
    return this.modify('refund', reference, { modificationAmount: amount }, options)
  }

  /**
   * Cancels: before authorization the payment ends TERMINATED; after, it stays
   * AUTHORIZED and everything not captured is released. Refused after a full capture.
   * `cancelTransactionOnly` (live platform): cancel only if not yet authorized.
   */
  cancel(
    reference: string,
    options: IdempotentCallOptions & { cancelTransactionOnly?: boolean } = {},
  ): Promise<ModificationResponse> {
    const body =
      options.cancelTransactionOnly === undefined
        ? undefined
        : { cancelTransactionOnly: options.cancelTransactionOnly }
    return this.modify('cancel', reference, body, options)
  }

  /**
   * Test environment only: approves the payment as the customer would in the
   * app. Not for production (the platform refuses it there).
   */
  async forceApprove(
    reference: string,
    request: ForceApproveRequest = {},
    options: CallOptions = {},
  ): Promise<void> {
    await this.transport.send({
      operation: 'epayment.forceApprove',
      method: 'POST',
      path: `/epayment/v1/test/payments/${encodeURIComponent(reference)}/approve`,
      json: request,
      auth: 'merchant',
      retry: 'unsafe',
      success: [200, 204],
      options,
    })
  }

  /**
   * Polls until the payment leaves CREATED (or the states in `whileIn`), or
   * `maxWaitMs` has passed; returns the payment as last seen, so check its
   * state. Webhooks may come sooner, but the platform requires polling too.
   *
   * @example
   * const payment = await client.epayment.waitFor(reference, { maxWaitMs: 5 * 60_000 })
   * if (payment.state === 'AUTHORIZED') await client.epayment.capture(reference, payment.amount, { idempotencyKey })
   */
  async waitFor(reference: string, options: WaitForPaymentOptions = {}): Promise<GetPaymentResponse> {
    const interval = options.intervalMs ?? 2_000
    const maxWait = options.maxWaitMs ?? 10 * 60_000
    const whileIn = options.whileIn ?? ['CREATED']
    const deadline = this.transport.now() + maxWait
    for (;;) {
      const payment = await this.get(reference, options)
      const left = deadline - this.transport.now()
      if (!whileIn.includes(payment.state) || left <= 0) return payment
      await this.transport.sleep(Math.min(interval, left), options.signal)
    }
  }

  private async modify(
    action: 'capture' | 'refund' | 'cancel',
    reference: string,
    body: unknown,
    options: IdempotentCallOptions,
  ): Promise<ModificationResponse> {
    const reply = await this.transport.send({
      operation: `epayment.${action}`,
      method: 'POST',
      path: path(reference, `/${action}`),
      json: body,
      auth: 'merchant',
      idempotency: { header: 'idempotency-key', key: options.idempotencyKey ?? this.transport.newKey() },
      retry: 'idempotent',
      success: [200],
      schema: ModificationResponse,
      options,
    })
    return reply.body as ModificationResponse
  }
}
