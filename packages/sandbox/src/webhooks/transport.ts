/**
 * Sending one signed webhook request over the wire and classifying the result.
 *
 * The outbox hands every attempt to a `WebhookTransport` and acts only on the
 * outcome it gets back. That is the one seam for fault injection: a transport
 * that wraps this one can drop a request (report 2xx, send nothing), duplicate
 * it, delay it, reorder it (report 2xx now, send later) or spoil its signature,
 * without the outbox or the state machine knowing.
 */
import { type ClientRequest, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { performance } from 'node:perf_hooks'

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

/**
 * The real transport: node:http(s), no redirects, the whole exchange bounded by
 * `timeoutMs` of real time. The duration is measured on the monotonic clock, not
 * the sandbox clock, because it is how long the receiver took: advancing the
 * sandbox clock mid-request must not make a request look seven days long.
 *
 * @example
 * const result = await httpTransport({ url, body, headers }, { timeoutMs: 10_000, signal })
 */
export const httpTransport: WebhookTransport = (outgoing, { timeoutMs, signal }) =>
  new Promise<AttemptResult>((resolve) => {
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
      request.destroy()
    }
    let request: ClientRequest
    try {
      const url = new URL(outgoing.url)
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest
      request = send(url, {
        method: 'POST',
        headers: { ...outgoing.headers, 'content-length': String(Buffer.byteLength(outgoing.body)) },
      })
    } catch (error) {
      // A URL or header node will not send (a line break in a merchant's token) is
      // a failed attempt like any other, never a rejection nobody is waiting for.
      return resolve({
        kind: 'error',
        error: 'network-error',
        message: (error as Error).message,
        durationMs: 0,
      })
    }
    const timer = setTimeout(() => fail('timeout', `no answer within ${timeoutMs} ms`), timeoutMs)
    const onAbort = () => fail('aborted', 'the delivery was cancelled')
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    request.on('response', (response) => {
      // Drain the body so the socket is freed; only the status matters.
      response.resume()
      response.on('end', () =>
        finish({ kind: 'response', statusCode: response.statusCode ?? 0, durationMs: elapsed() }),
      )
      response.on('error', (error) => fail(errorKind(error), error.message))
    })
    request.on('error', (error: NodeJS.ErrnoException) => fail(errorKind(error), error.message))
    request.end(outgoing.body)
  })
