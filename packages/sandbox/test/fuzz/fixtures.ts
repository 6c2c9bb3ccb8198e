/**
 * A sandbox worth fuzzing: contract-checked (test/helpers.ts), rate limits off
 * so hostile traffic reaches the handlers rather than the limiter, and holding a
 * payment, a landing page, a webhook and an eCom order, so that a fuzzed path
 * sometimes names something that exists and the code behind it runs.
 */
import { DEFAULT_MERCHANT, DEFAULT_USERS, loadConfig } from '../../src/config.ts'
import { actionBody, initiate, initiateBody } from '../../src/ecom/test-helpers.ts'
import { call, pushRequest } from '../../src/epayment/test-helpers.ts'
import { faultsOf } from '../../src/faults/faults.ts'
import { type TestSandbox, testSandbox } from '../helpers.ts'

export interface FuzzSandbox {
  sb: TestSandbox
  /** Valid credentials of the seeded merchant (token, subscription key, MSN). */
  headers: Record<string, string>
  /** Values that exist, by path parameter name. */
  known: Record<string, string[]>
  /** A body each route accepts, by `METHOD /pattern`, for mutation. */
  validBodies: Record<string, unknown>
  /** Undoes what a fuzzed request to the faults control API may have set up. */
  afterRequest(url: string): void
}

const KARI = DEFAULT_USERS[0]!.msisdn

export async function fuzzSandbox(): Promise<FuzzSandbox> {
  const config = loadConfig(undefined, {
    rateLimits: { enabled: false, writesPerMinute: 5, readsPerMinute: 120 },
  })
  const sb = await testSandbox({ config })
  const headers = await sb.headers()

  const push = pushRequest()
  const created = await call(sb, { url: '/epayment/v1/payments', body: push })
  if (created.statusCode !== 201) throw new Error(`fixture payment refused: ${created.body}`)
  const web = await call(sb, {
    url: '/epayment/v1/payments',
    body: pushRequest({ userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example.no/return' }),
  })
  const token = new URL(web.json().redirectUrl as string).searchParams.get('token') ?? 'no-token'
  const hook = await call(sb, {
    url: '/webhooks/v1/webhooks',
    body: { url: `${sb.ctx.publicUrl}/_sandbox/inbox/fuzz`, events: ['epayments.payment.created.v1'] },
    key: null,
  })
  const { orderId } = await initiate(sb, initiateBody())

  const known: Record<string, string[]> = {
    reference: [push.reference as string],
    msn: [DEFAULT_MERCHANT.msn],
    msisdn: [KARI],
    token: [token],
    id: [hook.json().id as string, 'f1'],
    name: ['fuzz'],
    orderId: [orderId],
    ledgerId: ['578123456'],
    topic: ['funds', 'fees'],
    ledgerDate: ['2026-01-02'],
    authReqId: ['00000000-0000-4000-8000-000000000000'],
  }

  const modification = { modificationAmount: { currency: 'NOK', value: 100 } }
  const validBodies: Record<string, unknown> = {
    'POST /epayment/v1/payments': pushRequest(),
    'POST /epayment/v1/payments/:reference/capture': modification,
    'POST /epayment/v1/payments/:reference/refund': modification,
    'POST /epayment/v1/payments/:reference/cancel': { cancelTransactionOnly: false },
    'POST /epayment/v1/test/payments/:reference/approve': { customer: { phoneNumber: KARI } },
    'POST /webhooks/v1/webhooks': {
      url: 'https://till.example.no/hooks',
      events: ['epayments.payment.created.v1'],
    },
    'POST /qr/v1/exchange': { qrCode: 'https://qr.vipps.no/p/abc' },
    'POST /ecomm/v2/payments': initiateBody(),
    'POST /ecomm/v2/payments/:orderId/capture': actionBody({ amount: 100, transactionText: 'Sendt' }),
    'POST /ecomm/v2/payments/:orderId/refund': actionBody({ amount: 100, transactionText: 'Retur' }),
    'PUT /ecomm/v2/payments/:orderId/cancel': actionBody({ transactionText: 'Avbrutt' }),
    'POST /_sandbox/clock/advance': { ms: 1 },
    'PATCH /_sandbox/settings': { paymentLifetimeMs: 600_000, rateLimits: { enabled: false } },
    'PATCH /_sandbox/report/settings': { pageSize: 100 },
    'PUT /_sandbox/merchants/:msn': { ...DEFAULT_MERCHANT },
    'PUT /_sandbox/merchants/:msn/fees': { percentBasisPoints: 199, fixedMinorUnits: 100 },
    'PUT /_sandbox/users/:msisdn': { ...DEFAULT_USERS[0] },
    'POST /_sandbox/users/:msisdn/scan': { content: 'https://qr.vipps.no/p/abc' },
    'POST /_sandbox/landing/:token/user': { msisdn: KARI },
    'POST /_sandbox/ecom/landing/:token/user': { msisdn: KARI },
    'POST /_sandbox/faults': { kind: 'latency', latencyMs: 1 },
    'PUT /_sandbox/faults': { seed: 1, rules: [] },
    'POST /_sandbox/inbox/:name': { msn: DEFAULT_MERCHANT.msn, reference: 'x', name: 'CREATED' },
  }

  return {
    sb,
    headers,
    known,
    validBodies,
    afterRequest(url) {
      // A valid fault rule, fuzzed into being, would fault the requests that follow: those 5xx are wanted, not bugs.
      if (url.startsWith('/_sandbox/faults')) faultsOf(sb.ctx).replace({})
    },
  }
}
