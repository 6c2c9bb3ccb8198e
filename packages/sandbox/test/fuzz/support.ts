/**
 * What the fuzz tests share: every route the sandbox serves (read from the app
 * itself, so a new endpoint is fuzzed without anyone listing it), the hostile
 * values they throw at it, raw HTTP that can send what fetch will not
 * (duplicated headers, odd casing, broken encodings, lying Content-Length), and
 * the one judgement they all make: never a 5xx, and a 4xx says what is wrong.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http'
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'

/**
 * How many cases a property tries: bounded for the suite; `FUZZ_SCALE=20 npx
 * vitest run packages/sandbox/test/fuzz` tries twenty times as many when hunting.
 */
export const fuzzRuns = (usual: number): number => {
  const scale = Number(process.env.FUZZ_SCALE)
  return Number.isFinite(scale) && scale > 0 ? Math.ceil(usual * scale) : usual
}

export interface Route {
  method: string
  /** The route pattern, e.g. `/epayment/v1/payments/:reference/capture`. */
  url: string
}

/**
 * Every route of the app, from its route tree (`printRoutes`), without the
 * HEAD twin Fastify adds to each GET.
 */
export function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = []
  const prefixes: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match =
      /^([│ ]*)(?:├── |└── )(.*?) \(([A-Z, ]+)\)$/.exec(line) ?? /^([│ ]*)(?:├── |└── )(.*)$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    const url = (prefixes[depth - 1] ?? '') + match[2]!
    prefixes[depth] = url
    prefixes.length = depth + 1
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push({ method, url })
    }
  }
  return routes
}

/** Routes whose answer never ends (Server-Sent Events): fuzzed only with values that are refused. */
export const isStream = (route: Route) => route.url.endsWith('/stream')

/** Routes that take a body. */
export const takesBody = (route: Route) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method)

/** The `:name` parameters of a route pattern. */
export const paramsOf = (url: string) => [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!)

/** Fills a route pattern's parameters, each value percent-encoded unless `raw`. */
export function fillRoute(url: string, values: Record<string, string>, raw = false): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = values[name] ?? 'x'
    return raw ? value : percentEncode(value)
  })
}

/** encodeURIComponent that takes any string (a lone surrogate goes as U+FFFD's bytes, as a browser sends it). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('')
}

// ---------------------------------------------------------------- values

/** Strings that have broken parsers before: traversal, encodings, controls, unicode, lookalikes. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%zz',
  '%',
  '%00',
  '\u0000',
  '\r\nX-Injected: 1',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe, a literal string on purpose
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '4712345678',
  '123456',
  '😀',
  '\ud800',
  'ÆØÅ æøå',
  '\u202e\u0645',
  'ｆｕｌｌｗｉｄｔｈ',
  'a'.repeat(300),
  'a'.repeat(5000),
]

/** A string that is more often hostile than not. */
export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => s.repeat(500)) },
  )

/** Object keys worth trying: real field names of the APIs beside prototype names and junk. */
const FIELD_NAMES = [
  'amount',
  'value',
  'currency',
  'reference',
  'customer',
  'phoneNumber',
  'paymentMethod',
  'type',
  'userFlow',
  'modificationAmount',
  'url',
  'events',
  'msn',
  'msisdn',
  'ms',
  'seconds',
  'kind',
  'rules',
  'seed',
  'transaction',
  'orderId',
  'merchantInfo',
  'customerInfo',
  'content',
  '__proto__',
  'constructor',
  'prototype',
]

/** Any JSON value, with hostile strings, big and odd numbers, nulls and real field names. */
export const jsonValue = (maxDepth = 4): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.constantFrom(0, -1, 1.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e308, 5e-324),
      nastyString(),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), nastyString()), tie('value'), { maxKeys: 6 }),
    ),
  })).value

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` deep, as JSON text. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/**
 * `valid` with one thing changed at a random place: a value replaced by any
 * JSON value, a key removed, or a key added.
 */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid)
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.constantFrom('replace', 'remove', 'add'),
      jsonValue(3),
      fc.constantFrom(...FIELD_NAMES),
    )
    .map(([path, action, value, key]) => {
      const copy = structuredClone(valid)
      if (path.length === 0) return action === 'replace' ? value : copy
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((node, p) => (node as Record<string, unknown>)[p], copy) as Record<string, unknown>
      const last = path.at(-1)!
      if (action === 'replace') parent[last] = value
      else if (action === 'remove') delete parent[last]
      else if (parent[last] && typeof parent[last] === 'object')
        (parent[last] as Record<string, unknown>)[key] = value
      else parent[key] = value
      return copy
    })
}

function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  const paths = [prefix]
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) paths.push(...pathsOf(child, [...prefix, key]))
  }
  return paths
}

/** Content types a hostile client sends with a body, the right one among them. */
export const CONTENT_TYPES = [
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
export type Body = { text: string; type: string }

const json = (value: unknown): Body => ({ text: JSON.stringify(value) ?? 'null', type: 'application/json' })

/**
 * Bodies for a route whose valid body is `valid`: it with one thing changed,
 * any JSON, deep nesting, every string of it near `nearLimitBytes`, malformed
 * JSON, hostile text under other content types, forms with repeated keys.
 */
export function hostileBodies(valid: unknown, nearLimitBytes: number): fc.Arbitrary<Body> {
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
        const big = unit.repeat(Math.floor(nearLimitBytes / Buffer.byteLength(unit)))
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

/** A path parameter: something that exists, or something hostile, sent raw or encoded, once or twice. */
export function paramValue(known: string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...(known.length ? known : ['x'])) },
    { weight: 3, arbitrary: nastyString() },
  )
  return fc
    .tuple(value, fc.constantFrom('raw', 'encoded', 'twice'))
    .map(([text, how]) =>
      how === 'raw'
        ? rawPathPart(text)
        : how === 'encoded'
          ? percentEncode(text)
          : percentEncode(percentEncode(text)),
    )
}

// ---------------------------------------------------------------- judgement

export interface Answer {
  status: number
  headers: IncomingHttpHeaders | Record<string, unknown>
  body: string
}

/**
 * Why `answer` is not acceptable for hostile input, or undefined when it is:
 * any status below 500, and a 4xx must carry a message in one of the platform's
 * error formats (problem+json, the gateway's, eCom's list, OAuth's).
 */
export function unacceptable(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`
  if (answer.status < 400) return undefined
  // Node's own refusals before any route carry no body: 400 (a broken request), 413, 414,
  // 417 (an Expect other than 100-continue) and 431 (headers too large).
  if (answer.body === '' && [400, 413, 414, 417, 431].includes(answer.status)) return undefined
  let body: unknown
  try {
    body = JSON.parse(answer.body)
  } catch {
    return `answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 200)}`
  }
  if (!saysWhatIsWrong(body))
    return `answered ${answer.status} without saying why: ${answer.body.slice(0, 300)}`
  return undefined
}

function saysWhatIsWrong(body: unknown): boolean {
  if (Array.isArray(body)) {
    return body.length > 0 && body.every((e) => typeof e?.errorMessage === 'string' && e.errorMessage !== '')
  }
  if (!body || typeof body !== 'object') return false
  const b = body as Record<string, unknown>
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== ''
  return text(b.detail) || text(b.title) || text(b.message) || text(b.error)
}

// ---------------------------------------------------------------- raw HTTP

export interface RawRequest {
  method: string
  /** Sent exactly as given: no normalising, no encoding. */
  path: string
  /** Names keep their case; an array sends the header once per value. */
  headers?: OutgoingHttpHeaders
  body?: string | Buffer
}

/**
 * `text` made sendable in a request line exactly where node refuses it (spaces,
 * controls, anything above U+00FF): those are percent-encoded, everything else,
 * `%zz`, `..` and Latin-1 bytes included, goes as it is.
 */
export function rawPathPart(text: string): string {
  return [...text]
    .map((char) =>
      /^[\u0021-\u00ff]$/.test(char)
        ? char
        : [...Buffer.from(char, 'utf8')]
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('')
}

/**
 * One request over a fresh connection with node:http, which sends paths and
 * headers as given. Resolves with the answer, or with status 0 and the error
 * when the server closed the connection without one.
 */
export function rawRequest(
  base: string,
  request: RawRequest,
  timeoutMs = 10_000,
): Promise<Answer & { error?: string }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve) => {
    let outgoing: ReturnType<typeof httpRequest>
    try {
      outgoing = httpRequest({
        host: hostname,
        port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        agent: false,
        // Raw paths with odd bytes are the point; node checks only for what would break the request line.
        insecureHTTPParser: true,
      })
    } catch (error) {
      // node:http would not send this at all (say, two Host headers): nothing reached the server.
      return resolve({
        status: -1,
        headers: {},
        body: '',
        error: `not sendable: ${(error as Error).message}`,
      })
    }
    const timer = setTimeout(() => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    /** Resolves with the answer once its body has been read from `from` to its last byte. */
    const collect = (response: IncomingMessage, from: Readable, chunks: Buffer[], last: 'end' | 'close') => {
      from.on('data', (chunk: Buffer) => chunks.push(chunk))
      from.on(last, () => {
        clearTimeout(timer)
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body })
      })
    }
    outgoing.on('response', (response) => {
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        // A stream that was opened is an answer; it never ends, so stop listening.
        clearTimeout(timer)
        outgoing.destroy()
        return resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' })
      }
      collect(response, response, [], 'end')
    })
    // node's client hands any answer to CONNECT over as a tunnel; the body follows on the socket.
    outgoing.on('connect', (response, socket, head) => {
      socket.on('error', () => {})
      collect(response, socket, [head], 'close')
    })
    outgoing.on('error', (error) => {
      clearTimeout(timer)
      resolve({ status: 0, headers: {}, body: '', error: error.message })
    })
    outgoing.end(request.body)
  })
}

/**
 * Sends a request head and then only `sent` of the body, and resolves with the
 * status line's code once the server answers (or 0 if it closes without one).
 * With the rest of the body never sent, any answer came before the body was read.
 */
export function answerBeforeBody(
  base: string,
  head: string,
  sent: Buffer | string,
  chunks: Array<Buffer | string> = [],
): Promise<number> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer while the body was held back: ${head.split('\r\n')[0]}`))
    }, 15_000)
    const finish = (status: number) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(status)
    }
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1')
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received)
      if (match) finish(Number(match[1]))
    })
    socket.on('error', () => finish(0))
    socket.on('close', () => finish(0))
    socket.write(head)
    socket.write(sent)
    for (const chunk of chunks) socket.write(chunk)
  })
}
