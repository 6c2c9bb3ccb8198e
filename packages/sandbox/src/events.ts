/**
 * What happens on the platform, for the modules that react to it: the webhooks
 * module delivers ePayment events, settlement books the money that moved
 * (ePayment's and eCom's), the phone pages refresh when a user's requests
 * change. In-process and synchronous: listeners must not throw.
 */
import { EventEmitter } from 'node:events'
import type { Currency, EPaymentWebhookEvent } from '@kasse/vipps'

/** Money the merchant moved on a legacy eCom v2 order: a capture or a refund, as its transaction log has it. */
export interface EcomMoneyEvent {
  msn: string
  orderId: string
  operation: 'CAPTURE' | 'REFUND'
  /** The log entry's own transaction id: unique per operation, the settlement report's pspReference. */
  transactionId: string
  /** Minor units, positive. */
  amount: number
  currency: Currency
  /** ISO 8601, the log entry's timeStamp. */
  timestamp: string
}

export interface SandboxEventMap {
  /** An ePayment event was recorded (created, authorized, captured, …); delivered as a webhook. */
  'epayment.event': EPaymentWebhookEvent
  /** An eCom order was captured or refunded (never sent as a webhook: eCom has callbacks, and none for these). */
  'ecom.money': EcomMoneyEvent
  /** Something a user's phone shows changed: a request arrived, was answered or expired. */
  'phone.changed': { msisdn: string }
}

export class SandboxEvents {
  private readonly emitter = new EventEmitter()

  constructor() {
    // Each open phone page and each webhook subscriber listens; many is normal.
    this.emitter.setMaxListeners(0)
  }

  emit<K extends keyof SandboxEventMap>(name: K, payload: SandboxEventMap[K]): void {
    this.emitter.emit(name, payload)
  }

  on<K extends keyof SandboxEventMap>(name: K, listener: (payload: SandboxEventMap[K]) => void): () => void {
    this.emitter.on(name, listener)
    return () => this.emitter.off(name, listener)
  }
}
