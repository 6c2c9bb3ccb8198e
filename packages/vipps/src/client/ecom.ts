/**
 * The legacy eCom API v2, for the shop's express checkout. The MSN goes in the
 * body (`merchantInfo.merchantSerialNumber`) as well as the header; the client
 * fills both from the credentials. Idempotency is `X-Request-Id`.
 *
 * Retries: capture and refund carry an X-Request-Id and are retried with it.
 * Cancel has no key but cannot release money twice, so it is retried; after a
 * lost answer the retry may be refused as already cancelled (check
 * `outcomeUnknown(error)` and `details`). Initiate has no key and a repeat
 * would be refused as a used orderId, so it is not retried once it may have
 * arrived: look the order up with `details` instead.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import {
  EcomCancelResponse,
  EcomCaptureResponse,
  type EcomForceApproveRequest,
  type EcomInitiatePaymentRequest,
  EcomInitiatePaymentResponse,
  EcomPaymentDetails,
  EcomRefundResponse,
} from '../schemas/ecom.ts'
import type { CallOptions } from './config.ts'
import type { Transport } from './transport.ts'

const BASE = '/ecomm/v2/payments'

export interface EcomRequestOptions extends CallOptions {
  /** `X-Request-Id` (at most 40 characters), kept for every retry; made up when absent. */
  requestId?: string
}

/** What to capture or refund: the amount in øre (all that remains when left out) and the text. */
export interface EcomAmountAction {
  amount?: number
  /** For a capture, the proof of delivery: tracking code, consignment number. */
  transactionText: string
}

/** The initiate request; `merchantSerialNumber` is filled in from the credentials. */
export type EcomInitiateInput = Omit<EcomInitiatePaymentRequest, 'merchantInfo'> & {
  merchantInfo: Omit<EcomInitiatePaymentRequest['merchantInfo'], 'merchantSerialNumber'>
}

export class EcomApi {
  constructor(private readonly transport: Transport) {}

  private get merchantInfo() {
    return { merchantSerialNumber: this.transport.credentials.msn }
  }

  /**
   * Starts a payment; the answer's `url` goes to the shopper's browser. For
   * express checkout set `merchantInfo.paymentType: 'eComm Express Payment'`,
   * `consentRemovalPrefix`, and shipping (`staticShippingDetails` or
   * `shippingDetailsPrefix`).
   *
   * @example
   * const { url } = await client.ecom.initiate({
   *   customerInfo: {},
   *   merchantInfo: { callbackPrefix: 'https://shop.example.no/vipps', fallBack: 'https://shop.example.no/order/42',
   *     paymentType: 'eComm Express Payment', consentRemovalPrefix: 'https://shop.example.no/vipps',
   *     staticShippingDetails: [{ isDefault: 'Y', shippingCost: 49, shippingMethod: 'Posten', shippingMethodId: 'posten' }] },
   *   transaction: { orderId: 'shop-42', amount: 29900, transactionText: 'Order 42' },
   * })
   */
  async initiate(
    request: EcomInitiateInput,
    options: CallOptions = {},
  ): Promise<EcomInitiatePaymentResponse> {
    const reply = await this.transport.send({
      operation: 'ecom.initiate',
      method: 'POST',
      path: BASE,
      json: { ...request, merchantInfo: { ...request.merchantInfo, ...this.merchantInfo } },
      auth: 'merchant',
      retry: 'unsafe',
      success: [200, 201],
      schema: EcomInitiatePaymentResponse,
      options,
    })
    return reply.body as EcomInitiatePaymentResponse
  }

  /** The payment's history (newest first), summary, and for express the user and shipping. */
  async details(orderId: string, options: CallOptions = {}): Promise<EcomPaymentDetails> {
    const reply = await this.transport.send({
      operation: 'ecom.details',
      method: 'GET',
      path: `${BASE}/${encodeURIComponent(orderId)}/details`,
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: EcomPaymentDetails,
      options,
    })
    return reply.body as EcomPaymentDetails
  }

  /** Captures `amount` øre (all that is reserved when left out) of an approved payment. */
  capture(
    orderId: string,
    action: EcomAmountAction,
    options: EcomRequestOptions = {},
  ): Promise<EcomCaptureResponse> {
    return this.amountAction('capture', orderId, action, options, EcomCaptureResponse)
  }

  /** Refunds `amount` øre (all that is captured when left out). */
  refund(
    orderId: string,
    action: EcomAmountAction,
    options: EcomRequestOptions = {},
  ): Promise<EcomRefundResponse> {
    return this.amountAction('refund', orderId, action, options, EcomRefundResponse)
  }

  private async amountAction<S extends TSchema>(
    action: 'capture' | 'refund',
    orderId: string,
    transaction: EcomAmountAction,
    options: EcomRequestOptions,
    schema: S,
  ): Promise<Static<S>> {
    const reply = await this.transport.send({
      operation: `ecom.${action}`,
      method: 'POST',
      path: `${BASE}/${encodeURIComponent(orderId)}/${action}`,
      json: { merchantInfo: this.merchantInfo, transaction },
      auth: 'merchant',
      idempotency: { header: 'x-request-id', key: options.requestId ?? this.transport.newKey() },
      retry: 'idempotent',
      success: [200],
      schema,
      options,
    })
    return reply.body as Static<S>
  }

  /** Cancels what is reserved; after a partial capture only with `shouldReleaseRemainingFunds`. */
  async cancel(
    orderId: string,
    request: { transactionText: string; shouldReleaseRemainingFunds?: boolean },
    options: CallOptions = {},
  ): Promise<EcomCancelResponse> {
    const reply = await this.transport.send({
      operation: 'ecom.cancel',
      method: 'PUT',
      path: `${BASE}/${encodeURIComponent(orderId)}/cancel`,
      json: {
        merchantInfo: this.merchantInfo,
        transaction: { transactionText: request.transactionText },
        ...(request.shouldReleaseRemainingFunds === undefined
          ? {}
          : { shouldReleaseRemainingFunds: request.shouldReleaseRemainingFunds }),
      },
      auth: 'merchant',
      retry: 'idempotent',
      success: [200],
      schema: EcomCancelResponse,
      options,
    })
    return reply.body as EcomCancelResponse
  }

  /** Test environment only; not for express checkout. */
  async forceApprove(
    orderId: string,
    request: EcomForceApproveRequest = {},
    options: EcomRequestOptions = {},
  ): Promise<void> {
    await this.transport.send({
      operation: 'ecom.forceApprove',
      method: 'POST',
      path: `/ecomm/v2/integration-test/payments/${encodeURIComponent(orderId)}/approve`,
      json: request,
      auth: 'merchant',
      idempotency: { header: 'x-request-id', key: options.requestId ?? this.transport.newKey() },
      retry: 'idempotent',
      success: [200, 204],
      options,
    })
  }
}
