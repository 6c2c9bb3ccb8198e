/**
 * The till's checkout as the bench drives it, one bench till per concurrent
 * client: a cashier signed in at their own till with the cashier app's event
 * stream open, then, over and over, what a checkout is at the counter:
 *
 *   open sale → scan two products → the customer's number → Pay
 *   → the customer approves on the phone (the sandbox's control API)
 *   → the till's `payment` event saying "Payment registered" (state `captured`)
 *
 * Every step is timed, and so is the whole checkout and the wait the cashier
 * sees after the customer approves. Requests go over one keep-alive
 * connection per till (http1.ts), as a browser's would; the event stream is
 * read with node:http, one per till.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import { Http1Pool, type HttpAnswer } from './http1.ts'
import { cpuTimeMs, rssMb, treeCpuTimeMs } from './processes.ts'
import { type LatencySummary, summarize, summarizeEach } from './stats.ts'

/** The PIN of every bench cashier (bench data only, in the bench's own database). */
export const BENCH_PIN = '2468'

/** The demo store's MSN, which the till pays with in the sandbox. */
const MSN = '123456'

/** Two of the demo catalogue's products: Tine Helmelk 1 l (25,90) and Kvikk Lunsj (22,90). */
const BARCODES = ['7039610197728', '7038010315442'] as const

export interface BenchTill {
  posId: string
  staffNumber: string
  /** The customer at this till: a sandbox test user of the bench's own. */
  msisdn: string
}

/**
 * The bench's tills, cashiers and customers, numbered from 1: `bench-01` with
 * staff number 9001 and the customer 47 40000001. The same for the setup
 * script (the till's database), the sandbox's config (its users) and the load.
 */
export function benchTills(count: number): BenchTill[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1
    return {
      posId: `bench-${String(n).padStart(2, '0')}`,
      staffNumber: String(9000 + n),
      msisdn: `4740${String(n).padStart(6, '0')}`,
    }
  })
}

/** The bench's customers as sandbox test users (`kasse sandbox --config`). */
export function benchUsers(tills: readonly BenchTill[]) {
  return tills.map((t, i) => ({
    msisdn: t.msisdn,
    givenName: 'Bench',
    familyName: `Customer ${i + 1}`,
    email: `bench.customer.${i + 1}@example.no`,
    birthDate: '1990-01-01',
    address: { streetAddress: 'Benkgata 1', postalCode: '0150', region: 'Oslo', country: 'NO' },
  }))
}

const TERMINAL_FAILURES = new Set(['declined', 'expired', 'cancelled', 'failed'])

interface AttemptEvent {
  id: string
  state: string
}

/** A cashier signed in at one bench till, with its event stream open. */
export class TillSession {
  private readonly waiters = new Map<string, (attempt: AttemptEvent) => void>()
  private stream: IncomingMessage | undefined
  private readonly api: Http1Pool
  private readonly headers: Record<string, string>

  private constructor(
    readonly till: BenchTill,
    private readonly tillUrl: string,
    cookie: string,
    csrfToken: string,
    requestTimeoutMs: number,
  ) {
    this.api = new Http1Pool(tillUrl, requestTimeoutMs)
    this.headers = { cookie, 'x-kasse-csrf': csrfToken }
  }

  /** Signs the till's cashier in (POST /api/session) and opens GET /api/events. */
  static async open(tillUrl: string, till: BenchTill, requestTimeoutMs = 30_000): Promise<TillSession> {
    const response = await fetch(`${tillUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ posId: till.posId, staffNumber: till.staffNumber, pin: BENCH_PIN }),
    })
    const body = (await response.json()) as { csrfToken?: string }
    if (response.status !== 201 || !body.csrfToken) {
      throw new Error(`sign-in at ${till.posId}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`)
    }
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const session = new TillSession(till, tillUrl, cookie, body.csrfToken, requestTimeoutMs)
    await session.follow()
    return session
  }

  /** A request to the till as this cashier. */
  send(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    return this.api.send(
      method,
      path,
      body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
      body === undefined ? undefined : JSON.stringify(body),
    )
  }

  /**
   * Resolves with the attempt's state once the event stream says it ended:
   * `captured` ("Payment registered") or a failure. Call before the approval,
   * so an event that comes before the approval's answer is not missed.
   */
  settled(attemptId: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(attemptId)
        reject(new Error(`no registered payment on the event stream within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.set(attemptId, (attempt) => {
        clearTimeout(timer)
        this.waiters.delete(attemptId)
        resolve(attempt.state)
      })
    })
  }

  /** Stops waiting for an attempt (its iteration failed before the approval). */
  forget(attemptId: string): void {
    this.waiters.delete(attemptId)
  }

  close(): void {
    this.stream?.destroy()
    this.api.close()
  }

  private follow(): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${this.tillUrl}/api/events`, {
        headers: { cookie: this.headers.cookie, accept: 'text/event-stream' },
      })
      request.on('error', reject)
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`events at ${this.till.posId}: ${response.statusCode}`))
          response.resume()
          return
        }
        this.stream = response
        response.setEncoding('utf8')
        let buffer = ''
        response.on('data', (chunk: string) => {
          buffer += chunk
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            this.onEvent(buffer.slice(0, end))
            buffer = buffer.slice(end + 2)
            end = buffer.indexOf('\n\n')
          }
        })
        // The stream is open once its headers came; the till writes the current state after.
        resolve()
      })
      request.end()
    })
  }

  private onEvent(block: string): void {
    if (!block.startsWith('event: payment\n')) return
    const data = /^data: (.*)$/m.exec(block)?.[1]
    if (!data) return
    const { attempt } = JSON.parse(data) as { attempt: AttemptEvent }
    if (attempt.state === 'captured' || TERMINAL_FAILURES.has(attempt.state)) {
      this.waiters.get(attempt.id)?.(attempt)
    }
  }
}

export interface CheckoutLoadOptions {
  /** One signed-in session per concurrent till; the first `concurrency` are used. */
  sessions: readonly TillSession[]
  /** Keep-alive connections to the sandbox, for the customer's approvals. */
  sandbox: Http1Pool
  concurrency: number
  durationMs: number
  /** Stops the cell past this many checkouts, whatever the time. */
  maxCheckouts: number
  /** How long a checkout may wait for its event before it counts as failed. */
  registeredTimeoutMs: number
  /** The processes to measure, by name: their CPU time per checkout and resident memory. */
  processes: Record<string, number>
  /**
   * Process trees measured by CPU time only, by name and root pid: a database
   * server the till uses, whose work per checkout is the till's work moved
   * out of its process.
   */
  servers?: Record<string, number>
}

export interface ProcessUse {
  /** CPU use during the cell, % of one core. */
  cpuPercent: number | undefined
  /** CPU time per completed checkout, ms. */
  cpuMsPerCheckout: number | undefined
  /** Highest resident memory sampled during the cell (every 100 ms), MiB. */
  peakRssMb: number | undefined
}

export interface CheckoutResult {
  durationMs: number
  /** Checkouts that ended, registered or not. */
  checkouts: number
  /** Checkouts that failed: a step answered wrongly, or no "Payment registered" in time. */
  errors: number
  /** Checkouts registered, per second. */
  checkoutsPerSecond: number
  /** From opening the sale to the "Payment registered" event. */
  checkout: LatencySummary | undefined
  /** From sending the approval to the "Payment registered" event: what the cashier waits for. */
  approvalToRegistered: LatencySummary | undefined
  /** Each HTTP step: open sale, add line, customer, pay, approve. */
  steps: Record<string, LatencySummary | undefined>
  /** Requests sent (to the till and the sandbox), for a req/s comparable with the other suites. */
  requests: number
  processes: Record<string, ProcessUse>
  clientCpuPercent: number
  errorSamples: string[]
}

const MAX_ERROR_SAMPLES = 5

class StepFailed extends Error {}

/** Runs checkouts at `concurrency` tills until the time or the checkout budget is spent. */
export async function runCheckoutLoad(options: CheckoutLoadOptions): Promise<CheckoutResult> {
  const { sessions, concurrency, sandbox } = options
  if (sessions.length < concurrency)
    throw new Error(`${concurrency} tills wanted, ${sessions.length} signed in`)
  const checkoutLatencies: number[] = []
  const waits: number[] = []
  const steps = new Map<string, number[]>()
  const errorSamples: string[] = []
  let checkouts = 0
  let errors = 0
  let requests = 0
  const started = performance.now()
  const deadline = started + options.durationMs
  const stopped = () => performance.now() >= deadline || checkouts >= options.maxCheckouts

  const step = async (name: string, expect: number, call: () => Promise<HttpAnswer>): Promise<string> => {
    const sent = performance.now()
    let answer: HttpAnswer
    try {
      answer = await call()
    } finally {
      requests++
      const list = steps.get(name) ?? []
      list.push(performance.now() - sent)
      steps.set(name, list)
    }
    if (answer.status !== expect) {
      throw new StepFailed(`${name}: ${answer.status} (wanted ${expect}) ${answer.body.slice(0, 200)}`)
    }
    return answer.body
  }

  const checkout = async (session: TillSession): Promise<void> => {
    const begun = performance.now()
    let attemptId: string | undefined
    let saleId: string | undefined
    try {
      const sale = JSON.parse(await step('open sale', 200, () => session.send('POST', '/api/sales'))) as {
        id: string
      }
      saleId = sale.id
      for (const barcode of BARCODES) {
        await step('add line', 200, () => session.send('POST', `/api/sales/${sale.id}/lines`, { barcode }))
      }
      await step('customer', 200, () =>
        session.send('PUT', `/api/sales/${sale.id}/customer`, { phoneNumber: `+${session.till.msisdn}` }),
      )
      const { attempt } = JSON.parse(
        await step('pay', 202, () => session.send('POST', `/api/sales/${sale.id}/payment`)),
      ) as { attempt: { id: string; reference: string } }
      attemptId = attempt.id
      const settled = session.settled(attempt.id, options.registeredTimeoutMs)
      // Caught here too, so a rejection while the approval is still under way is never unhandled.
      settled.catch(() => {})
      const approved = performance.now()
      await step('approve', 200, () =>
        sandbox.send(
          'POST',
          `/_sandbox/users/${session.till.msisdn}/payments/${MSN}/${attempt.reference}/approve`,
          {},
        ),
      )
      const state = await settled
      if (state !== 'captured') throw new StepFailed(`payment ended ${state}, not registered`)
      const done = performance.now()
      waits.push(done - approved)
      checkoutLatencies.push(done - begun)
    } catch (error) {
      errors++
      if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push((error as Error).message)
      if (attemptId) session.forget(attemptId)
      // Leave the till ready for the next checkout: a payment left waiting is cancelled.
      if (saleId) await session.send('POST', `/api/sales/${saleId}/payment/cancel`).catch(() => {})
    } finally {
      checkouts++
    }
  }

  const cpuBefore = process.cpuUsage()
  const processCpuBefore = mapValues(options.processes, cpuTimeMs)
  const serverCpuBefore = mapValues(options.servers ?? {}, treeCpuTimeMs)
  const peaks: Record<string, number | undefined> = {}
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      for (const [name, pid] of Object.entries(options.processes)) {
        const mb = rssMb(pid)
        if (mb !== undefined && mb > (peaks[name] ?? 0)) peaks[name] = mb
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })()
  try {
    await Promise.all(
      sessions.slice(0, concurrency).map(async (session) => {
        while (!stopped()) await checkout(session)
      }),
    )
  } finally {
    sampling = false
    await sampler
  }
  const elapsed = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  const registered = checkouts - errors
  /** What a process (or a server's process tree) used during the cell, from its CPU time before and after. */
  const useOf = (before: number | undefined, after: number | undefined, peakRssMb?: number): ProcessUse => {
    const used = before === undefined || after === undefined ? undefined : after - before
    return {
      cpuPercent: used === undefined ? undefined : (used / elapsed) * 100,
      cpuMsPerCheckout: used === undefined || registered === 0 ? undefined : used / registered,
      peakRssMb,
    }
  }
  const processes: Record<string, ProcessUse> = {}
  for (const [name, pid] of Object.entries(options.processes)) {
    processes[name] = useOf(processCpuBefore[name], cpuTimeMs(pid), peaks[name])
  }
  for (const [name, pid] of Object.entries(options.servers ?? {})) {
    processes[name] = useOf(serverCpuBefore[name], treeCpuTimeMs(pid))
  }
  return {
    durationMs: elapsed,
    checkouts,
    errors,
    checkoutsPerSecond: (registered / elapsed) * 1000,
    checkout: summarize(checkoutLatencies),
    approvalToRegistered: summarize(waits),
    steps: summarizeEach(steps),
    requests,
    processes,
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    errorSamples,
  }
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]))
}
