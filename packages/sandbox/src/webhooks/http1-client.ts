/**
 * A small HTTP/1.1 client for the platform's POSTs to merchants over plain
 * http: the request written as one buffer on a keep-alive connection, the
 * answer read only as far as its status and its end (the body is counted and
 * dropped). node:http's client costs about three times the CPU per request
 * (its agent, streams, timers and events), and a sandbox under a till's
 * checkouts sends three webhooks per payment. transport.ts uses it for plain
 * `http:` URLs and keeps node:http(s) for everything else (TLS, credentials in
 * the URL).
 *
 * One request at a time per connection (no pipelining); an idle connection is
 * kept for `IDLE_MS`, unreferenced, so it never holds the process open.
 */
import { connect, type Socket } from 'node:net'

/** How long an idle connection is kept: below the 5 s keep-alive of Node's and most servers, so we close first. */
const IDLE_MS = 4000
/** node:http's limit on a response head (--max-http-header-size). */
const MAX_HEAD_BYTES = 16 * 1024

/** Why an exchange failed without an answer: a socket error (with its code) or a malformed answer. */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

type BodyState =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'until-close' }

/**
 * Reads one answer at a time from a connection's bytes, however they are
 * split: its status, and whether it is complete. 1xx answers are skipped.
 */
export class AnswerReader {
  private head = ''
  private state: BodyState = { kind: 'head' }
  private line = ''
  status = 0
  /** The server keeps the connection open after this answer. */
  keepAlive = false
  /** Any byte of an answer arrived. */
  started = false

  /** Consumes `chunk`; true once the answer is complete (bytes after it are an error: nothing was asked). */
  push(chunk: Buffer): boolean {
    if (chunk.length > 0) this.started = true
    let at = 0
    while (at < chunk.length) {
      const state = this.state
      switch (state.kind) {
        case 'head': {
          const text = chunk.toString('latin1', at)
          const end = (this.head + text).indexOf('\r\n\r\n')
          if (end < 0) {
            this.head += text
            if (this.head.length > MAX_HEAD_BYTES) throw new ExchangeError('the answer’s head is too large')
            return false
          }
          const consumed = end + 4 - this.head.length
          const head = (this.head + text).slice(0, end)
          this.head = ''
          at += consumed
          if (this.readHead(head)) return at === chunk.length ? true : this.extra()
          break
        }
        case 'length': {
          const take = Math.min(state.left, chunk.length - at)
          state.left -= take
          at += take
          if (state.left === 0) return at === chunk.length ? true : this.extra()
          break
        }
        case 'chunk-data': {
          const take = Math.min(state.left, chunk.length - at)
          state.left -= take
          at += take
          if (state.left === 0) this.state = { kind: 'chunk-end' }
          break
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers': {
          const newline = chunk.indexOf(10, at)
          const end = newline < 0 ? chunk.length : newline + 1
          this.line += chunk.toString('latin1', at, end)
          at = end
          if (this.line.length > MAX_HEAD_BYTES) throw new ExchangeError('a chunk line is too long')
          if (newline < 0) break
          const line = this.line.replace(/\r?\n$/, '')
          this.line = ''
          if (this.lineDone(line)) return at === chunk.length ? true : this.extra()
          break
        }
        case 'until-close':
          return false
      }
    }
    return false
  }

  /** The connection ended: true when that completes the answer (a body read until close). */
  end(): boolean {
    if (this.state.kind !== 'until-close') return false
    this.keepAlive = false
    return true
  }

  private extra(): never {
    throw new ExchangeError('the server sent more than one answer')
  }

  /** Reads a status line and headers; true when the answer has no body. */
  private readHead(head: string): boolean {
    const lines = head.split('\r\n')
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '')
    if (!statusLine) throw new ExchangeError('the answer is not HTTP/1.x')
    const status = Number(statusLine[2])
    let length: number | undefined
    let chunked = false
    let connection = ''
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new ExchangeError('a malformed header in the answer')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value)))
          throw new ExchangeError('a malformed Content-Length in the answer')
        length = Number(value)
      } else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value)
      else if (name === 'connection') connection = value.toLowerCase()
    }
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (status >= 100 && status < 200 && status !== 101) return false
    this.status = status
    const closes = connection.split(',').some((token) => token.trim() === 'close')
    this.keepAlive =
      statusLine[1] === '1' ? !closes : connection.split(',').some((token) => token.trim() === 'keep-alive')
    if (status === 204 || status === 304 || status === 101) {
      this.keepAlive &&= status !== 101
      return true
    }
    if (chunked) this.state = { kind: 'chunk-size' }
    else if (length !== undefined) {
      if (length === 0) return true
      this.state = { kind: 'length', left: length }
    } else {
      this.state = { kind: 'until-close' }
      this.keepAlive = false
    }
    return false
  }

  /** A chunk-size, chunk-end or trailer line; true when it ends the answer. */
  private lineDone(line: string): boolean {
    switch (this.state.kind) {
      case 'chunk-size': {
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16)
        if (!Number.isInteger(size) || size < 0)
          throw new ExchangeError('a malformed chunk size in the answer')
        this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size }
        return false
      }
      case 'chunk-end':
        if (line !== '') throw new ExchangeError('a chunk of the answer is longer than its size')
        this.state = { kind: 'chunk-size' }
        return false
      default:
        // Trailer fields are ignored; the empty line ends the answer.
        return line === ''
    }
  }
}

/** One keep-alive connection to an origin, one exchange at a time. */
class Connection {
  readonly socket: Socket
  /** Settles the exchange in progress; undefined while the connection is idle. */
  private current:
    | { reader: AnswerReader; resolve: (status: number) => void; reject: (error: ExchangeError) => void }
    | undefined
  alive = true
  /** It has carried an exchange before: a failure before any answer may be the server closing it while idle. */
  reused = false

  constructor(
    host: string,
    port: number,
    private readonly onIdle: (connection: Connection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true })
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('end', () => {
      // A body read until close is complete now; anything else ends without its answer.
      const current = this.current
      if (current?.reader.end()) this.settle((c) => c.resolve(current.reader.status))
      this.close(new ExchangeError('socket hang up', 'ECONNRESET'))
    })
    this.socket.on('error', (error: NodeJS.ErrnoException) =>
      this.close(new ExchangeError(error.message, error.code)),
    )
    this.socket.on('close', () => this.close(new ExchangeError('socket hang up', 'ECONNRESET')))
    this.socket.on('timeout', () => this.close(new ExchangeError('idle', 'ETIMEDOUT')))
  }

  /** Sends `request` and resolves with the answer's status once the whole answer has arrived. */
  exchange(request: Buffer): { answer: Promise<number>; reader: AnswerReader } {
    const reader = new AnswerReader()
    const answer = new Promise<number>((resolve, reject) => {
      this.current = { reader, resolve, reject }
    })
    this.socket.setTimeout(0)
    this.socket.ref()
    this.socket.write(request)
    return { answer, reader }
  }

  /** Ends the connection; an exchange in progress fails with `error`. */
  close(error: ExchangeError): void {
    this.alive = false
    this.socket.destroy()
    this.settle((c) => c.reject(error))
  }

  private onData(chunk: Buffer): void {
    const current = this.current
    if (!current) {
      // Nothing was asked: a server that talks unprompted is not one to reuse.
      this.close(new ExchangeError('unexpected bytes on an idle connection'))
      return
    }
    let complete: boolean
    try {
      complete = current.reader.push(chunk)
    } catch (error) {
      this.close(error as ExchangeError)
      return
    }
    if (!complete) return
    const status = current.reader.status
    this.settle((c) => c.resolve(status))
    if (!current.reader.keepAlive) {
      this.close(new ExchangeError('closed after its answer'))
      return
    }
    this.reused = true
    this.socket.setTimeout(IDLE_MS)
    this.socket.unref()
    this.onIdle(this)
  }

  private settle(how: (current: NonNullable<Connection['current']>) => void): void {
    const current = this.current
    this.current = undefined
    if (current) how(current)
  }
}

/** One request under way: its answer's status, and a way to give up on it (which closes its connection). */
export interface Exchange {
  /** The answer's status once the whole answer arrived; rejects with an `ExchangeError`. */
  answer: Promise<number>
  cancel(): void
}

/**
 * Keep-alive connections per origin. The caller bounds each exchange in time
 * with `cancel`.
 *
 * @example
 * const { answer, cancel } = client.post(new URL('http://127.0.0.1:3000/hooks'), headers, body)
 */
export class Http1Client {
  private readonly idle = new Map<string, Connection[]>()

  post(url: URL, headers: Record<string, string>, body: string): Exchange {
    const request = serializePost(url, headers, body)
    const origin = `${url.hostname}:${url.port || '80'}`
    let connection = this.take(origin) ?? this.open(url, origin)
    let cancelled = false
    const send = async (): Promise<number> => {
      const sent = connection.exchange(request)
      try {
        return await sent.answer
      } catch (error) {
        // A kept-alive connection the server closed while it was idle fails before any
        // answer: the request never reached the receiver, so it goes once more on a new one.
        if (cancelled || !connection.reused || sent.reader.started) throw error
        connection = this.open(url, origin)
        return await connection.exchange(request).answer
      }
    }
    return {
      answer: send(),
      cancel: () => {
        cancelled = true
        connection.close(new ExchangeError('aborted', 'ABORT_ERR'))
      },
    }
  }

  /** Closes every idle connection. */
  close(): void {
    for (const connections of this.idle.values())
      for (const connection of connections) connection.close(new ExchangeError('closed'))
    this.idle.clear()
  }

  private take(origin: string): Connection | undefined {
    const connections = this.idle.get(origin)
    for (let connection = connections?.pop(); connection; connection = connections?.pop()) {
      if (connection.alive) return connection
    }
    return undefined
  }

  private open(url: URL, origin: string): Connection {
    // URL.hostname keeps an IPv6 address's brackets; the socket wants it bare.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const connection = new Connection(host, Number(url.port || 80), (idle) => {
      const connections = this.idle.get(origin) ?? []
      connections.push(idle)
      this.idle.set(origin, connections)
    })
    connection.socket.once('close', () => {
      const left = (this.idle.get(origin) ?? []).filter((c) => c !== connection)
      if (left.length === 0) this.idle.delete(origin)
      else this.idle.set(origin, left)
    })
    return connection
  }
}

/**
 * The request's bytes, head and body in UTF-8, as node:http writes a request
 * whose string body goes out with its head: a merchant's eCom authToken
 * "ÆØÅ" is its UTF-8 bytes in the callback's Authorization, as it always was
 * (test/fuzz/outgoing.test.ts). `host` comes from the headers when given (the
 * webhook signature names it), else from the URL as node:http would send it.
 */
export function serializePost(url: URL, headers: Record<string, string>, body: string): Buffer {
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\n`
  let hasHost = false
  for (const name in headers) {
    const lower = name.toLowerCase()
    // The length and the connection are this client's to say.
    if (lower === 'content-length' || lower === 'connection') continue
    if (lower === 'host') hasHost = true
    head += `${name}: ${headers[name]}\r\n`
  }
  if (!hasHost) head += `host: ${url.host}\r\n`
  head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n`
  return Buffer.from(head + body, 'utf8')
}
