/**
 * A sandbox for a test: built in-process, every response checked against the
 * official specs, with the seeded merchant's credentials at hand; or, for
 * tests that cross the wire (browsers), one listening on a port per file.
 */
import { VippsClient } from '@kasse/vipps'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { type BuildSandboxOptions, buildSandbox, type Sandbox } from '../src/app.ts'
import { DEFAULT_MERCHANT, type MerchantConfig } from '../src/config.ts'
import { type RunningSandbox, startSandbox } from '../src/server.ts'
import { attachContractCheck } from './contract.ts'

export interface TestSandbox extends Sandbox {
  /** An access token for `merchant` (default: the seeded test merchant). */
  token(merchant?: MerchantConfig): Promise<string>
  /** Headers for an API call as `merchant`: token, subscription key, MSN. */
  headers(merchant?: MerchantConfig, extra?: Record<string, string>): Promise<Record<string, string>>
  contract: { violations: string[]; checked: number }
}

const open: TestSandbox[] = []

afterEach(async () => {
  const closing = open.splice(0)
  for (const sandbox of closing) {
    await sandbox.app.close()
    expect(sandbox.contract.violations, 'responses that break the spec').toEqual([])
  }
})

/** Builds a sandbox that is closed, and contract-checked, after the test. */
export async function testSandbox(options: BuildSandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = buildSandbox(options)
  const contract = attachContractCheck(sandbox.app)
  await sandbox.app.ready()
  const tokens = new Map<string, string>()
  const token = async (merchant: MerchantConfig = DEFAULT_MERCHANT) => {
    const cached = tokens.get(merchant.clientId)
    if (cached) return cached
    const response = await sandbox.app.inject({
      method: 'POST',
      url: '/accesstoken/get',
      headers: {
        client_id: merchant.clientId,
        client_secret: merchant.clientSecret,
        'ocp-apim-subscription-key': merchant.subscriptionKey,
      },
    })
    if (response.statusCode !== 200) throw new Error(`token request failed: ${response.body}`)
    const value = response.json().access_token as string
    tokens.set(merchant.clientId, value)
    return value
  }
  const headers = async (
    merchant: MerchantConfig = DEFAULT_MERCHANT,
    extra: Record<string, string> = {},
  ) => ({
    authorization: `Bearer ${await token(merchant)}`,
    'ocp-apim-subscription-key': merchant.subscriptionKey,
    'merchant-serial-number': merchant.msn,
    ...extra,
  })
  const result: TestSandbox = { ...sandbox, token, headers, contract }
  open.push(result)
  return result
}

export interface ListeningSandbox {
  sandbox: () => RunningSandbox
  /** The client library as the seeded merchant, checking every answer strictly. */
  client: () => VippsClient
}

/**
 * A sandbox on 127.0.0.1 (a free port) for the calling file's tests: started
 * before them, reset before each, closed after them. Returns getters, as it
 * exists only once they run.
 *
 * @example
 * const { sandbox, client } = useListeningSandbox()
 * it('pays', async () => {
 *   await client().epayment.create({ ... })
 *   await fetch(`${sandbox().url}/_sandbox/health`)
 * })
 */
export function useListeningSandbox(): ListeningSandbox {
  let running: RunningSandbox | undefined
  let vipps: VippsClient | undefined
  beforeAll(async () => {
    running = await startSandbox({ port: 0 })
    const { clientId, clientSecret, subscriptionKey, msn } = DEFAULT_MERCHANT
    vipps = new VippsClient({
      host: running.url as `http://${string}`,
      credentials: { clientId, clientSecret, subscriptionKey, msn },
      responseValidation: 'strict',
    })
  })
  afterAll(async () => {
    await running?.close()
  })
  beforeEach(async () => {
    await fetch(`${running!.url}/_sandbox/reset`, { method: 'POST' })
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the sandbox is not running yet; call it inside a test')
    return value
  }
  return { sandbox: () => started(running), client: () => started(vipps) }
}
