/**
 * The default transport (node:http / node:https on keep-alive connections,
 * src/client/http.ts) against a real socket: what goes on the wire, the
 * connection kept for the next call, and the network failing in each way the
 * retry rules tell apart: refused before sending, dropped after sending, a body
 * that stalls, the caller giving up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createTcpServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  outcomeUnknown,
  VippsApiError,
  VippsClient,
  type VippsClientOptions,
  VippsNetworkError,
  VippsTimeoutError,
} from '../src/index.ts'
import { CREDENTIALS } from './helpers/fake-platform.ts'
import { modificationBody } from './helpers/fixtures.ts'

const REF = 'till1-000001'
const CAPTURE_PATH = `/epayment/v1/payments/${REF}/capture`
const NOK = (value: number) => ({ currency: 'NOK' as const, value })

interface Seen {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
  /** The client's end of the connection: equal ports, one connection. */
  clientPort: number
}

type Answer = (request: Seen, response: ServerResponse, nth: number) => void

/** A platform on a real port whose routes answer by script; anything else is a 404. */
async function startPlatform(routes: Record<string, Answer>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const hits = new Map<string, number>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const route = `${request.method} ${request.url}`
      const entry: Seen = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientPort: request.socket.remotePort ?? 0,
      }
      seen.push(entry)
      const answer = routes[route]
      const nth = hits.get(route) ?? 0
      hits.set(route, nth + 1)
      if (answer) return answer(entry, response, nth)
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"title":"Not Found"}')
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

const servers: Array<Server | ReturnType<typeof createTcpServer>> = []

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

const sendJson = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

const token: Answer = (_request, response) =>
  sendJson(response, 200, {
    token_type: 'Bearer',
    expires_in: '3600',
    ext_expires_in: '3600',
    expires_on: '1893456000',
    not_before: '1893452400',
    resource: 'test',
    access_token: 'token-1',
  })

/** A client of the default transport (no `fetch` given), retrying at once. */
const clientAt = (url: string, options: Partial<VippsClientOptions> = {}) =>
  new VippsClient({
    host: url as `http://${string}`,
    credentials: { ...CREDENTIALS },
    system: { name: 'kasse-tests', version: '0.1.0', pluginName: 'kasse-pos', pluginVersion: '0.1.0' },
    responseValidation: 'strict',
    sleep: async () => {},
    ...options,
  })

describe('the default transport, on node:http', () => {
  it('sends the credentials, system headers, key and body, over one kept-alive connection', async () => {
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      [`POST ${CAPTURE_PATH}`]: (_request, response) => sendJson(response, 200, modificationBody(REF, 2_500)),
    })
    const client = clientAt(platform.url)

    await client.epayment.capture(REF, NOK(2_500), { idempotencyKey: 'attempt-7-capture' })
    await client.epayment.capture(REF, NOK(2_500), { idempotencyKey: 'attempt-8-capture' })

    const [tokenRequest, first, second] = platform.seen
    expect(tokenRequest!.headers).toMatchObject({
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
      'ocp-apim-subscription-key': CREDENTIALS.subscriptionKey,
      'merchant-serial-number': CREDENTIALS.msn,
    })
    expect(first!.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'ocp-apim-subscription-key': CREDENTIALS.subscriptionKey,
      'merchant-serial-number': CREDENTIALS.msn,
      'idempotency-key': 'attempt-7-capture',
      'vipps-system-name': 'kasse-tests',
      'vipps-system-version': '0.1.0',
      'vipps-system-plugin-name': 'kasse-pos',
      'vipps-system-plugin-version': '0.1.0',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(first!.body)),
    })
    expect(first!.headers.client_secret).toBeUndefined()
    expect(JSON.parse(first!.body)).toEqual({ modificationAmount: NOK(2_500) })
    expect(second!.headers['idempotency-key']).toBe('attempt-8-capture')
    expect(new Set(platform.seen.map((s) => s.clientPort)).size).toBe(1)
  })

  it('repeats an idempotent write with the same key when the connection drops before the answer', async () => {
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      [`POST ${CAPTURE_PATH}`]: (_request, response, nth) =>
        nth === 0 ? response.socket?.destroy() : sendJson(response, 200, modificationBody(REF, 2_500)),
    })

    const result = await clientAt(platform.url).epayment.capture(REF, NOK(2_500), {
      idempotencyKey: 'attempt-7-capture',
    })

    expect(result.aggregate.capturedAmount).toEqual(NOK(2_500))
    const captures = platform.seen.filter((s) => s.path === CAPTURE_PATH)
    expect(captures.map((s) => s.headers['idempotency-key'])).toEqual([
      'attempt-7-capture',
      'attempt-7-capture',
    ])
  })

  it('does not repeat a write without a key once it was sent and the connection dropped', async () => {
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      'POST /webhooks/v1/webhooks': (_request, response) => response.socket?.destroy(),
    })

    const error = await clientAt(platform.url)
      .webhooks.register({ url: 'https://till.example/hooks', events: ['epayments.payment.captured.v1'] })
      .catch((e) => e)

    expect(error).toBeInstanceOf(VippsNetworkError)
    expect(error.outcome).toBe('unknown')
    expect(error.message).toMatch(/^webhooks\.register: .*ECONNRESET.* \(unknown\)$/)
    expect(outcomeUnknown(error)).toBe(true)
    expect(platform.seen.filter((s) => s.path === '/webhooks/v1/webhooks')).toHaveLength(1)
  })

  it('repeats a write without a key when the connection was refused, and says it was never sent', async () => {
    const closed = await startPlatform({})
    const port = new URL(closed.url).port
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
    const retried: number[] = []

    const error = await clientAt(`http://127.0.0.1:${port}`, {
      retry: { maxRetries: 2 },
      onRetry: (info) => retried.push(info.attempt),
    })
      .webhooks.register({ url: 'https://till.example/hooks', events: ['epayments.payment.captured.v1'] })
      .catch((e) => e)

    // The token request is the call that meets the refusal; it is retried like any unsent request.
    expect(error).toBeInstanceOf(VippsNetworkError)
    expect(error.outcome).toBe('not-sent')
    expect(error.message).toContain('ECONNREFUSED')
    expect(outcomeUnknown(error)).toBe(false)
    expect(retried).toEqual([1, 2])
  })

  it('reads a chunked answer whose chunks split a character', async () => {
    const title = 'Beløpet er høyere enn det reserverte'
    const bytes = Buffer.from(JSON.stringify({ type: 'about:blank', title, status: 400 }))
    const middleOfØ = bytes.indexOf(Buffer.from('ø')) + 1
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      [`POST ${CAPTURE_PATH}`]: (_request, response) => {
        response.writeHead(400, { 'content-type': 'application/problem+json' })
        response.write(bytes.subarray(0, middleOfØ))
        setImmediate(() => response.end(bytes.subarray(middleOfØ)))
      },
    })

    const error = await clientAt(platform.url)
      .epayment.capture(REF, NOK(2_500), { idempotencyKey: 'attempt-7-capture' })
      .catch((e) => e)

    expect(error).toBeInstanceOf(VippsApiError)
    expect(error.title).toBe(title)
  })

  it('turns an answer whose body stalls after the headers into a timeout error', async () => {
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      [`POST ${CAPTURE_PATH}`]: (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
        response.write('{"amount":')
      },
    })

    const error = await clientAt(platform.url, { timeoutMs: 200, retry: { maxRetries: 0 } })
      .epayment.capture(REF, NOK(2_500), { idempotencyKey: 'attempt-7-capture' })
      .catch((e) => e)

    expect(error).toBeInstanceOf(VippsTimeoutError)
    expect(error.message).toBe('epayment.capture: no answer within 200 ms')
    expect(error.request.idempotencyKey).toBe('attempt-7-capture')
  })

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    const platform = await startPlatform({
      'POST /accesstoken/get': token,
      [`POST ${CAPTURE_PATH}`]: () => {},
    })
    const controller = new AbortController()
    const reason = new Error('the cashier cancelled')

    const pending = clientAt(platform.url)
      .epayment.capture(REF, NOK(2_500), { signal: controller.signal })
      .catch((e) => e)
    while (!platform.seen.some((s) => s.path === CAPTURE_PATH)) await new Promise((r) => setTimeout(r, 5))
    controller.abort(reason)

    expect(await pending).toBe(reason)
  })

  it('speaks TLS to an https base URL, never the request in plain text', async () => {
    const firstBytes: Buffer[] = []
    const tcp = createTcpServer((socket) =>
      socket.once('data', (chunk: Buffer) => {
        firstBytes.push(chunk)
        socket.destroy()
      }),
    )
    servers.push(tcp)
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    const port = (tcp.address() as AddressInfo).port

    const error = await clientAt(`https://127.0.0.1:${port}`, { retry: { maxRetries: 0 } })
      .accessToken()
      .catch((e) => e)

    expect(error).toBeInstanceOf(VippsNetworkError)
    // 0x16: a TLS handshake record (the ClientHello), where plain HTTP would start with "POST".
    expect(firstBytes[0]![0]).toBe(0x16)
    expect(firstBytes[0]!.toString('latin1')).not.toContain(CREDENTIALS.clientSecret)
  })
})
