/**
 * The sandbox's CPU per till checkout, without the till: `kasse sandbox` as
 * the checkout suite runs it, and this process doing what the till and the
 * customer ask of it per checkout — the ePayment create (PUSH_MESSAGE to the
 * customer's number, with an itemised receipt), the customer's approval on the
 * control API, the signed webhooks (CREATED, AUTHORIZED, CAPTURED) delivered
 * to a receiver here, the capture once AUTHORIZED arrived, and a GET. Without
 * the till's 40 ms of CPU per checkout beside it, the sandbox's own CPU per
 * checkout (from /proc, 10 ms ticks) settles in seconds, which makes paired
 * A/B runs of two checkouts of the repository quick. `--rate` paces the
 * checkouts as the till does (~20–30 a second in the checkout suite): the CPU
 * per checkout of a mostly idle sandbox is several times that of a busy one.

 *
 *   node --import tsx bench/tools/sandbox-checkout.ts [--clients 10] [--rate 25] [--seconds 10] [--root DIR] [--profile DIR]
 *
 * `--root` runs the sandbox of another checkout of the repository (its
 * `packages/cli/bin/kasse.mjs`), `--profile` runs it with `node --cpu-prof`,
 * `--node-args='--perf-basic-prof --trace-deopt'` with other options of node
 * (for `perf record -p`), `--output FILE` keeps what it prints.
 * Not part of `npm run bench`: the checkout suite measures the whole system.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { benchTills, benchUsers } from '../lib/checkout-load.ts'
import { apiHeaders, fetchAccessToken } from '../lib/epayment-load.ts'
import { Http1Pool } from '../lib/http1.ts'
import { Children, cpuTimeMs, freePort, waitForHttp } from '../lib/processes.ts'

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '3' },
    root: { type: 'string', default: resolve(import.meta.dirname, '..', '..') },
    profile: { type: 'string' },
    rate: { type: 'string' },
    'node-args': { type: 'string', default: '' },
    output: { type: 'string' },
  },
})
const clients = Number(values.clients)
const measuredMs = Number(values.seconds) * 1000
const warmupMs = Number(values['warmup-seconds']) * 1000
const TIMEOUT_MS = 30_000
/** Checkouts a second over all clients, as the till paces them (~20–30/s); unpaced without `--rate`. */
const rate = values.rate === undefined ? undefined : Number(values.rate)

/** A receipt like the till's for two products (bench/lib/checkout-load.ts's barcodes). */
function createBody(reference: string, msisdn: string, receiptNumber: number): string {
  const line = (name: string, id: string, gross: number) => ({
    name,
    id,
    totalAmount: gross,
    totalAmountExcludingTax: Math.round(gross / 1.15),
    totalTaxAmount: gross - Math.round(gross / 1.15),
    taxRate: 1500,
    unitInfo: { unitPrice: gross, quantity: '1', quantityUnit: 'PCS' },
  })
  return JSON.stringify({
    amount: { currency: 'NOK', value: 4880 },
    paymentMethod: { type: 'WALLET' },
    customer: { phoneNumber: msisdn },
    customerInteraction: 'CUSTOMER_PRESENT',
    reference,
    userFlow: 'PUSH_MESSAGE',
    paymentDescription: `Kasse Demo Butikk, kvittering ${receiptNumber}`,
    receipt: {
      orderLines: [
        line('Tine Helmelk 1 l', '7039610197728', 2590),
        line('Kvikk Lunsj', '7038010315442', 2290),
      ],
      bottomLine: {
        currency: 'NOK',
        posId: 'bench-01',
        receiptNumber: String(receiptNumber),
        barcode: { format: 'CODE 128', data: String(receiptNumber).padStart(12, '0') },
      },
    },
  })
}

/** Webhooks received, by reference and event name; a waiter resolves when its event arrives. */
class WebhookReceiver {
  private readonly waiting = new Map<string, () => void>()
  private readonly arrived = new Set<string>()
  private readonly server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      response.writeHead(200, { 'content-length': '0' }).end()
      const event = JSON.parse(body) as { reference: string; name: string }
      const key = `${event.reference} ${event.name}`
      const waiter = this.waiting.get(key)
      if (waiter) {
        this.waiting.delete(key)
        waiter()
      } else this.arrived.add(key)
    })
  })

  async listen(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`
  }

  received(reference: string, name: string): Promise<void> {
    const key = `${reference} ${name}`
    if (this.arrived.delete(key)) return Promise.resolve()
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no ${name} webhook for ${reference}`)), TIMEOUT_MS)
      this.waiting.set(key, () => {
        clearTimeout(timer)
        done()
      })
    })
  }

  close(): void {
    this.server.closeAllConnections()
    this.server.close()
  }
}

async function expect(pool: Http1Pool, status: number, ...request: Parameters<Http1Pool['send']>) {
  const answer = await pool.send(...request)
  if (answer.status !== status)
    throw new Error(`${request[0]} ${request[1]}: ${answer.status} ${answer.body.slice(0, 300)}`)
  return answer
}

async function main(): Promise<void> {
  const children = new Children()
  const workDir = mkdtempSync(join(tmpdir(), 'kasse-sandbox-checkout-'))
  const receiver = new WebhookReceiver()
  const pool = (url: string) => new Http1Pool(url, TIMEOUT_MS)
  let api: Http1Pool | undefined
  try {
    const tills = benchTills(clients)
    const configPath = join(workDir, 'sandbox.json')
    writeFileSync(configPath, JSON.stringify({ users: benchUsers(tills) }))
    const port = await freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' }
    const sandbox = children.spawn(
      process.execPath,
      [
        ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] : []),
        ...values['node-args'].split(' ').filter(Boolean),
        join(values.root, 'packages', 'cli', 'bin', 'kasse.mjs'),
        'sandbox',
        '--port',
        String(port),
        '--config',
        configPath,
      ],
      { cwd: workDir, env },
    )
    if (values.output) sandbox.process.stdout?.pipe(createWriteStream(resolve(values.output)))
    await waitForHttp(`${baseUrl}/_sandbox/health`, { timeoutMs: 60_000, ok: (s) => s === 200 })
    const headers = apiHeaders(await fetchAccessToken(baseUrl))
    api = pool(baseUrl)
    const json = { ...headers, 'content-type': 'application/json' }
    await expect(
      api,
      201,
      'POST',
      '/webhooks/v1/webhooks',
      json,
      JSON.stringify({
        url: await receiver.listen(),
        events: [
          'CREATED',
          'AUTHORIZED',
          'CAPTURED',
          'CANCELLED',
          'EXPIRED',
          'REFUNDED',
          'ABORTED',
          'TERMINATED',
        ].map((name) => `epayments.payment.${name.toLowerCase()}.v1`),
      }),
    )
    const runId = Date.now().toString(36)
    let receiptNumber = 0
    const checkout = async (msisdn: string) => {
      const n = ++receiptNumber
      const reference = `bench-${runId}-${String(n).padStart(6, '0')}-1`
      const payment = `/epayment/v1/payments/${reference}`
      const created = receiver.received(reference, 'CREATED')
      const authorized = receiver.received(reference, 'AUTHORIZED')
      const captured = receiver.received(reference, 'CAPTURED')
      await expect(
        api!,
        201,
        'POST',
        '/epayment/v1/payments',
        { ...json, 'idempotency-key': `${reference}-c` },
        createBody(reference, msisdn, n),
      )
      await expect(api!, 200, 'POST', `/_sandbox/users/${msisdn}/payments/123456/${reference}/approve`, {})
      await created
      await authorized
      const capture = JSON.stringify({ modificationAmount: { currency: 'NOK', value: 4880 } })
      await expect(
        api!,
        200,
        'POST',
        `${payment}/capture`,
        { ...json, 'idempotency-key': `${reference}-k` },
        capture,
      )
      await captured
    }
    const run = async (durationMs: number) => {
      const until = performance.now() + durationMs
      let done = 0
      await Promise.all(
        tills.map(async (till) => {
          // Each client starts its next checkout every clients/rate seconds, at its own offset.
          const interval = rate ? (clients * 1000) / rate : 0
          let next = performance.now() + Math.random() * interval
          while (performance.now() < until) {
            if (interval) await sleep(Math.max(0, next - performance.now()))
            next += interval
            await checkout(till.msisdn)
            done++
          }
        }),
      )
      return done
    }
    await run(warmupMs)
    const before = cpuTimeMs(sandbox.pid)!
    const started = performance.now()
    const checkouts = await run(measuredMs)
    const cpu = cpuTimeMs(sandbox.pid)! - before
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${clients} clients: ${checkouts} checkouts in ${seconds.toFixed(1)} s (${(checkouts / seconds).toFixed(0)}/s), sandbox CPU ${cpu.toFixed(0)} ms = ${(cpu / checkouts).toFixed(3)} ms per checkout`,
    )
    // Stopped with SIGTERM, as the bench stops it, so `--cpu-prof` writes its profile.
    await children.stop(sandbox)
  } finally {
    api?.close()
    receiver.close()
    await children.stopAll()
    rmSync(workDir, { recursive: true, force: true })
  }
}

await main()
