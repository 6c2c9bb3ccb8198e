/**
 * What the reliability tests share: a till process kept running by a
 * supervisor that can SIGKILL and restart it on the same port, a cashier
 * that rides out a till that is down (retries once it is back), the
 * simulated customers answering on their phones, the sandbox's own records
 * (payments, their events, the requests it received), and seeded dice.
 */
import { createHash } from 'node:crypto'
import type { RunningSandbox } from '@kasse/sandbox'
import type { Json } from '../wire.ts'
import { spawnTill, type TillProcess } from './processes.ts'
import type { TillProcessSettings } from './till-process.ts'

export const MSN = '123456'

/**
 * A number in [0, 1) fixed by the seed and a name (`approve:till-3-000007-1`):
 * the same run makes the same choices whatever order things happen in.
 */
export function dice(seed: number, name: string): number {
  return createHash('sha256').update(`${seed}:${name}`).digest().readUInt32BE(0) / 2 ** 32
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A control API call to the sandbox; throws on anything but 2xx. */
export async function control(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

/**
 * Keeps one till process running: `kill()` SIGKILLs it and starts it again
 * on the same port (so its registered webhook URL stays right); requests
 * meanwhile wait for `url()`.
 */
export class TillSupervisor {
  kills = 0
  private current: TillProcess | undefined
  private starting: Promise<TillProcess> | undefined
  private settings: TillProcessSettings
  /** Output of every process this supervisor ran, in order. */
  readonly outputs: string[] = []

  constructor(settings: TillProcessSettings) {
    this.settings = settings
  }

  /** How long each start took, until the process listened (ms). */
  readonly startTimes: number[] = []

  async start(): Promise<TillProcess> {
    const began = Date.now()
    this.starting = spawnTill(this.settings).then((till) => {
      this.startTimes.push(Date.now() - began)
      this.current = till
      // Restarts listen where the first one did.
      this.settings = { ...this.settings, port: Number(new URL(till.url).port) }
      return till
    })
    return this.starting
  }

  /** The running till's URL, waiting through a restart. */
  async url(): Promise<string> {
    return (await this.starting!).url
  }

  /** True while a process listens (not between a kill and the restart). */
  get isUp(): boolean {
    return this.current !== undefined
  }

  /** SIGKILL now, then start again; resolves once the new process listens. Ignored while restarting. */
  async kill(): Promise<void> {
    const victim = this.current
    if (!victim) return
    this.kills++
    this.current = undefined
    this.starting = victim.kill().then(() => {
      this.outputs.push(victim.output())
      return this.start()
    })
    await this.starting
  }

  async stop(): Promise<void> {
    const last = await this.starting?.catch(() => undefined)
    if (last) {
      await last.stop()
      this.outputs.push(last.output())
    }
  }
}

export interface Answer {
  status: number
  body: Json
}

/** True for a request the till never answered: refused, reset, cut off by the kill. */
function isConnectionFailure(error: unknown): boolean {
  return error instanceof TypeError || (error as { name?: string })?.name === 'AbortError'
}

/**
 * A cashier signed in at one till, sending the session cookie and CSRF
 * header. A request the till did not answer (it was killed) is sent again
 * once the till is back, as a cashier presses the button again; the till's
 * answers, whatever they are, are returned. `unanswered` counts the retries.
 */
export class Cashier {
  unanswered = 0
  private cookie = ''
  private csrf = ''

  constructor(
    private readonly till: { url(): Promise<string> },
    readonly posId: string,
    private readonly who = { staffNumber: '1', pin: '1234' },
  ) {}

  async signIn(): Promise<void> {
    for (;;) {
      const base = await this.till.url()
      try {
        const response = await fetch(`${base}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ posId: this.posId, ...this.who }),
        })
        if (response.status !== 201) throw new Error(`sign-in at ${this.posId}: ${response.status}`)
        this.cookie = response.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; ')
        this.csrf = ((await response.json()) as { csrfToken: string }).csrfToken
        return
      } catch (error) {
        if (!isConnectionFailure(error)) throw error
        this.unanswered++
        await sleep(100)
      }
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    for (;;) {
      const base = await this.till.url()
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: {
            cookie: this.cookie,
            'x-kasse-csrf': this.csrf,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        })
        const text = await response.text()
        return { status: response.status, body: text ? JSON.parse(text) : undefined }
      } catch (error) {
        if (!isConnectionFailure(error)) throw error
        this.unanswered++
        await sleep(100)
      }
    }
  }
}

/**
 * The platform's side of every request the sandbox received (its control API
 * and pages aside), as the sandbox's HTTP server saw it: when it arrived,
 * when its answer went, what it was (the ePayment endpoint and the payment
 * reference), and the access token it carried, which tells one till process
 * from another (each fetches its own).
 */
export interface PlatformRequest {
  method: string
  path: string
  kind: 'create' | 'get' | 'capture' | 'cancel' | 'refund' | 'other'
  reference: string | undefined
  authorization: string | undefined
  receivedAt: number
  answeredAt: number | undefined
}

/** Records the sandbox's incoming platform requests; `onRequest` sees each as it arrives. */
export function recordPlatformRequests(
  sandbox: RunningSandbox,
  onRequest: (request: PlatformRequest) => void = () => {},
): PlatformRequest[] {
  const seen: PlatformRequest[] = []
  sandbox.app.server.on('request', (req, res) => {
    const path = (req.url ?? '').split('?')[0]!
    if (/^\/(_sandbox|phone|landing)\b/.test(path)) return
    const match = /^\/epayment\/v1\/payments(?:\/([^/]+)(?:\/(capture|cancel|refund|events))?)?$/.exec(path)
    const reference = match?.[1] ? decodeURIComponent(match[1]) : undefined
    const action = match?.[2]
    const kind: PlatformRequest['kind'] = !match
      ? 'other'
      : req.method === 'POST' && !reference
        ? 'create'
        : req.method === 'GET' && reference && !action
          ? 'get'
          : action === 'capture' || action === 'cancel' || action === 'refund'
            ? action
            : 'other'
    const record: PlatformRequest = {
      method: req.method ?? '',
      path,
      kind,
      reference,
      authorization: req.headers.authorization,
      receivedAt: Date.now(),
      answeredAt: undefined,
    }
    seen.push(record)
    res.once('finish', () => {
      record.answeredAt = Date.now()
    })
    onRequest(record)
  })
  return seen
}

/**
 * The customers' phones: every payment request that reaches a phone is
 * approved, rejected or left to expire, as the seeded dice say for its
 * reference, after a short think.
 */
export function answerOnPhones(
  sandbox: RunningSandbox,
  choose: (reference: string) => 'approve' | 'reject' | 'ignore',
): { stop(): Promise<void>; answered: Record<string, number> } {
  const handled = new Set<string>()
  const answered: Record<string, number> = { approve: 0, reject: 0, ignore: 0 }
  let running = true
  const loop = (async () => {
    while (running) {
      const listed = await control(sandbox, 'GET', `/_sandbox/payments?msn=${MSN}&state=CREATED`).catch(
        () => ({ payments: [] }),
      )
      for (const payment of listed.payments as Json[]) {
        if (handled.has(payment.reference) || !payment.msisdn) continue
        handled.add(payment.reference)
        const answer = choose(payment.reference)
        answered[answer]!++
        if (answer === 'ignore') continue
        // The phone may already have moved on (expired, cancelled by the till): that is the race a customer has.
        await control(
          sandbox,
          'POST',
          `/_sandbox/users/${payment.msisdn}/payments/${MSN}/${payment.reference}/${answer}`,
        ).catch(() => {})
      }
      await sleep(100)
    }
  })()
  return {
    answered,
    stop: async () => {
      running = false
      await loop
    },
  }
}

/** The platform's record of one payment, with its events. */
export async function platformPayment(sandbox: RunningSandbox, reference: string): Promise<Json> {
  return control(sandbox, 'GET', `/_sandbox/payments/${MSN}/${encodeURIComponent(reference)}`)
}

/** Every payment the sandbox holds for the merchant. */
export async function platformPayments(sandbox: RunningSandbox): Promise<Json[]> {
  return (await control(sandbox, 'GET', `/_sandbox/payments?msn=${MSN}`)).payments
}
