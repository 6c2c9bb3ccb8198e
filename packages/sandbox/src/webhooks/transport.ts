/**
 * Sending one signed webhook request over the wire and classifying the result.
 *
 * The outbox hands every attempt to a `WebhookTransport` and acts only on the
 * outcome it gets back. That is the one seam for fault injection: a transport
 * that wraps this one can drop a request (report 2xx, send nothing), duplicate
 * it, delay it, reorder it (report 2xx now, send later) or spoil its signature,
 * without the outbox or the state machine knowing.
 */
import {
  type ClientRequest,
  request as httpRequest,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http'
import { request as httpsRequest } from 'node:https'
import { performance } from 'node:perf_hooks'
import { Http1Client } from './http1-client.ts'

/** One HTTP request exactly as it goes out: the body is the signed bytes. */
export interface OutgoingWebhook {
  url: string
  body: string
  headers: Record<string, string>
}

/** What went wrong when there was no HTTP answer. */
export type AttemptErrorKind =
  | 'timeout'
  | 'connection-refused'
  | 'connection-reset'
  | 'dns-error'
  | 'tls-error'
  | 'aborted'
  | 'network-error'

export type AttemptResult =
  | { kind: 'response'; statusCode: number; durationMs: number }
  | { kind: 'error'; error: AttemptErrorKind; message: string; durationMs: number }

export interface SendOptions {
  /** Give up on an answer after this long. */
  timeoutMs: number
  /** Aborted when the sandbox resets or the registration is deleted. */
  signal: AbortSignal
}

/** Sends one webhook request; never rejects, every failure is a result. */
export type WebhookTransport = (request: OutgoingWebhook, options: SendOptions) => Promise<AttemptResult>

/** True for the answers that count as received: any 2xx, nothing else (redirects are not followed). */
export const isAcknowledged = (result: AttemptResult): boolean =>
  result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300

function errorKind(error: NodeJS.ErrnoException): AttemptErrorKind {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection-refused'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection-reset'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns-error'
    default:
      return error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT') ? 'tls-error' : 'network-error'
  }
}

/** A failed attempt before anything was sent: a URL or a header no HTTP client would send. */
const unsendable = (error: unknown): AttemptResult => ({
  kind: 'error',
  error: 'network-error',
  message: (error as Error).message,
  durationMs: 0,
})

/** Keep-alive connections for plain http receivers, shared by every delivery, as node:http's global agent was. */
const plainHttp = new Http1Client()

/**
 * The real transport: no redirects, the whole exchange bounded by `timeoutMs`
 * of real time. The duration is measured on the monotonic clock, not the
 * sandbox clock, because it is how long the receiver took: advancing the
 * sandbox clock mid-request must not make a request look seven days long.
 * Plain `http:` goes through the small keep-alive client (http1-client.ts);
 * `https:`, and a URL with credentials in it, through node:http(s).
 *
 * @example
 * const result = await httpTransport({ url, body, headers }, { timeoutMs: 10_000, signal })
 */
export const httpTransport: WebhookTransport = (outgoing, options) => {
  let url: URL
  try {
    url = new URL(outgoing.url)
    // A URL or header node will not send (a line break in a merchant's token) is a
    // failed attempt like any other, never a rejection nobody is waiting for.
    for (const [name, value] of Object.entries(outgoing.headers)) {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    }
  } catch (error) {
    return Promise.resolve(unsendable(error))
  }
  return url.protocol === 'http:' && url.username === '' && url.password === ''
    ? sendPlainHttp(url, outgoing, options)
    : sendWithNode(url, outgoing, options)
}

/** Settles an attempt once: an answer, a failure, the timeout or the abort, whichever comes first. */
function attemptSettler(
  { timeoutMs, signal }: SendOptions,
  resolve: (result: AttemptResult) => void,
  giveUp: () => void,
) {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  let settled = false
  const finish = (result: AttemptResult) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
    resolve(result)
  }
  const fail = (error: AttemptErrorKind, message: string) => {
    finish({ kind: 'error', error, message, durationMs: elapsed() })
    giveUp()
  }
  const timer = setTimeout(() => fail('timeout', `no answer within ${timeoutMs} ms`), timeoutMs)
  const onAbort = () => fail('aborted', 'the delivery was cancelled')
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return {
    answered: (statusCode: number) => finish({ kind: 'response', statusCode, durationMs: elapsed() }),
    failed: (error: NodeJS.ErrnoException) => fail(errorKind(error), error.message),
  }
}

function sendPlainHttp(url: URL, outgoing: OutgoingWebhook, options: SendOptions): Promise<AttemptResult> {
  return new Promise((resolve) => {
    if (options.signal.aborted) return attemptSettler(options, resolve, () => {})
    const exchange = plainHttp.post(url, outgoing.headers, outgoing.body)
    const attempt = attemptSettler(options, resolve, exchange.cancel)
    exchange.answer.then(attempt.answered, attempt.failed)
  })
}

function sendWithNode(url: URL, outgoing: OutgoingWebhook, options: SendOptions): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    let request: ClientRequest
    try {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest
      request = send(url, {
        method: 'POST',
        headers: { ...outgoing.headers, 'content-length': String(Buffer.byteLength(outgoing.body)) },
      })
    } catch (error) {
      return resolve(unsendable(error))
    }
    const attempt = attemptSettler(options, resolve, () => request.destroy())
    request.on('response', (response) => {
      // Drain the body so the socket is freed; only the status matters.
      response.resume()
      response.on('end', () => attempt.answered(response.statusCode ?? 0))
      response.on('error', attempt.failed)
    })
    request.on('error', attempt.failed)
    request.end(outgoing.body)
  })
}
