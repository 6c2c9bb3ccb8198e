/**
 * Sizes over the wire: a body announced far beyond the limit is refused with 413
 * before it is sent (the test holds the rest back, so an answer at all proves the
 * server did not wait for it); a chunked body that outgrows the limit is refused
 * too; nesting as deep as a body within the limit allows is answered without a
 * 5xx. At every route that takes a body, with valid credentials so the request
 * reaches body parsing.
 */
import { describe, expect, it } from 'vitest'
import { BODY_LIMIT_BYTES } from '../../src/http/setup.ts'
import { fuzzSandbox } from './fixtures.ts'
import {
  answerBeforeBody,
  deeplyNested,
  fillRoute,
  paramsOf,
  rawRequest,
  routesOf,
  takesBody,
  unacceptable,
} from './support.ts'

function headOf(method: string, path: string, headers: Record<string, string>, extra: string[]): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...extra,
  ]
  return `${lines.join('\r\n')}\r\n\r\n`
}

async function setUp() {
  const fuzz = await fuzzSandbox()
  const base = await fuzz.sb.app.listen({ port: 0, host: '127.0.0.1' })
  const routes = routesOf(fuzz.sb.app)
    .filter(takesBody)
    .map((route) => ({
      ...route,
      path: fillRoute(
        route.url,
        Object.fromEntries(paramsOf(route.url).map((n) => [n, fuzz.known[n]?.[0] ?? 'x'])),
      ),
    }))
  return { fuzz, base, routes }
}

describe('oversized bodies', () => {
  it(
    'are refused with 413 on their Content-Length alone, at every route that takes a body',
    { timeout: 120_000 },
    async () => {
      const { fuzz, base, routes } = await setUp()
      const statuses: string[] = []
      for (const route of routes) {
        for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
          const head = headOf(route.method, route.path, fuzz.headers, [
            `Content-Type: ${type}`,
            `Content-Length: ${50 * 1024 * 1024}`,
          ])
          const status = await answerBeforeBody(base, head, `{"a":"${'x'.repeat(1024)}`)
          if (status !== 413) statuses.push(`${route.method} ${route.url} (${type}) → ${status}`)
        }
      }
      expect(statuses).toEqual([])
      expect((await rawRequest(base, { method: 'GET', path: '/_sandbox/health' })).status).toBe(200)
    },
  )

  it('are refused with 413 when chunked past the limit', { timeout: 120_000 }, async () => {
    const { fuzz, base, routes } = await setUp()
    const chunk = 'x'.repeat(64 * 1024)
    const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`
    const count = Math.ceil((BODY_LIMIT_BYTES * 1.5) / chunk.length)
    const statuses: string[] = []
    for (const route of routes) {
      const head = headOf(route.method, route.path, fuzz.headers, [
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ])
      // Never the terminating chunk: the body has no end, so only the limit can answer it.
      const status = await answerBeforeBody(
        base,
        head,
        '',
        Array.from({ length: count }, () => chunked),
      )
      if (status !== 413) statuses.push(`${route.method} ${route.url} → ${status}`)
    }
    expect(statuses).toEqual([])
    expect((await rawRequest(base, { method: 'GET', path: '/_sandbox/health' })).status).toBe(200)
  })
})

describe('deep nesting within the size limit', () => {
  it('gets no 5xx at any route that takes a body', { timeout: 120_000 }, async () => {
    const { fuzz, base, routes } = await setUp()
    const problems: string[] = []
    const depth = Math.floor(BODY_LIMIT_BYTES / 2) - 10
    for (const route of routes) {
      for (const body of [
        deeplyNested(depth, 'array'),
        deeplyNested(Math.floor(BODY_LIMIT_BYTES / 7), 'object'),
      ]) {
        const answer = await rawRequest(base, {
          method: route.method,
          path: route.path,
          headers: { ...fuzz.headers, 'content-type': 'application/json' },
          body,
        })
        fuzz.afterRequest(route.path)
        const why = answer.error ? `no answer: ${answer.error}` : unacceptable(answer)
        if (why) problems.push(`${route.method} ${route.url} ${body.slice(0, 12)}… → ${why}`)
      }
    }
    expect(problems).toEqual([])
  })
})
