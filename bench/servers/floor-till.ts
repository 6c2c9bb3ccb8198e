/**
 * The checkout floor: the least any till can do for the checkout the bench
 * runs, to put the till's numbers beside what this machine allows at all, as
 * the bare node:http server does for the sandbox.
 *
 * It answers the same requests as `kasse pos` for the bench's checkout (sign
 * in, the event stream, open a sale, two products by barcode, the customer's
 * number, Pay, cancel) and does what no till can skip, with nothing more:
 * - keeps a checkout durably, in PGlite on disk through the same statement
 *   cache as the till (`queryRows`), in seven single statements: the sale,
 *   each line with its product read and the total in one, the customer, the
 *   sale frozen and the attempt stored before the platform hears of it, the
 *   attempt claimed for capture, the attempt and the sale paid;
 * - asks the sandbox for the payment (ePayment create, PUSH_MESSAGE to the
 *   customer's phone) and captures it once its signed AUTHORIZED webhook
 *   arrives and verifies, over keep-alive connections (bench/lib/http1.ts);
 * - tells the cashier "Payment registered" on the event stream.
 * What it leaves out, all of which the till does: a framework (routing,
 * validation, serialization, logging), an ORM, a receipt on the payment, the
 * other webhooks (it registers for AUTHORIZED only), polling, retries and
 * recovery, cashiers' PINs, sessions in the database, club, journal, the
 * receipt number. Bad input gets a 400 and nothing more careful.
 *
 *   node --import tsx bench/servers/floor-till.ts --port <port> --sandbox-url <url> --data-dir <dir>
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { openDatabase, queryRows } from '@kasse/storage'
import { epaymentWebhookEventType, verifyWebhook } from '@kasse/vipps'
import { apiHeaders, fetchAccessToken } from '../lib/epayment-load.ts'
import { Http1Pool } from '../lib/http1.ts'

const args = new Map<string, string>()
for (let i = 2; i + 1 < process.argv.length; i += 2) args.set(process.argv[i]!, process.argv[i + 1]!)
const port = Number(args.get('--port'))
const sandboxUrl = args.get('--sandbox-url')
const dataDir = args.get('--data-dir')
if (!Number.isInteger(port) || !sandboxUrl || !dataDir) {
  console.error('usage: floor-till.ts --port <port> --sandbox-url <url> --data-dir <dir>')
  process.exit(2)
}

const database = await openDatabase(
  {
    label: 'the checkout floor',
    tables: {},
    migrationsDir: fileURLToPath(new URL('./floor-schema', import.meta.url)),
    historyTable: 'floor_migration',
  },
  { dataDir },
)
const db = database.db

const OPEN_SALE = 'INSERT INTO floor_sale (id, till) VALUES ($1, $2) RETURNING id'
// The product read, the line and the new total in one statement; nothing if the sale is not this till's or not open.
const ADD_LINE = `
  WITH sale AS (SELECT id, total FROM floor_sale WHERE id = $1 AND till = $2 AND state = 'open'),
       product AS (SELECT barcode, name, gross_price FROM floor_product WHERE barcode = $3),
       line AS (
         INSERT INTO floor_line (sale_id, position, barcode, name, unit_price)
         SELECT sale.id, (SELECT count(*) FROM floor_line WHERE sale_id = $1) + 1,
                product.barcode, product.name, product.gross_price
         FROM sale, product
         RETURNING unit_price)
  UPDATE floor_sale SET total = floor_sale.total + line.unit_price
  FROM line WHERE floor_sale.id = $1
  RETURNING floor_sale.id, floor_sale.total`
const SET_CUSTOMER = `UPDATE floor_sale SET customer_msisdn = $3 WHERE id = $1 AND till = $2 AND state = 'open' RETURNING id`
// Frozen and the attempt stored in one statement, before the platform hears of the payment.
const BEGIN_PAYMENT = `
  WITH sale AS (
    UPDATE floor_sale SET state = 'paying'
    WHERE id = $1 AND till = $2 AND state = 'open' AND total > 0 AND customer_msisdn IS NOT NULL
    RETURNING id, total, customer_msisdn)
  INSERT INTO floor_attempt (id, sale_id, reference, amount)
  SELECT $3, sale.id, $4, sale.total FROM sale
  RETURNING amount, (SELECT customer_msisdn FROM sale) AS msisdn`
const CANCEL_PAYMENT = `
  WITH attempt AS (
    UPDATE floor_attempt SET state = 'cancelled' WHERE sale_id = $1 AND state = 'created' RETURNING sale_id)
  UPDATE floor_sale SET state = 'open' FROM attempt WHERE floor_sale.id = attempt.sale_id AND till = $2 RETURNING id`
// Only one delivery of AUTHORIZED wins the capture.
const CLAIM_CAPTURE = `UPDATE floor_attempt SET state = 'capturing' WHERE reference = $1 AND state = 'created' RETURNING id, amount, sale_id AS "saleId"`
const REGISTER_PAID = `
  WITH attempt AS (UPDATE floor_attempt SET state = 'captured' WHERE id = $1 RETURNING sale_id)
  UPDATE floor_sale SET state = 'paid' FROM attempt WHERE floor_sale.id = attempt.sale_id RETURNING till`

const platform = new Http1Pool(sandboxUrl, 30_000)
const platformHeaders = apiHeaders(await fetchAccessToken(sandboxUrl))
const webhookUrl = `http://127.0.0.1:${port}/webhooks`
const registered = await fetch(`${sandboxUrl}/webhooks/v1/webhooks`, {
  method: 'POST',
  headers: { ...platformHeaders, 'content-type': 'application/json' },
  body: JSON.stringify({ url: webhookUrl, events: [epaymentWebhookEventType('AUTHORIZED')] }),
})
if (registered.status !== 201)
  throw new Error(`webhook registration: ${registered.status} ${await registered.text()}`)
const { secret } = (await registered.json()) as { secret: string }

/** Signed-in tills by session cookie, and each till's open event streams. */
const tills = new Map<string, { till: string; csrf: string }>()
const streams = new Map<string, Set<ServerResponse>>()
const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function tillOf(request: IncomingMessage): string | undefined {
  const session = /floor=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1]
  const signedIn = session === undefined ? undefined : tills.get(session)
  if (!signedIn) return undefined
  if (request.method !== 'GET' && request.headers['x-kasse-csrf'] !== signedIn.csrf) return undefined
  return signedIn.till
}

/** Captures an authorized payment once, registers the sale paid, and tells the till's screens. */
async function capture(reference: string): Promise<void> {
  const [claimed] = await queryRows<{ id: string; amount: number; saleId: string }>(db, CLAIM_CAPTURE, [
    reference,
  ])
  if (!claimed) return
  const answer = await platform.send(
    'POST',
    `/epayment/v1/payments/${reference}/capture`,
    { ...platformHeaders, 'content-type': 'application/json', 'idempotency-key': `capture-${claimed.id}` },
    JSON.stringify({ modificationAmount: { currency: 'NOK', value: claimed.amount } }),
  )
  if (answer.status !== 200) throw new Error(`capture ${reference}: ${answer.status} ${answer.body}`)
  const [paid] = await queryRows<{ till: string }>(db, REGISTER_PAID, [claimed.id])
  const event = `event: payment\ndata: ${JSON.stringify({ attempt: { id: claimed.id, state: 'captured' } })}\n\n`
  for (const stream of streams.get(paid?.till ?? '') ?? []) stream.write(event)
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { method } = request
  const path = request.url ?? '/'
  if (method === 'GET' && path === '/health') return send(response, 200, { ok: true })
  if (method === 'POST' && path === '/webhooks') {
    const raw = await readBody(request)
    if (!verifyWebhook(raw, request.headers, secret, webhookUrl).ok) return send(response, 401, {})
    const event = JSON.parse(raw) as { name?: string; reference?: string }
    send(response, 200, {})
    if (event.name === 'AUTHORIZED' && event.reference) await capture(event.reference)
    return
  }
  if (method === 'POST' && path === '/api/session') {
    const { posId } = JSON.parse(await readBody(request)) as { posId?: string }
    if (typeof posId !== 'string') return send(response, 400, { error: { field: 'posId' } })
    const session = newId('s')
    const csrf = newId('c')
    tills.set(session, { till: posId, csrf })
    response.setHeader('set-cookie', `floor=${session}; HttpOnly; Path=/`)
    return send(response, 201, { csrfToken: csrf })
  }
  const till = tillOf(request)
  if (!till) return send(response, 401, { error: { code: 'signed_out' } })
  if (method === 'GET' && path === '/api/events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
    response.write(': open\n\n')
    const own = streams.get(till) ?? new Set()
    streams.set(till, own.add(response))
    request.on('close', () => own.delete(response))
    return
  }
  if (method === 'POST' && path === '/api/sales') {
    const [sale] = await queryRows<{ id: string }>(db, OPEN_SALE, [newId('sale'), till])
    return send(response, 200, sale)
  }
  const match = /^\/api\/sales\/([\w-]+)\/(lines|customer|payment|payment\/cancel)$/.exec(path)
  if (!match) return send(response, 404, { error: { code: 'not_found' } })
  const [, saleId, action] = match
  const body =
    method === 'GET' ? {} : (JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>)
  if (method === 'POST' && action === 'lines') {
    if (typeof body.barcode !== 'string') return send(response, 400, { error: { field: 'barcode' } })
    const [sale] = await queryRows(db, ADD_LINE, [saleId, till, body.barcode])
    return sale ? send(response, 200, sale) : send(response, 404, { error: { field: 'barcode' } })
  }
  if (method === 'PUT' && action === 'customer') {
    const msisdn = typeof body.phoneNumber === 'string' ? body.phoneNumber.replace(/^\+/, '') : ''
    if (!/^\d{8,15}$/.test(msisdn)) return send(response, 400, { error: { field: 'phoneNumber' } })
    const [sale] = await queryRows(db, SET_CUSTOMER, [saleId, till, msisdn])
    return sale ? send(response, 200, sale) : send(response, 404, { error: { code: 'not_found' } })
  }
  if (method === 'POST' && action === 'payment') {
    const attemptId = newId('pay')
    const reference = `floor-${randomBytes(12).toString('hex')}`
    const [attempt] = await queryRows<{ amount: number; msisdn: string }>(db, BEGIN_PAYMENT, [
      saleId,
      till,
      attemptId,
      reference,
    ])
    if (!attempt) return send(response, 409, { error: { code: 'not_payable' } })
    const created = await platform.send(
      'POST',
      '/epayment/v1/payments',
      { ...platformHeaders, 'content-type': 'application/json', 'idempotency-key': `create-${attemptId}` },
      JSON.stringify({
        amount: { currency: 'NOK', value: attempt.amount },
        paymentMethod: { type: 'WALLET' },
        customer: { phoneNumber: attempt.msisdn },
        reference,
        userFlow: 'PUSH_MESSAGE',
        paymentDescription: `Kjøp ${saleId}`,
      }),
    )
    if (created.status !== 201)
      return send(response, 502, { error: { code: 'platform', status: created.status } })
    return send(response, 202, { attempt: { id: attemptId, reference } })
  }
  if (method === 'POST' && action === 'payment/cancel') {
    await queryRows(db, CANCEL_PAYMENT, [saleId, till])
    return send(response, 200, {})
  }
  return send(response, 405, { error: { code: 'method_not_allowed' } })
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  handle(request, response).catch((error: unknown) => {
    if (!response.headersSent) send(response, 500, { error: { message: String(error) } })
    else response.destroy()
  })
})
server.listen(port, '127.0.0.1', () => console.log(`checkout floor on http://127.0.0.1:${port}`))
process.on('SIGTERM', () => {
  server.close()
  platform.close()
  for (const own of streams.values()) for (const stream of own) stream.end()
  void database.close().then(() => process.exit(0))
})
