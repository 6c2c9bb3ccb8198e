/**
 * Webhooks API v1: registrations of URLs for events. Registering has no
 * idempotency key and each call makes a registration (at most five per event),
 * so it is retried only when it provably never arrived; after a lost answer,
 * `list` shows whether it took. Deleting is naturally idempotent.
 */
import {
  ListWebhooksResponse,
  type RegisterWebhookRequest,
  RegisterWebhookResponse,
  type Webhook,
} from '../schemas/webhooks.ts'
import type { CallOptions } from './config.ts'
import { VippsApiError } from './errors.ts'
import type { Transport } from './transport.ts'

const BASE = '/webhooks/v1/webhooks'

export class WebhooksApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Registers `url` for `events`; the answer's `secret` verifies the deliveries.
   * Store it: the platform never shows it again.
   *
   * @example
   * const { id, secret } = await client.webhooks.register({
   *   url: 'https://till.example.no/vipps/webhooks',
   *   events: ['epayments.payment.authorized.v1', 'epayments.payment.captured.v1'],
   * })
   */
  async register(
    request: RegisterWebhookRequest,
    options: CallOptions = {},
  ): Promise<RegisterWebhookResponse> {
    const reply = await this.transport.send({
      operation: 'webhooks.register',
      method: 'POST',
      path: BASE,
      json: request,
      auth: 'merchant',
      retry: 'unsafe',
      success: [201],
      schema: RegisterWebhookResponse,
      options,
    })
    return reply.body as RegisterWebhookResponse
  }

  async list(options: CallOptions = {}): Promise<Webhook[]> {
    const reply = await this.transport.send({
      operation: 'webhooks.list',
      method: 'GET',
      path: BASE,
      auth: 'merchant',
      retry: 'safe',
      success: [200],
      schema: ListWebhooksResponse,
      options,
    })
    return (reply.body as ListWebhooksResponse).webhooks
  }

  /**
   * Deletes a registration. A 404 after an attempt whose answer was lost means
   * that attempt deleted it, and counts as success; a 404 otherwise is thrown.
   */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.transport.send({
        operation: 'webhooks.delete',
        method: 'DELETE',
        path: `${BASE}/${encodeURIComponent(id)}`,
        auth: 'merchant',
        retry: 'idempotent',
        success: [200, 204],
        options,
      })
    } catch (error) {
      if (error instanceof VippsApiError && error.status === 404 && error.request!.unansweredAttempts > 0)
        return
      throw error
    }
  }
}
