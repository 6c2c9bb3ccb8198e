/** Clients and payments for tests against a running sandbox. */
import { newIdempotencyKey, VippsClient, type VippsClientOptions } from '../../src/index.ts'
import { CREDENTIALS } from './fake-platform.ts'

let sequence = 0

/** A reference no other test uses, so per-reference rate limits never meet. */
export const newReference = (prefix = 'client') =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${++sequence}`

export const nok = (value: number) => ({ currency: 'NOK' as const, value })

/** A client for the seeded test merchant at `url`, checking every answer against the contract. */
export function clientAt(url: string, options: Partial<VippsClientOptions> = {}): VippsClient {
  return new VippsClient({
    host: url as `http://${string}`,
    credentials: { ...CREDENTIALS },
    system: { name: 'kasse-tests', version: '0.1.0' },
    responseValidation: 'strict',
    ...options,
  })
}

/** A PUSH_MESSAGE payment sent to `msisdn`'s phone, as the till starts one. */
export async function pushPayment(
  client: VippsClient,
  value: number,
  options: { reference?: string; msisdn?: string; idempotencyKey?: string } = {},
): Promise<string> {
  const reference = options.reference ?? newReference()
  await client.epayment.create(
    {
      reference,
      amount: nok(value),
      paymentMethod: { type: 'WALLET' },
      userFlow: 'PUSH_MESSAGE',
      customer: { phoneNumber: options.msisdn ?? '4712345678' },
      customerInteraction: 'CUSTOMER_PRESENT',
    },
    { idempotencyKey: options.idempotencyKey ?? newIdempotencyKey() },
  )
  return reference
}

/** A payment the customer has approved: AUTHORIZED for `value`. */
export async function authorizedPayment(client: VippsClient, value = 10_000): Promise<string> {
  const reference = await pushPayment(client, value)
  await client.epayment.forceApprove(reference)
  return reference
}
