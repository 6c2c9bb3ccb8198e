/**
 * A scripted stand-in for the platform, injected as the client's `fetch`: routes
 * answer recorded requests, and every answer that claims to be a contract body
 * is first checked against its schema, so a test cannot pass on a fixture the
 * real platform would never send. Time is fake too: `sleep` moves the clock.
 */
import type { TSchema } from '@sinclair/typebox'
import { schemaIssues } from '../../src/client/validation.ts'
import { AccessTokenResponse, VippsClient, type VippsClientOptions } from '../../src/index.ts'

export interface RecordedRequest {
  method: string
  url: URL
  path: string
  headers: Headers
  body: string
  json(): unknown
  form(): URLSearchParams
}

type Handler = (request: RecordedRequest, nth: number) => Response | Promise<Response>

export const CREDENTIALS = {
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  subscriptionKey: 'test-subscription-key',
  msn: '123456',
} as const

/** A JSON answer; with `schema`, the body must fit it. */
export function json(
  status: number,
  body: unknown,
  schema?: TSchema,
  headers: Record<string, string> = {},
): Response {
  if (schema) {
    const issues = schemaIssues(schema, body)
    if (issues.length > 0) throw new Error(`fixture breaks its schema: ${JSON.stringify(issues)}`)
  }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

export function problem(status: number, title: string, detail?: string, extra: Record<string, unknown> = {}) {
  return new Response(
    JSON.stringify({
      type: `https://example.test/problems#${status}`,
      title,
      status,
      detail,
      traceId: 'trace-1',
      ...extra,
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  )
}

/** A socket error as Node's fetch reports it. */
export function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) })
}

export class FakeTime {
  now = Date.UTC(2025, 2, 14, 9, 0, 0)
  readonly sleeps: number[] = []
  readonly clock = { now: () => this.now }
  readonly sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason
    this.sleeps.push(ms)
    this.now += ms
  }
}

export class FakePlatform {
  readonly requests: RecordedRequest[] = []
  private readonly routes: Array<{ method: string; path: string | RegExp; handler: Handler; hits: number }> =
    []
  tokenLifetimeSeconds = 3600
  private issued = 0

  /** The default token endpoint: a new token each time, valid `tokenLifetimeSeconds`. */
  readonly tokenHandler: Handler = () => {
    this.issued++
    const lifetime = String(this.tokenLifetimeSeconds)
    return json(
      200,
      {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        expires_on: '1741946400',
        not_before: '1741942800',
        resource: '00000002-0000-0000-c000-000000000000',
        access_token: `token-${this.issued}`,
      },
      AccessTokenResponse,
    )
  }

  constructor() {
    this.on('POST', '/accesstoken/get', this.tokenHandler)
  }

  /** Answers `method path` (a later route for the same path wins). `nth` counts from 0. */
  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler, hits: 0 })
    return this
  }

  /** Requests to `path` (exact), in order. */
  calls(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path)
  }

  get tokenRequests(): number {
    return this.calls('POST', '/accesstoken/get').length
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const body = typeof init?.body === 'string' ? init.body : ''
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url,
      path: url.pathname,
      headers: new Headers(init?.headers),
      body,
      json: () => JSON.parse(body),
      form: () => new URLSearchParams(body),
    }
    this.requests.push(request)
    const route = this.routes.find(
      (r) =>
        r.method === request.method &&
        (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
    )
    if (!route) return problem(404, 'Not Found', `no fake route for ${request.method} ${url.pathname}`)
    const answer = route.handler(request, route.hits++)
    // An aborted request rejects as fetch does, even if the handler hangs.
    const signal = init?.signal
    if (!signal) return answer
    if (signal.aborted) throw signal.reason
    return Promise.race([
      answer,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      ),
    ])
  }
}

/** A client wired to `platform` and `time`, with fast, deterministic retries. */
export function fakeClient(
  platform: FakePlatform,
  time = new FakeTime(),
  options: Partial<VippsClientOptions> = {},
): VippsClient {
  return new VippsClient({
    host: 'https://vipps.fake',
    credentials: { ...CREDENTIALS },
    fetch: platform.fetch,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    responseValidation: 'strict',
    ...options,
  })
}
