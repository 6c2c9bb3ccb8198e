/**
 * One HTTP exchange, as the transport needs it: a request out, the status,
 * headers and whole body back, under an AbortSignal. Two ways to do it:
 *
 * - `nodeHttpExchange`, the default: node:http / node:https on keep-alive
 *   agents. Per request it costs a fraction of the CPU of `fetch` (undici's
 *   Request/Response/web-stream objects), which a till making several calls
 *   per checkout feels.
 * - `fetchExchange`, when the caller passes its own `fetch` (tests that answer
 *   in-process, a proxy-aware fetch): that fetch is used as given.
 *
 * Both reject with the signal's reason when it aborts, and leave errors from
 * the network as they are, so the transport classifies them the same way
 * (`provablyNotSent` in retry.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import { urlToHttpOptions } from 'node:url'

/** The answer's headers, by lowercase or any-case name (`Headers` fits). */
export interface ReplyHeaders {
  get(name: string): string | null
}

export interface OutgoingRequest {
  url: URL
  method: string
  /** Lowercase names. */
  headers: Record<string, string>
  body: string | undefined
  signal: AbortSignal
}

export interface HttpAnswer {
  status: number
  headers: ReplyHeaders
  text: string
}

export type HttpExchange = (request: OutgoingRequest) => Promise<HttpAnswer>

/** An exchange through a caller's `fetch`; redirects are answers, never followed. */
export function fetchExchange(fetchImpl: typeof globalThis.fetch): HttpExchange {
  return async ({ url, method, headers, body, signal }) => {
    const response = await fetchImpl(url, { method, headers, body, signal, redirect: 'manual' })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text }
  }
}

/**
 * How long a new connection may take (TCP, and TLS for https) before the
 * attempt fails as never sent, as undici's default: no byte of the request
 * leaves before the connection is up, so even a write without a key may be
 * repeated (`CONNECT_TIMEOUT` is among retry.ts's not-sent codes).
 */
export const CONNECT_TIMEOUT_MS = 10_000

/**
 * How long a connection may sit idle before it is closed rather than reused,
 * as undici's default: an idle connection may have been dropped by a NAT or
 * firewall without a word, or be closed by the server just as a request goes
 * out on it. A shorter `Keep-Alive: timeout` from the server wins (node's agent).
 */
export const IDLE_CONNECTION_MS = 4_000

/**
 * Shared by every client in the process, as fetch's global dispatcher is:
 * connections are reused across calls and clients. Idle sockets are unref'd by
 * the agent, so they never keep a process alive.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
}

/** The default exchange: node:http or node:https by the URL's scheme, on keep-alive connections. */
export const nodeHttpExchange: HttpExchange = ({ url, method, headers, body, signal }) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const secure = url.protocol === 'https:'
    const outgoing = (secure ? httpsRequest : httpRequest)({
      // Host (an IPv6 literal without its brackets), port, path and query, as node reads a URL.
      ...urlToHttpOptions(url),
      method,
      headers:
        body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: secure ? agents['https:'] : agents['http:'],
    })
    let connectTimer: NodeJS.Timeout | undefined
    let settled = false
    const settle = () => {
      settled = true
      clearTimeout(connectTimer)
      signal.removeEventListener('abort', onAbort)
    }
    const fail = (error: unknown) => {
      if (settled) return
      settle()
      outgoing.destroy()
      reject(error)
    }
    const onAbort = () => fail(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    outgoing.on('error', fail)
    outgoing.on('socket', (socket: Socket) => {
      // A reused keep-alive socket is connected already; a new one gets the connect timeout.
      if (!socket.connecting) return
      connectTimer = setTimeout(() => fail(connectTimedOut(url)), CONNECT_TIMEOUT_MS)
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer))
    })
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', fail)
      response.on('close', () => {
        if (!response.complete) fail(connectionLost())
      })
      response.on('end', () => {
        if (settled) return
        settle()
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
        resolve({ status: response.statusCode ?? 0, headers: new NodeReplyHeaders(response.headers), text })
      })
    })
    outgoing.end(body)
  })

/** Node's parsed headers (lowercase names, repeats joined) behind `get`. */
class NodeReplyHeaders implements ReplyHeaders {
  constructor(private readonly headers: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.headers[name.toLowerCase()]
    if (value === undefined) return null
    return Array.isArray(value) ? value.join(', ') : value
  }
}

function connectTimedOut(url: URL): Error {
  return Object.assign(new Error(`connecting to ${url.host} took over ${CONNECT_TIMEOUT_MS} ms`), {
    code: 'CONNECT_TIMEOUT',
  })
}

function connectionLost(): Error {
  return Object.assign(new Error('the connection closed before the whole answer arrived'), {
    code: 'ECONNRESET',
  })
}
