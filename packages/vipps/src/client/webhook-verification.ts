/**
 * Webhook verification for receivers that prefer an exception to a result
 * object. The check itself is the one in webhook-signature.ts, shared with the
 * sandbox that signs; this only turns a refusal into a typed error.
 */
import { type VerifyWebhookOptions, verifyWebhook, type WebhookRejection } from '../webhook-signature.ts'

/** A delivery that failed verification; `reason` says which check refused it. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message)
    this.name = 'WebhookVerificationError'
  }
}

/**
 * Verifies a delivery and parses its JSON body, or throws WebhookVerificationError.
 * `url` is the URL as registered (what the platform signed), not the one the
 * request arrived at behind a proxy.
 *
 * @example
 * app.post('/vipps/webhooks', { config: { rawBody: true } }, async (request, reply) => {
 *   const event = verifiedWebhookBody<EPaymentWebhookEvent>(request.rawBody, request.headers, secret, registeredUrl)
 *   await payments.record(event)
 *   return reply.code(200).send()
 * })
 */
export function verifiedWebhookBody<T = unknown>(
  rawBody: string | Uint8Array,
  headers: Parameters<typeof verifyWebhook>[1],
  secret: string,
  url: string,
  options?: VerifyWebhookOptions,
): T {
  const result = verifyWebhook(rawBody, headers, secret, url, options)
  if (!result.ok) throw new WebhookVerificationError(result.reason, result.message)
  const text = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody)
  return JSON.parse(text) as T
}
