/**
 * A small, bounded load generator: N clients, each repeating a scenario (one
 * or more requests in order) over keep-alive connections for a fixed time and
 * at most a fixed number of requests. Every request's latency is kept per
 * operation; nothing is sampled away.
 *
 * Written here rather than taken as a dependency: the scenarios are multi-step
 * (create, approve, capture, get on one reference), which fixed-request tools
 * do not model without scripting anyway. Requests go through a minimal HTTP/1.1
 * client (http1.ts), one keep-alive connection per client.
 */
import { performance } from 'node:perf_hooks'
import type { Http1Pool, HttpAnswer } from './http1.ts'
import { cpuTimeMs, rssMb } from './processes.ts'
import { type LatencySummary, summarize, summarizeEach } from './stats.ts'

export type { HttpAnswer } from './http1.ts'

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
  /** Keep-alive connections to the server under test. */
  target: Http1Pool
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

/** What one run of load measured. */
export interface LoadResult {
  durationMs: number
  /** Completed requests, answered or not. */
  requests: number
  /** Requests that failed or got an unexpected status. */
  errors: number
  /** Requests answered as expected, per second over the measured time. */
  rps: number
  /** Every request in the run. */
  latency: LatencySummary | undefined
  /** Per operation (create, approve, capture, get, …). */
  operations: Record<string, LatencySummary | undefined>
  /** The load generator's CPU use, in % of one core: near 100 means it, not the server, may be the limit. */
  clientCpuPercent: number
  /** The server process's CPU use, in % of one core (Linux; undefined elsewhere). */
  serverCpuPercent: number | undefined
  /**
   * The server's CPU time per request answered, µs: its cost, which others' load on
   * a shared machine moves far less than req/s (Linux; undefined elsewhere).
   */
  serverCpuUsPerRequest: number | undefined
  /** The server's resident memory at the end of the run, MiB. */
  serverRssMb: number | undefined
  /** The first few failures, for the report. */
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

  const serverCpuMs =
    serverCpuBefore === undefined || serverCpuAfter === undefined
      ? undefined
      : serverCpuAfter - serverCpuBefore
  const answered = requests - errors
  return {
    durationMs: elapsed,
    requests,
    errors,
    // Only requests answered as expected count: a server failing fast must not look fast.
    rps: (answered / elapsed) * 1000,
    latency: summarize(all),
    operations: summarizeEach(byOperation),
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    serverCpuPercent: serverCpuMs === undefined ? undefined : (serverCpuMs / elapsed) * 100,
    serverCpuUsPerRequest:
      serverCpuMs === undefined || answered === 0 ? undefined : (serverCpuMs * 1000) / answered,
    serverRssMb: options.serverPid === undefined ? undefined : rssMb(options.serverPid),
    errorSamples,
  }
}
