/** Webhooks API v1 (`/webhooks/v1/webhooks`), from specs/webhooks-v1.yaml. */
import { type Static, Type } from '@sinclair/typebox'
import { PAYMENT_EVENT_NAMES } from './epayment.ts'

/** Every event type a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  ...PAYMENT_EVENT_NAMES.map((name) => `epayments.payment.${name.toLowerCase()}.v1`),
  'user.checked-in.v1',
  'recurring.agreement-activated.v1',
  'recurring.agreement-rejected.v1',
  'recurring.agreement-stopped.v1',
  'recurring.agreement-expired.v1',
  'recurring.charge-reserved.v1',
  'recurring.charge-captured.v1',
  'recurring.charge-canceled.v1',
  'recurring.charge-failed.v1',
] as const

/** The platform allows at most this many webhooks per event type and MSN. */
export const MAX_WEBHOOKS_PER_EVENT = 5

export const RegisterWebhookRequest = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  events: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
})
export type RegisterWebhookRequest = Static<typeof RegisterWebhookRequest>

export const RegisterWebhookResponse = Type.Object({
  id: Type.String(),
  /** The HMAC key for verifying deliveries to this registration. */
  secret: Type.String(),
})
export type RegisterWebhookResponse = Static<typeof RegisterWebhookResponse>

export const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
})
export type Webhook = Static<typeof Webhook>

export const ListWebhooksResponse = Type.Object({ webhooks: Type.Array(Webhook) })
export type ListWebhooksResponse = Static<typeof ListWebhooksResponse>
