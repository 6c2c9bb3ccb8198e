import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { httpTransport, isAcknowledged, type OutgoingWebhook } from './transport.ts'

const servers: Array<Server | TcpServer> = []
const noAbort = new AbortController().signal

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections()
    server.close()
  }
})

interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/** A receiver answering every request with `answer`; records what arrived and how many connections it saw. */
async function receiver(answer: (res: import('node:http').ServerResponse) => void = (res) => res.end()) {
  const received: Received[] = []
  const connections: Socket[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      answer(res)
    })
  })
  server.on('connection', (socket: Socket) => connections.push(socket))
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return { server, received, connections, url: `http://127.0.0.1:${port}/hooks?x=1` }
}

/** A TCP server that answers each connection's first request with exactly `bytes`, then does `after`. */
async function rawReceiver(bytes: string, after: (socket: Socket) => void = () => {}) {
  const server = createTcpServer((socket) => {
    socket.once('data', () => {
      socket.write(bytes)
      after(socket)
    })
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
}

const webhook = (url: string, headers: Record<string, string> = {}): OutgoingWebhook => ({
  url,
  body: JSON.stringify({ reference: 'order-1', name: 'AUTHORIZED', note: 'blåbær' }),
  headers: { 'content-type': 'application/json', authorization: 'HMAC-SHA256 x', ...headers },
})

describe('the webhook transport over plain http', () => {
  it('sends the exact body and headers as a POST, and keeps one connection for the deliveries that follow', async () => {
    const { received, connections, url } = await receiver()
    const sent = webhook(url, { host: new URL(url).host })
    for (let i = 0; i < 3; i++) {
      const result = await httpTransport(sent, { timeoutMs: 5000, signal: noAbort })
      expect(result).toMatchObject({ kind: 'response', statusCode: 200 })
      expect(isAcknowledged(result)).toBe(true)
    }
    expect(received).toHaveLength(3)
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: sent.body })
    expect(received[0]!.headers).toMatchObject({
      host: new URL(url).host,
      authorization: 'HMAC-SHA256 x',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(sent.body)),
    })
    expect(connections).toHaveLength(1)
  })

  it('writes a header beyond ASCII as its UTF-8 bytes, as node:http does (an eCom authToken "ÆØÅ")', async () => {
    const { received, url } = await receiver()
    await httpTransport(webhook(url, { authorization: 'ÆØÅ æøå' }), { timeoutMs: 5000, signal: noAbort })
    // node's server reads header bytes as Latin-1.
    expect(received[0]!.headers.authorization).toBe(Buffer.from('ÆØÅ æøå', 'utf8').toString('latin1'))
  })

  it('names the host from the URL when the headers do not', async () => {
    const { received, url } = await receiver()
    await httpTransport(webhook(url), { timeoutMs: 5000, signal: noAbort })
    expect(received[0]!.headers.host).toBe(new URL(url).host)
  })

  it('reads answers with a chunked body, with a body until the connection closes, and after a 100 Continue', async () => {
    const chunked = await receiver((res) => {
      res.writeHead(202, { 'content-type': 'text/plain' })
      res.write('accepted, ')
      res.end('thank you')
    })
    expect(await httpTransport(webhook(chunked.url), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'response',
      statusCode: 202,
    })
    const untilClose = await rawReceiver('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nreceived', (socket) =>
      socket.end(),
    )
    expect(await httpTransport(webhook(untilClose), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'response',
      statusCode: 200,
    })
    const interim = await rawReceiver('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')
    expect(await httpTransport(webhook(interim), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'response',
      statusCode: 204,
    })
  })

  it('does not follow a redirect: the 3xx is the answer, and not an acknowledgement', async () => {
    const { received, url } = await receiver((res) => {
      res.writeHead(307, { location: '/elsewhere' })
      res.end()
    })
    const result = await httpTransport(webhook(url), { timeoutMs: 5000, signal: noAbort })
    expect(result).toMatchObject({ kind: 'response', statusCode: 307 })
    expect(isAcknowledged(result)).toBe(false)
    expect(received).toHaveLength(1)
  })

  it('delivers once more on a new connection when the receiver closed the kept one while it was idle', async () => {
    const { received, connections, url } = await receiver()
    expect(await httpTransport(webhook(url), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      statusCode: 200,
    })
    // The receiver drops the idle connection (its keep-alive ran out), unseen by the sender yet.
    connections[0]!.destroy()
    expect(await httpTransport(webhook(url), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      statusCode: 200,
    })
    expect(received).toHaveLength(2)
    expect(connections).toHaveLength(2)
  })

  it('reports a receiver that never answers as a timeout, and one that is not there as refused', async () => {
    const silent = await rawReceiver('')
    expect(await httpTransport(webhook(silent), { timeoutMs: 200, signal: noAbort })).toMatchObject({
      kind: 'error',
      error: 'timeout',
    })
    const gone = await rawReceiver('')
    servers.pop()?.close()
    await new Promise((resolve) => setImmediate(resolve))
    expect(await httpTransport(webhook(gone), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'error',
      error: 'connection-refused',
    })
  })

  it('reports a connection closed before the answer as reset, and a malformed answer as a network error', async () => {
    const hangUp = await rawReceiver('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort', (socket) =>
      socket.destroy(),
    )
    expect(await httpTransport(webhook(hangUp), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'error',
      error: 'connection-reset',
    })
    const garbage = await rawReceiver('SMTP ready\r\n\r\n')
    expect(await httpTransport(webhook(garbage), { timeoutMs: 5000, signal: noAbort })).toMatchObject({
      kind: 'error',
      error: 'network-error',
    })
  })

  it('stops waiting when the delivery is cancelled', async () => {
    const silent = await rawReceiver('')
    const controller = new AbortController()
    const pending = httpTransport(webhook(silent), { timeoutMs: 5000, signal: controller.signal })
    controller.abort()
    expect(await pending).toMatchObject({ kind: 'error', error: 'aborted' })
  })

  it('sends nothing for a header no HTTP client may send, and reports it as a failed attempt', async () => {
    const { received, url } = await receiver()
    const result = await httpTransport(webhook(url, { authorization: 'Bearer a\r\nx-injected: 1' }), {
      timeoutMs: 5000,
      signal: noAbort,
    })
    expect(result).toMatchObject({ kind: 'error', error: 'network-error' })
    expect(received).toHaveLength(0)
  })
})
