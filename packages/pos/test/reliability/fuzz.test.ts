/**
 * Hostile input at every public endpoint of the till, read from the app's own
 * route tree (a new route is fuzzed without anyone listing it), with the
 * sandbox fuzz tests' generators (packages/sandbox/test/fuzz/support.ts):
 *
 * - bodies, in-process: valid bodies with one thing changed, any JSON, deep
 *   nesting, near-limit strings, malformed JSON, other content types; signed in
 *   as a manager (with and without the CSRF header) and not signed in;
 *   webhook deliveries signed correctly, so hostile events reach the handler;
 * - paths, queries and headers over the wire with raw node:http: traversal,
 *   broken and double encodings, Latin-1 bytes, repeated keys and headers,
 *   forged cookies and CSRF tokens, oversized values;
 * - sizes: a body announced past the limit is refused with 413 before it is
 *   sent; a chunked one that outgrows it too.
 *
 * The judgement: never a 5xx or a dropped connection, and every 4xx is
 * `{error: {code, message}}` (node's own bare refusals of a broken request
 * aside). FUZZ_SCALE=n tries n times as many cases.
 */
import { signWebhook } from '@kasse/vipps'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  answerBeforeBody,
  CONTENT_TYPES,
  deeplyNested,
  fillRoute,
  fuzzRuns,
  hostileBodies,
  NASTY_STRINGS,
  nastyString,
  paramsOf,
  paramValue,
  percentEncode,
  rawPathPart,
  rawRequest,
  routesOf,
  takesBody,
} from '../../../sandbox/test/fuzz/support.ts'
import { SESSION_COOKIE } from '../../src/http/auth.ts'
import { BODY_LIMIT_BYTES } from '../../src/http/setup.ts'
import { MARTIN, type TillClient } from '../helpers.ts'
import { MSN } from '../sandbox.ts'
import { MILK, saleWith, usePaymentTestBed, WEBHOOK } from '../till.ts'

const { pos } = usePaymentTestBed()

/** What a till answers hostile input with: below 500, and a 4xx that says what is wrong in the till's format. */
function unacceptable(answer: { status: number; body: string }, method: string): string | undefined {
  if (answer.status >= 500 || answer.status <= 0)
    return `answered ${answer.status}: ${answer.body.slice(0, 300)}`
  if (answer.status < 400) return undefined
  // Node's own refusals before any route carry no body; a HEAD answer never has one.
  if (answer.body === '' && (method === 'HEAD' || [400, 413, 414, 431].includes(answer.status)))
    return undefined
  try {
    const { error } = JSON.parse(answer.body)
    if (typeof error?.code === 'string' && typeof error?.message === 'string' && error.message.trim() !== '')
      return undefined
  } catch {
    // not JSON: said below
  }
  return `answered ${answer.status} without {error: {code, message}}: ${answer.body.slice(0, 300)}`
}

/** The ids a route's parameters may take that exist: an open sale, its line, a product. */
interface Known {
  manager: TillClient
  params: Record<string, string[]>
}

async function knownIds(): Promise<Known> {
  const manager = await pos().signIn(MARTIN)
  const saleId = await saleWith(manager, MILK)
  const sale = (await manager.request('GET', `/api/sales/${saleId}`)).json()
  const products = (await manager.request('GET', '/api/products?limit=1')).json()
  return {
    manager,
    params: {
      saleId: [saleId],
      lineId: [sale.lines[0].id],
      productId: [products.products[0].id],
      refundId: ['ref_unknown'],
    },
  }
}

/** A valid body for each route that takes one, for `mutated` to change one thing in. */
function validBodies(known: Known): Record<string, unknown> {
  return {
    'POST /api/session': { posId: 'till-1', staffNumber: '2', pin: '9999' },
    'POST /api/sales/:saleId/lines': { barcode: MILK, quantity: 1 },
    'PATCH /api/sales/:saleId/lines/:lineId': { quantity: 2 },
    'PUT /api/sales/:saleId/lines/:lineId/discount': { percent: 10 },
    'POST /api/sales/:saleId/refunds': { lines: [{ lineId: known.params.lineId![0], quantity: 1 }] },
    'PUT /api/sales/:saleId/customer': { phoneNumber: '12345678' },
    'POST /api/products': { name: 'Fuzz', barcode: '7038010000010', grossPrice: 1000, vatRate: 25 },
    'PATCH /api/products/:productId': { grossPrice: 2000 },
    'POST /api/phone-numbers/normalise': { phoneNumber: '+47 123 45 678' },
    'POST /webhooks/vipps': {
      msn: MSN,
      reference: 'till-1-000001-1',
      pspReference: '123',
      name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 2590 },
      timestamp: new Date().toISOString(),
      success: true,
    },
  }
}

describe('hostile input at the till', () => {
  it(
    'bodies: no 5xx and a clear 4xx at every route that takes one, signed in or not',
    {
      timeout: 180_000,
    },
    async () => {
      const known = await knownIds()
      const valid = validBodies(known)
      const routes = routesOf(pos().app).filter(takesBody)
      expect(routes.length).toBeGreaterThan(15)
      const problems: string[] = []
      for (const route of routes) {
        const key = `${route.method} ${route.url}`
        const url = fillRoute(
          route.url,
          Object.fromEntries(paramsOf(route.url).map((name) => [name, known.params[name]?.[0] ?? 'x'])),
        )
        await fc
          .assert(
            fc.asyncProperty(
              hostileBodies(valid[key] ?? {}, BODY_LIMIT_BYTES / 4),
              fc.constantFrom('manager', 'manager without CSRF', 'nobody'),
              async (body, who) => {
                const headers: Record<string, string> = body.type ? { 'content-type': body.type } : {}
                if (route.url === '/webhooks/vipps') {
                  // Signed as the platform signs, so the body gets past the signature to the handler.
                  Object.assign(
                    headers,
                    signWebhook(body.text, WEBHOOK.url, WEBHOOK.secret, new Date(pos().clock.now())),
                  )
                }
                let response: LightMyRequestResponse
                if (who === 'nobody') {
                  response = await pos().app.inject({
                    method: route.method as 'POST',
                    url,
                    headers,
                    payload: body.text,
                  })
                } else {
                  response = await pos().app.inject({
                    method: route.method as 'POST',
                    url,
                    headers: {
                      ...headers,
                      ...(who === 'manager' ? { 'x-kasse-csrf': known.manager.csrfToken } : {}),
                    },
                    cookies: { [SESSION_COOKIE]: known.manager.sessionToken },
                    payload: body.text,
                  })
                }
                const why = unacceptable({ status: response.statusCode, body: response.body }, route.method)
                if (why)
                  problems.push(
                    `${key} as ${who}, ${body.type || '(no type)'} ${body.text.slice(0, 200)} → ${why}`,
                  )
                return why === undefined
              },
            ),
            { numRuns: fuzzRuns(30), endOnFailure: true },
          )
          .catch((error: Error) => {
            if (!problems.some((p) => p.startsWith(key)))
              problems.push(`${key} → ${error.message.slice(0, 500)}`)
          })
      }
      expect(problems).toEqual([])
    },
  )

  it(
    'paths, queries and headers over the wire: no 5xx, no dropped connection, a clear 4xx',
    {
      timeout: 180_000,
    },
    async () => {
      const known = await knownIds()
      const base = await pos().app.listen({ port: 0, host: '127.0.0.1' })
      const routes = routesOf(pos().app)
      const cookie = `${SESSION_COOKIE}=${known.manager.sessionToken}`
      const problems: string[] = []
      const query = fc
        .array(
          fc.tuple(
            fc.constantFrom(
              'date',
              'receiptNumber',
              'phone',
              'state',
              'q',
              'limit',
              'includeInactive',
              '__proto__',
              'x',
            ),
            fc.oneof(
              fc.constantFrom(...NASTY_STRINGS),
              nastyString(),
              fc.constantFrom('2026-02-30', '1', 'true'),
            ),
          ),
          { maxLength: 4 },
        )
        .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${rawPathPart(v)}`).join('&')}` : ''))
      const headers = fc.record(
        {
          cookie: fc.oneof(
            fc.constant(cookie),
            fc.constant([cookie, cookie] as string[]),
            nastyString().map((v) => `${SESSION_COOKIE}=${percentEncode(v)}`),
            fc.constant(`${SESSION_COOKIE}=${'a'.repeat(4000)}`),
          ),
          'x-kasse-csrf': fc.oneof(fc.constant(known.manager.csrfToken), nastyString().map(percentEncode)),
          'content-type': fc.constantFrom(...CONTENT_TYPES),
          accept: fc.constantFrom('*/*', 'text/event-stream', 'application/json;q=x', ''),
          'X-Forwarded-For': nastyString().map(percentEncode),
        },
        { requiredKeys: [] },
      )
      for (const route of routes) {
        const names = paramsOf(route.url)
        await fc
          .assert(
            fc.asyncProperty(
              fc.tuple(...names.map((name) => paramValue(known.params[name] ?? []))),
              query,
              headers,
              fc.constantFrom(route.method, 'OPTIONS', 'TRACE', 'PROPFIND'),
              async (values, search, sent, method) => {
                const path =
                  fillRoute(
                    route.url,
                    Object.fromEntries(names.map((n, i) => [n, values[i]!])),
                    true,
                  ).replace(/\*$/, rawPathPart(String(values[0] ?? '../../etc/passwd'))) + search
                const body = takesBody(route) ? '{}' : undefined
                const answer = await rawRequest(base, {
                  method,
                  path,
                  headers: { ...sent, ...(body ? { 'content-length': String(body.length) } : {}) },
                  body,
                })
                if (answer.status === -1) return true // node would not send it: nothing reached the till
                const why = unacceptable(answer, method)
                if (why)
                  problems.push(
                    `${method} ${path} ${JSON.stringify(sent).slice(0, 200)} → ${why} ${answer.error ?? ''}`,
                  )
                return why === undefined
              },
            ),
            { numRuns: fuzzRuns(20), endOnFailure: true },
          )
          .catch((error: Error) => {
            if (problems.length === 0)
              problems.push(`${route.method} ${route.url} → ${error.message.slice(0, 500)}`)
          })
      }
      expect(problems).toEqual([])
    },
  )

  it('a NUL character in a path, a query or a body is a 400 naming where, never a database failure', async () => {
    const known = await knownIds()
    const { manager } = known
    const inPath = await manager.request('GET', '/api/sales/%00')
    expect(inPath.statusCode).toBe(400)
    expect(inPath.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'params.saleId' })
    const inQuery = await manager.request('GET', '/api/products?q=milk%00')
    expect(inQuery.statusCode).toBe(400)
    expect(inQuery.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'query.q' })
    const inBody = await manager.request('POST', '/api/products', {
      ...(validBodies(known)['POST /api/products'] as object),
      name: 'Melk\u0000',
    })
    expect(inBody.statusCode).toBe(400)
    expect(inBody.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' })
  })

  it('a body nested 20 000 deep is a clear 4xx at every route that takes one', async () => {
    const known = await knownIds()
    for (const route of routesOf(pos().app).filter(takesBody)) {
      const url = fillRoute(
        route.url,
        Object.fromEntries(paramsOf(route.url).map((n) => [n, known.params[n]?.[0] ?? 'x'])),
      )
      for (const kind of ['array', 'object'] as const) {
        const response = await pos().app.inject({
          method: route.method as 'POST',
          url,
          headers: { 'content-type': 'application/json', 'x-kasse-csrf': known.manager.csrfToken },
          cookies: { [SESSION_COOKIE]: known.manager.sessionToken },
          payload: deeplyNested(20_000, kind),
        })
        expect(
          unacceptable({ status: response.statusCode, body: response.body }, route.method),
          `${route.method} ${route.url} ${kind}`,
        ).toBeUndefined()
      }
    }
  })

  it('bodies past the limit are refused with 413 before they are sent, announced or chunked', async () => {
    const known = await knownIds()
    const base = await pos().app.listen({ port: 0, host: '127.0.0.1' })
    const routes = routesOf(pos().app).filter(takesBody)
    const cookie = `${SESSION_COOKIE}=${known.manager.sessionToken}`
    for (const route of routes) {
      const path = fillRoute(
        route.url,
        Object.fromEntries(paramsOf(route.url).map((n) => [n, known.params[n]?.[0] ?? 'x'])),
      )
      const head = (framing: string) =>
        `${route.method} ${path} HTTP/1.1\r\nHost: till\r\nContent-Type: application/json\r\nCookie: ${cookie}\r\n` +
        `x-kasse-csrf: ${known.manager.csrfToken}\r\n${framing}\r\n`
      // Announced: ten times the limit, of which only a few bytes are ever sent.
      expect(
        await answerBeforeBody(base, head(`Content-Length: ${BODY_LIMIT_BYTES * 10}\r\n`), '{"a":"'),
        `${route.method} ${route.url} announced`,
      ).toBe(413)
      // Chunked: chunks past the limit, the body never finished.
      const chunk = `{"a":"${'x'.repeat(16 * 1024)}`
      const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`)
      expect(
        await answerBeforeBody(base, head('Transfer-Encoding: chunked\r\n'), '', chunks),
        `${route.method} ${route.url} chunked`,
      ).toBe(413)
    }
  })
})
