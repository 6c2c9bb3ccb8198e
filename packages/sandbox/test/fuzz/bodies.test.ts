/**
 * Hostile bodies at every route that takes one, in-process: valid bodies with one
 * thing changed, any JSON at all, deep nesting, huge strings, malformed JSON and
 * the wrong content types, with the seeded merchant's valid credentials so the
 * body reaches validation and the handler. Never a 5xx; a 4xx says what is wrong;
 * every answer matches the official spec (the test sandbox checks each).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fuzzSandbox } from './fixtures.ts'
import {
  deeplyNested,
  fillRoute,
  fuzzRuns,
  isStream,
  jsonValue,
  mutated,
  nastyString,
  paramsOf,
  type Route,
  routesOf,
  takesBody,
  unacceptable,
} from './support.ts'

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.vipps+json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
]

/** A body as sent: its text and content type. */
type Body = { text: string; type: string }

const json = (value: unknown): Body => ({ text: JSON.stringify(value) ?? 'null', type: 'application/json' })

function bodies(valid: unknown): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 4, arbitrary: mutated(valid).map(json) },
    { weight: 3, arbitrary: jsonValue().map(json) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'))
        .map(([depth, kind]) => ({ text: deeplyNested(depth, kind), type: 'application/json' })),
    },
    {
      weight: 1,
      // Just under the body limit, in a field the route reads.
      arbitrary: fc.constantFrom('x', 'ø', '\u0000', '😀').map((unit) => {
        const big = unit.repeat(Math.floor(900_000 / Buffer.byteLength(unit)))
        return json(withEveryStringAs(valid, big))
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{',
          '{"a":',
          '[1,]',
          '{"a":1}{',
          'nul',
          '\u0000',
          '{"a":"\\ud800"}',
          '\ufeff{}',
          "{'a':1}",
          '1e999',
        )
        .map((text) => ({ text, type: 'application/json' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(nastyString(), fc.constantFrom(...CONTENT_TYPES))
        .map(([text, type]) => ({ text, type })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.dictionary(nastyString(), nastyString(), { maxKeys: 5 }), fc.boolean())
        .map(([form, doubled]) => {
          const params = new URLSearchParams(form)
          if (doubled) for (const [k, v] of Object.entries(form)) params.append(k, v)
          return { text: params.toString(), type: 'application/x-www-form-urlencoded' }
        }),
    },
  )
}

/** `valid` with every string in it replaced by `text` (or `{ "field": text }` when it has none). */
function withEveryStringAs(valid: unknown, text: string): unknown {
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') return text
    if (Array.isArray(value)) return value.map(swap)
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]))
    return value
  }
  const swapped = swap(valid)
  return swapped && typeof swapped === 'object' && JSON.stringify(swapped) !== JSON.stringify(valid)
    ? swapped
    : { field: text }
}

describe('hostile bodies', () => {
  it('get no 5xx and a clear 4xx at every route that takes a body', { timeout: 180_000 }, async () => {
    const fuzz = await fuzzSandbox()
    const routes = routesOf(fuzz.sb.app).filter((r) => takesBody(r) && !isStream(r))
    expect(routes.length).toBeGreaterThan(30)
    const problems: string[] = []
    for (const route of routes) {
      const key = `${route.method} ${route.url}`
      const params = Object.fromEntries(
        paramsOf(route.url).map((name) => [name, fuzz.known[name]?.[0] ?? 'x']),
      )
      const url = fillRoute(route.url, params)
      await fc
        .assert(
          fc.asyncProperty(bodies(fuzz.validBodies[key] ?? {}), fc.boolean(), async (body, withKey) => {
            const sent = `${key} ${body.type || '(no content type)'} ${body.text.slice(0, 200)}`
            const response = await fuzz.sb.app.inject({
              method: route.method as Route['method'] & 'POST',
              url,
              headers: {
                ...fuzz.headers,
                ...(withKey ? { 'idempotency-key': 'fuzz-key-1', 'x-request-id': 'fuzz-request-1' } : {}),
                ...(body.type ? { 'content-type': body.type } : {}),
              },
              payload: body.text,
            })
            fuzz.afterRequest(url)
            const why = unacceptable({
              status: response.statusCode,
              headers: response.headers,
              body: response.body,
            })
            if (why) problems.push(`${sent} → ${why}`)
            return why === undefined
          }),
          { numRuns: fuzzRuns(25), endOnFailure: true },
        )
        .catch((error: Error) => {
          // A failed property is already in `problems`; anything else (a throw) is a problem too.
          if (!problems.some((p) => p.startsWith(key)))
            problems.push(`${key} → ${error.message.slice(0, 500)}`)
        })
    }
    expect(problems).toEqual([])
  })
})
