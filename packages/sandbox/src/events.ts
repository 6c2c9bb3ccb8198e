/**
 * What happens on the platform, for the modules that react to it: the webhooks
 * module delivers ePayment events, the phone pages refresh when a user's
 * requests change. In-process and synchronous: listeners must not throw.
 */
import { EventEmitter } from 'node:events'
import type { EPaymentWebhookEvent } from '@kasse/vipps'

export interface SandboxEventMap {
  /** An ePayment event was recorded (created, authorized, captured, …); delivered as a webhook. */
  'epayment.event': EPaymentWebhookEvent
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
