/**
 * The shop's ePayment webhook: registered when the shop starts, its secret
 * kept in the database so a restart (or a second shop process) reuses the
 * registration instead of adding one per start (the platform allows five per
 * event). A registration the platform no longer has is replaced, and stale
 * ones for the same URL are deleted.
 */
import type { VippsClient } from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import { type Clock, nowDate } from '../clock.ts'
import type { ShopDb } from '../db/database.ts'
import { webhook } from '../db/schema.ts'

/** The events the shop acts on. */
export const WEBHOOK_EVENTS = [
  'epayments.payment.authorized.v1',
  'epayments.payment.aborted.v1',
  'epayments.payment.expired.v1',
  'epayments.payment.terminated.v1',
  'epayments.payment.captured.v1',
  'epayments.payment.cancelled.v1',
  'epayments.payment.refunded.v1',
]

/** The path the webhook is delivered to. */
export const WEBHOOK_PATH = '/vipps/webhooks/epayment'

export interface ActiveWebhook {
  url: string
  secret: string
}

export class WebhookRegistration {
  private active: ActiveWebhook | undefined

  constructor(
    private readonly db: ShopDb,
    private readonly vipps: VippsClient,
    private readonly clock: Clock,
  ) {}

  /** The registration deliveries are verified against, once `ensure` has run. */
  current(): ActiveWebhook | undefined {
    return this.active
  }

  /**
   * Makes sure the platform delivers the shop's events to `url`, and knows the secret.
   *
   * @example
   * await registration.ensure(`${publicUrl}/vipps/webhooks/epayment`)
   */
  async ensure(url: string): Promise<ActiveWebhook> {
    const [stored] = await this.db.select().from(webhook).where(eq(webhook.url, url))
    const registered = await this.vipps.webhooks.list()
    const sameEvents = (events: readonly string[]) =>
      events.length === WEBHOOK_EVENTS.length && WEBHOOK_EVENTS.every((e) => events.includes(e))
    if (
      stored &&
      registered.some((w) => w.id === stored.webhookId && w.url === url && sameEvents(w.events))
    ) {
      this.active = { url, secret: stored.secret }
      return this.active
    }
    const { id, secret } = await this.vipps.webhooks.register({ url, events: WEBHOOK_EVENTS })
    await this.db
      .insert(webhook)
      .values({ url, webhookId: id, secret, events: WEBHOOK_EVENTS, createdAt: nowDate(this.clock) })
      .onConflictDoUpdate({ target: webhook.url, set: { webhookId: id, secret, events: WEBHOOK_EVENTS } })
    this.active = { url, secret }
    // Registrations for this URL whose secret the shop no longer has only fail verification: remove them.
    for (const stale of registered.filter((w) => w.url === url && w.id !== id)) {
      await this.vipps.webhooks.delete(stale.id).catch(() => {})
    }
    return this.active
  }
}
