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
  fillRoute,
  fuzzRuns,
  hostileBodies,
  isStream,
  paramsOf,
  type Route,
  routesOf,
  takesBody,
  unacceptable,
} from './support.ts'

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
          fc.asyncProperty(
            hostileBodies(fuzz.validBodies[key] ?? {}, 900_000),
            fc.boolean(),
            async (body, withKey) => {
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
            },
          ),
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
