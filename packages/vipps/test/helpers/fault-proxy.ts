/**
 * A local HTTP proxy in front of the sandbox that misbehaves on cue, the way a
 * network does: it can forward a request and then drop the connection before
 * the answer (the platform committed, the caller never heard), answer in the
 * gateway's place (429), or hold a request forever. It records what it saw.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Fault =
  | { type: 'forward' }
  | { type: 'drop-after-forward' }
  | { type: 'hang' }
  | { type: 'answer'; status: number; headers?: Record<string, string>; body: string }

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
  /** What the proxy did with it. */
  fault: Fault['type']
}

export interface FaultProxy {
  url: string
  seen: SeenRequest[]
  /** Decides, per request, what to do; `forward` when it returns undefined. */
  decide: (request: { method: string; path: string }, nth: number) => Fault | undefined
  close(): Promise<void>
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host'])

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** Starts a proxy on 127.0.0.1, on a free port, in front of `target`. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let nth = 0
  const proxy: FaultProxy = {
    url: '',
    seen: [],
    decide: () => undefined,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request)
    const method = request.method ?? 'GET'
    const path = request.url ?? '/'
    const fault = proxy.decide({ method, path }, nth++) ?? { type: 'forward' }
    proxy.seen.push({ method, path, headers: request.headers, body, fault: fault.type })
    if (fault.type === 'hang') return
    if (fault.type === 'answer') {
      response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
      response.end(fault.body)
      return
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value
    }
    const upstream = await fetch(target + path, {
      method,
      headers,
      ...(body === '' ? {} : { body }),
    })
    const answer = await upstream.text()
    if (fault.type === 'drop-after-forward') {
      // The platform has done the work; the caller gets a reset instead of the answer.
      request.socket.destroy()
      return
    }
    const answerHeaders: Record<string, string> = {}
    upstream.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) answerHeaders[name] = value
    })
    response.writeHead(upstream.status, answerHeaders)
    response.end(answer)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return proxy
}
