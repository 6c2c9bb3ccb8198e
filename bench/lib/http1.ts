/**
 * A minimal HTTP/1.1 client for the load generator: one request at a time per
 * keep-alive connection, requests written as one string, responses parsed by
 * Content-Length or chunked encoding. It does a fraction of node:http's work
 * per request, so on a small machine the generator does not become the limit
 * before the server does (with node:http the client cost more CPU per request
 * than the bare ceiling server it was measuring).
 */
import { connect, type Socket } from 'node:net'

export interface HttpAnswer {
  status: number
  body: string
  /** The server will close the connection after this answer. */
  close: boolean
}

const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')

type State =
  | { kind: 'head' }
  | { kind: 'body'; status: number; close: boolean; length: number }
  | { kind: 'chunk-size'; status: number; close: boolean; chunks: Buffer[] }
  | { kind: 'chunk-data'; status: number; close: boolean; chunks: Buffer[]; size: number }
  | { kind: 'trailers'; status: number; close: boolean; chunks: Buffer[] }

/**
 * Turns the bytes of a connection into answers, however the bytes are split.
 *
 * @example
 * const parser = new ResponseParser()
 * parser.push(Buffer.from('HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}')) // [{ status: 201, body: '{}', close: false }]
 */
export class ResponseParser {
  private pending: Buffer = Buffer.alloc(0)
  private state: State = { kind: 'head' }

  push(chunk: Buffer): HttpAnswer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const answers: HttpAnswer[] = []
    for (;;) {
      const answer = this.step()
      if (answer === 'wait') return answers
      if (answer) answers.push(answer)
    }
  }

  /** Consumes what it can: an answer when one completed, undefined to go on, 'wait' for more bytes. */
  private step(): HttpAnswer | undefined | 'wait' {
    const state = this.state
    switch (state.kind) {
      case 'head': {
        const end = this.pending.indexOf(HEAD_END)
        if (end < 0) return 'wait'
        const lines = this.pending.toString('latin1', 0, end).split('\r\n')
        this.pending = this.pending.subarray(end + HEAD_END.length)
        const status = Number(lines[0]!.split(' ')[1])
        if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${lines[0]}`)
        let length: number | undefined
        let chunked = false
        let close = false
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':')
          const name = line.slice(0, colon).trim().toLowerCase()
          const value = line
            .slice(colon + 1)
            .trim()
            .toLowerCase()
          if (name === 'content-length') length = Number(value)
          else if (name === 'transfer-encoding') chunked = value.includes('chunked')
          else if (name === 'connection') close = value === 'close'
        }
        if (chunked) this.state = { kind: 'chunk-size', status, close, chunks: [] }
        else if (length !== undefined || status === 204 || status === 304) {
          this.state = { kind: 'body', status, close, length: length ?? 0 }
        } else {
          // A body ended by closing the connection: not something the servers measured here send.
          throw new Error(`answer ${status} has neither Content-Length nor chunked encoding`)
        }
        return undefined
      }
      case 'body': {
        if (this.pending.length < state.length) return 'wait'
        const body = this.pending.toString('utf8', 0, state.length)
        this.pending = this.pending.subarray(state.length)
        this.state = { kind: 'head' }
        return { status: state.status, body, close: state.close }
      }
      case 'chunk-size': {
        const end = this.pending.indexOf(CRLF)
        if (end < 0) return 'wait'
        const size = Number.parseInt(this.pending.toString('latin1', 0, end).split(';')[0]!, 16)
        if (!Number.isInteger(size)) throw new Error('malformed chunk size')
        this.pending = this.pending.subarray(end + CRLF.length)
        this.state =
          size === 0
            ? { ...state, kind: 'trailers' }
            : { ...state, kind: 'chunk-data', size, chunks: state.chunks }
        return undefined
      }
      case 'chunk-data': {
        if (this.pending.length < state.size + CRLF.length) return 'wait'
        state.chunks.push(this.pending.subarray(0, state.size))
        this.pending = this.pending.subarray(state.size + CRLF.length)
        this.state = { kind: 'chunk-size', status: state.status, close: state.close, chunks: state.chunks }
        return undefined
      }
      case 'trailers': {
        const end = this.pending.indexOf(CRLF)
        if (end < 0) return 'wait'
        this.pending = this.pending.subarray(end + CRLF.length)
        // An empty line ends the trailers (and the answer); other lines are trailer fields, ignored.
        if (end > 0) return undefined
        this.state = { kind: 'head' }
        return {
          status: state.status,
          body: Buffer.concat(state.chunks).toString('utf8'),
          close: state.close,
        }
      }
      default:
        return unreachable(state)
    }
  }
}

function unreachable(state: never): never {
  throw new Error(`unknown parser state ${JSON.stringify(state)}`)
}

/** The request as it goes on the wire. */
export function serializeRequest(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string>,
  body?: string,
): string {
  let text = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`
  for (const name in headers) text += `${name}: ${headers[name]}\r\n`
  if (body !== undefined) text += `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  else text += '\r\n'
  return text
}

/** One keep-alive connection, one request at a time. */
class Connection {
  private readonly socket: Socket
  private readonly parser = new ResponseParser()
  private waiting: { resolve(answer: HttpAnswer): void; reject(error: Error): void } | undefined
  alive = true

  constructor(port: number, host: string) {
    this.socket = connect({ port, host, noDelay: true })
    this.socket.on('data', (chunk: Buffer) => {
      let answers: HttpAnswer[]
      try {
        answers = this.parser.push(chunk)
      } catch (error) {
        this.fail(error as Error)
        return
      }
      for (const answer of answers) {
        if (answer.close) this.end()
        const waiting = this.waiting
        this.waiting = undefined
        waiting?.resolve(answer)
      }
    })
    this.socket.on('error', (error) => this.fail(error))
    this.socket.on('close', () => this.fail(new Error('connection closed by the server')))
  }

  send(request: string, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
      this.waiting = {
        resolve: (answer) => {
          clearTimeout(timer)
          resolve(answer)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      this.socket.write(request)
    })
  }

  end(): void {
    this.alive = false
    this.socket.destroy()
  }

  private fail(error: Error): void {
    this.end()
    const waiting = this.waiting
    this.waiting = undefined
    waiting?.reject(error)
  }
}

/** Keep-alive connections to one server: each request takes an idle one or opens a new one. */
export class Http1Pool {
  private readonly idle: Connection[] = []
  private readonly all = new Set<Connection>()
  private readonly host: string
  private readonly port: number

  constructor(
    baseUrl: string,
    private readonly requestTimeoutMs = 10_000,
  ) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:')
      throw new Error(`the bench loads plain http on this machine, not ${baseUrl}`)
    this.host = url.hostname
    this.port = Number(url.port || 80)
  }

  async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpAnswer> {
    let connection = this.idle.pop()
    if (!connection) {
      connection = new Connection(this.port, this.host)
      this.all.add(connection)
    }
    try {
      const request = serializeRequest(method, path, `${this.host}:${this.port}`, headers, body)
      return await connection.send(request, this.requestTimeoutMs)
    } finally {
      if (connection.alive) this.idle.push(connection)
      else this.all.delete(connection)
    }
  }

  close(): void {
    for (const connection of this.all) connection.end()
    this.all.clear()
    this.idle.length = 0
  }
}
