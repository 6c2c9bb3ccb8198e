/**
 * For the fault tests beside this file: the control API over the wire, fault
 * sets and the log, a payment made with the client library, and waiting for
 * something that happens on the sandbox's own schedule.
 */
import { type Amount, newIdempotencyKey, type VippsClient } from '@kasse/vipps'
import { expect } from 'vitest'
import type { FaultLogEntry, FaultRuleView } from './faults.ts'

/** The faults log as `GET /_sandbox/faults/log` answers it. */
export interface FaultLog {
  seed: number
  total: number
  byKind: Record<string, number>
  byRule: Record<string, number>
  entries: FaultLogEntry[]
}

/** A control API call (`/_sandbox{path}`) with a JSON body; the answer parsed. */
export async function control(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/_sandbox${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

/** Replaces the sandbox's fault set (`PUT /_sandbox/faults`), failing the test if it is refused. */
export async function setFaults(
  base: string,
  set: { seed?: number; rules: unknown[] },
): Promise<FaultRuleView[]> {
  const answer = await control(base, 'PUT', '/faults', set)
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return answer.body.rules as FaultRuleView[]
}

export const faultLog = async (base: string): Promise<FaultLog> =>
  (await control(base, 'GET', '/faults/log')).body

let counter = 0
/** A fresh payment reference. */
export const newReference = (prefix = 'fault') =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`

/** Creates a PUSH_MESSAGE payment to Kari with the client library; returns its reference. */
export async function createPayment(
  client: VippsClient,
  amount: Amount,
  reference = newReference(),
): Promise<string> {
  await client.epayment.create(
    {
      reference,
      amount,
      paymentMethod: { type: 'WALLET' },
      userFlow: 'PUSH_MESSAGE',
      customer: { phoneNumber: '4712345678' },
      customerInteraction: 'CUSTOMER_PRESENT',
    },
    { idempotencyKey: newIdempotencyKey() },
  )
  return reference
}

/** Polls until `condition` holds, failing after a bound; never asserts how long it took. */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting until ${what}`)
}
