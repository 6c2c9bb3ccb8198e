/**
 * Hostile paths, queries and headers over the wire, with raw node:http so they
 * arrive exactly as sent: traversal, broken and double encodings, Latin-1 bytes,
 * very long values, repeated query keys; headers missing, repeated, oversized
 * and oddly cased. Every route of the sandbox, with the seeded merchant's valid
 * credentials unless the headers under test say otherwise. Never a 5xx, never a
 * dropped connection; a 4xx says what is wrong; the spec is kept.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type FuzzSandbox, fuzzSandbox } from './fixtures.ts'
import {
  fillRoute,
  fuzzRuns,
  NASTY_STRINGS,
  nastyString,
  paramsOf,
  paramValue,
  type Route,
  rawPathPart,
  rawRequest,
  routesOf,
  takesBody,
  unacceptable,
} from './support.ts'

/** A started fuzz sandbox listening on 127.0.0.1, and its routes. */
async function listening(): Promise<{ fuzz: FuzzSandbox; base: string; routes: Route[] }> {
  const fuzz = await fuzzSandbox()
  const base = await fuzz.sb.app.listen({ port: 0, host: '127.0.0.1' })
  fuzz.sb.ctx.publicUrl = base
  // The inbox verifies what it is sent against registrations for its URL, which now has the real origin.
  await fuzz.sb.app.inject({
    method: 'POST',
    url: '/webhooks/v1/webhooks',
    headers: fuzz.headers,
    payload: { url: `${base}/_sandbox/inbox/fuzz`, events: ['epayments.payment.created.v1'] },
  })
  return { fuzz, base, routes: routesOf(fuzz.sb.app) }
}

const QUERY_KEYS = [
  'msn',
  'state',
  'msisdn',
  'reference',
  'webhookId',
  'limit',
  'kind',
  'target',
  'ruleId',
  'pageSize',
  'cursor',
  'format',
  'size',
  'token',
  'id',
  '__proto__',
  'constructor',
]

/** A query string: known keys and junk, hostile values, repeated keys, stray separators. */
const queryString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(''),
    fc.constantFrom('?', '?&&=&', '?=', '?a', '?%', '?a=%zz', '?a[b]=1&a[c]=2', '?a=1;b=2'),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), nastyString()), nastyString()), {
        minLength: 1,
        maxLength: 6,
      })
      .map((pairs) => `?${pairs.map(([k, v]) => `${rawPathPart(k)}=${rawPathPart(v)}`).join('&')}`),
  )

/** Whether a header value can be sent at all (node refuses CR, LF, NUL and anything above U+00FF). */
const sendable = (value: string) => /^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(value)

/** The headers a request carries, mutated: removed, repeated, oversized, recased, junk. */
function headerSets(valid: Record<string, string>): fc.Arbitrary<OutgoingHttpHeaders> {
  const names = [
    ...Object.keys(valid),
    'authorization',
    'content-type',
    'idempotency-key',
    'x-request-id',
    'client_id',
    'client_secret',
    'vipps-system-name',
    'accept',
    'accept-encoding',
    'host',
    'cookie',
    'origin',
    'range',
    'x-forwarded-for',
    'expect',
  ]
  const value = fc.oneof(
    nastyString().filter(sendable),
    fc.constantFrom(
      'Bearer ',
      'bearer x',
      'Bearer a.b.c',
      'Basic Og==',
      'Basic !!!',
      'application/json',
      '*/*',
      'gzip, br',
      'bytes=0-1',
    ),
    fc.integer({ min: 1, max: 12 }).map((kb) => 'k'.repeat(kb * 1024)),
  )
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('remove' as const), name: fc.constantFrom(...names) }),
    fc.record({ op: fc.constant('set' as const), name: fc.constantFrom(...names), value }),
    fc.record({ op: fc.constant('repeat' as const), name: fc.constantFrom(...names), value }),
    fc.record({
      op: fc.constant('recase' as const),
      name: fc.constantFrom(...Object.keys(valid)),
      seed: fc.integer(),
    }),
  )
  return fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => {
    const headers: OutgoingHttpHeaders = { ...valid }
    for (const m of mutations) {
      const current = Object.keys(headers).find((k) => k.toLowerCase() === m.name.toLowerCase())
      switch (m.op) {
        case 'remove':
          if (current) delete headers[current]
          break
        case 'set':
          if (current) delete headers[current]
          headers[m.name] = m.value
          break
        case 'repeat': {
          const existing = current ? headers[current] : undefined
          if (current) delete headers[current]
          headers[m.name] = [String(existing ?? m.value), m.value]
          break
        }
        case 'recase': {
          if (!current) break
          const recased = [...current]
            .map((c, i) => ((m.seed >> (i % 30)) & 1 ? c.toUpperCase() : c.toLowerCase()))
            .join('')
          const kept = headers[current]
          delete headers[current]
          headers[recased] = kept
          break
        }
      }
    }
    return headers
  })
}

describe('hostile paths and queries', () => {
  it('get no 5xx and a clear 4xx at every route', { timeout: 240_000 }, async () => {
    const { fuzz, base, routes } = await listening()
    const problems: string[] = []
    for (const route of routes) {
      const names = paramsOf(route.url)
      const paramsArb = fc.record(Object.fromEntries(names.map((n) => [n, paramValue(fuzz.known[n] ?? [])])))
      await fc
        .assert(
          fc.asyncProperty(paramsArb, queryString(), async (params, query) => {
            const path = fillRoute(route.url, params as Record<string, string>, true) + query
            const valid = fuzz.validBodies[`${route.method} ${route.url}`]
            const answer = await rawRequest(base, {
              method: route.method,
              path,
              headers: {
                ...fuzz.headers,
                'idempotency-key': 'fuzz-path-1',
                ...(takesBody(route) ? { 'content-type': 'application/json' } : {}),
              },
              ...(takesBody(route) ? { body: JSON.stringify(valid ?? {}) } : {}),
            })
            fuzz.afterRequest(path)
            if (answer.status === -1) return true
            if (answer.status === -1) return true
            const why = answer.error ? `no answer: ${answer.error}` : unacceptable(answer)
            if (why) problems.push(`${route.method} ${path.slice(0, 300)} → ${why}`)
            return why === undefined
          }),
          { numRuns: fuzzRuns(12), endOnFailure: true },
        )
        .catch((error: Error) => {
          if (!problems.some((p) => p.startsWith(route.method)))
            problems.push(`${route.method} ${route.url} → ${error.message.slice(0, 500)}`)
        })
    }
    expect(problems).toEqual([])
    // Still standing.
    expect((await rawRequest(base, { method: 'GET', path: '/_sandbox/health' })).status).toBe(200)
  })

  it('refuses traversal and encoded junk at the root clearly', async () => {
    const { base } = await listening()
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/epayment/v1/payments/%zz',
      '/epayment/v1/payments/%',
      '//epayment//v1',
      '/phone/assets/..%2f..%2fpackage.json',
      '/phone/assets/%2e%2e%2fphone.html',
      `/${'a/'.repeat(2000)}`,
      '/_sandbox/users/%00',
      '/?%',
    ]) {
      const answer = await rawRequest(base, { method: 'GET', path })
      expect(unacceptable(answer), path).toBeUndefined()
      expect(answer.status, path).toBeGreaterThanOrEqual(400)
    }
  })
})

describe('unexpected methods', () => {
  it('are answered with a clear 4xx at every route', { timeout: 120_000 }, async () => {
    const { fuzz, base, routes } = await listening()
    const problems: string[] = []
    const paths = [
      ...new Set(
        routes.map((r) =>
          fillRoute(r.url, Object.fromEntries(paramsOf(r.url).map((n) => [n, fuzz.known[n]?.[0] ?? 'x']))),
        ),
      ),
    ]
    for (const path of paths) {
      for (const method of ['OPTIONS', 'TRACE', 'PATCH', 'PUT', 'DELETE', 'PROPFIND', 'CONNECT']) {
        if (routes.some((r) => r.method === method && fillRoute(r.url, {}) === path)) continue
        const answer = await rawRequest(base, { method, path, headers: fuzz.headers })
        if (answer.status === -1) continue
        const why = answer.error ? `no answer: ${answer.error}` : unacceptable(answer)
        if (why) problems.push(`${method} ${path} → ${why}`)
      }
    }
    expect(problems).toEqual([])
  })
})

describe('hostile headers', () => {
  it('get no 5xx and a clear 4xx at every route', { timeout: 240_000 }, async () => {
    const { fuzz, base, routes } = await listening()
    const problems: string[] = []
    const sample = fc.constantFrom(...routes)
    await fc
      .assert(
        fc.asyncProperty(sample, headerSets(fuzz.headers), async (route, headers) => {
          const params = Object.fromEntries(paramsOf(route.url).map((n) => [n, fuzz.known[n]?.[0] ?? 'x']))
          const path = fillRoute(route.url, params)
          const valid = fuzz.validBodies[`${route.method} ${route.url}`]
          const answer = await rawRequest(base, {
            method: route.method,
            path,
            headers,
            ...(takesBody(route) ? { body: JSON.stringify(valid ?? {}) } : {}),
          })
          fuzz.afterRequest(path)
          if (answer.status === -1) return true
          const why = answer.error ? `no answer: ${answer.error}` : unacceptable(answer)
          if (why) problems.push(`${route.method} ${path} ${JSON.stringify(headers).slice(0, 400)} → ${why}`)
          return why === undefined
        }),
        { numRuns: fuzzRuns(400) },
      )
      .catch((error: Error) => {
        if (problems.length === 0) problems.push(error.message.slice(0, 800))
      })
    expect(problems.slice(0, 5)).toEqual([])
  })

  it('answers headers beyond the server’s limit with 431, and keeps serving', async () => {
    const { fuzz, base } = await listening()
    const answer = await rawRequest(base, {
      method: 'GET',
      path: '/epayment/v1/payments/x',
      headers: { ...fuzz.headers, 'x-big': 'b'.repeat(40_000) },
    })
    expect([431, 0]).toContain(answer.status)
    expect((await rawRequest(base, { method: 'GET', path: '/_sandbox/health' })).status).toBe(200)
  })

  it('takes the nastiest single header values without a 5xx', async () => {
    const { fuzz, base } = await listening()
    for (const name of Object.keys(fuzz.headers)) {
      for (const value of NASTY_STRINGS.filter(sendable)) {
        const answer = await rawRequest(base, {
          method: 'POST',
          path: '/epayment/v1/payments',
          headers: { ...fuzz.headers, [name]: value, 'content-type': 'application/json' },
          body: '{}',
        })
        expect(unacceptable(answer), `${name}: ${value.slice(0, 40)}`).toBeUndefined()
      }
    }
  })
})
