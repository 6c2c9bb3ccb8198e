/**
 * A small, bounded load generator: N clients, each repeating a scenario (one
 * or more requests in order) over keep-alive connections for a fixed time and
 * at most a fixed number of requests. Every request's latency is kept per
 * operation; nothing is sampled away.
 *
 * Written on node:http with one keep-alive Agent per cell rather than taking a
 * dependency: the scenarios are multi-step (create, approve, capture, get on one
 * reference), which fixed-request tools do not model without scripting anyway.
 */
import { Agent, request as httpRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { cpuTimeMs, rssMb } from './processes.ts'
import { type LatencySummary, summarize } from './stats.ts'

export interface HttpAnswer {
  status: number
  body: string
}

/** One client's connection to the server under test; keeps the server's host and a keep-alive pool. */
export class HttpTarget {
  readonly agent: Agent
  private readonly hostname: string
  private readonly port: number

  constructor(
    readonly baseUrl: string,
    maxSockets: number,
    private readonly requestTimeoutMs = 10_000,
  ) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:')
      throw new Error(`the bench loads plain http on this machine, not ${baseUrl}`)
    this.hostname = url.hostname
    this.port = Number(url.port || 80)
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  }

  /** Sends one request; rejects on a network error or after the request timeout. */
  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing =
        body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }
      const req = httpRequest(
        { agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers: outgoing },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body:
                chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', reject)
        },
      )
      req.setTimeout(this.requestTimeoutMs, () =>
        req.destroy(new Error(`timed out after ${this.requestTimeoutMs} ms`)),
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

/** What a scenario step calls: sends, times and checks one request. */
export type Send = (
  operation: string,
  method: string,
  path: string,
  expectStatus: number,
  body?: string,
  headers?: Record<string, string>,
) => Promise<HttpAnswer | undefined>

/**
 * One iteration of a scenario for one client. `n` numbers the iteration across
 * the cell, so each can use its own payment reference. A step that gets
 * undefined back from `send` (it failed) should end the iteration.
 */
export type Scenario = (send: Send, client: number, n: number) => Promise<void>

export interface LoadOptions {
  target: HttpTarget
  /** Headers on every request (credentials). */
  headers: Record<string, string>
  scenario: Scenario
  concurrency: number
  durationMs: number
  /** Stops the cell early past this many requests, whatever the time. */
  maxRequests: number
  /** The server's PID, to read its CPU time and memory (Linux). */
  serverPid?: number
}

export interface LoadResult {
  durationMs: number
  requests: number
  errors: number
  rps: number
  latency: LatencySummary | undefined
  operations: Record<string, LatencySummary | undefined>
  clientCpuPercent: number
  serverCpuPercent: number | undefined
  serverRssMb: number | undefined
  errorSamples: string[]
}

const MAX_ERROR_SAMPLES = 5

/** Runs the scenario with `concurrency` clients until the time or the request budget is spent. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { target, scenario, concurrency, durationMs, maxRequests } = options
  const all: number[] = []
  const byOperation = new Map<string, number[]>()
  const errorSamples: string[] = []
  let requests = 0
  let errors = 0
  let iteration = 0
  const started = performance.now()
  const deadline = started + durationMs
  const stopped = () => performance.now() >= deadline || requests >= maxRequests

  const send: Send = async (operation, method, path, expectStatus, body, headers) => {
    const sent = performance.now()
    let answer: HttpAnswer | undefined
    let failure: string | undefined
    try {
      answer = await target.send(
        method,
        path,
        headers ? { ...options.headers, ...headers } : options.headers,
        body,
      )
      if (answer.status !== expectStatus) {
        failure = `${operation}: ${answer.status} (wanted ${expectStatus}) ${answer.body.slice(0, 200)}`
      }
    } catch (error) {
      failure = `${operation}: ${(error as Error).message}`
    }
    const elapsed = performance.now() - sent
    requests++
    all.push(elapsed)
    let list = byOperation.get(operation)
    if (!list) {
      list = []
      byOperation.set(operation, list)
    }
    list.push(elapsed)
    if (failure !== undefined) {
      errors++
      if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(failure)
      return undefined
    }
    return answer
  }

  const cpuBefore = process.cpuUsage()
  const serverCpuBefore = options.serverPid === undefined ? undefined : cpuTimeMs(options.serverPid)
  const client = async (index: number) => {
    while (!stopped()) await scenario(send, index, iteration++)
  }
  await Promise.all(Array.from({ length: concurrency }, (_, index) => client(index)))
  const elapsed = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const serverCpuAfter = options.serverPid === undefined ? undefined : cpuTimeMs(options.serverPid)

  const operations: Record<string, LatencySummary | undefined> = {}
  for (const [operation, latencies] of byOperation) operations[operation] = summarize(latencies)
  return {
    durationMs: elapsed,
    requests,
    errors,
    // Only requests answered as expected count: a server failing fast must not look fast.
    rps: ((requests - errors) / elapsed) * 1000,
    latency: summarize(all),
    operations,
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    serverCpuPercent:
      serverCpuBefore === undefined || serverCpuAfter === undefined
        ? undefined
        : ((serverCpuAfter - serverCpuBefore) / elapsed) * 100,
    serverRssMb: options.serverPid === undefined ? undefined : rssMb(options.serverPid),
    errorSamples,
  }
}
