/**
 * The Fastify instance the till's modules register on: strict JSON bodies,
 * every error as `{error: {code, message, field?}}` with a 4xx that names the
 * field, and logs that carry no PINs, session tokens, phone numbers or names.
 */

import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { sqlState } from '@kasse/storage'
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify'
import { type ErrorBody, PosError } from '../errors.ts'

/** Bodies above this are refused before they are read (413); the till's requests are small. */
export const BODY_LIMIT_BYTES = 64 * 1024

/**
 * Paths pino blanks out wherever they appear. Fastify's default serializers
 * log neither headers nor bodies; this keeps a secret out even if a log line
 * is later given a request's headers or a body by mistake.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.cookie',
  'req.headers["x-kasse-csrf"]',
  'res.headers["set-cookie"]',
  '*.pin',
  '*.phoneNumber',
  '*.msisdn',
  '*.token',
  '*.csrfToken',
  '*.cashierName',
  '*.name',
]

function validatorFor(coerce: boolean): Ajv {
  // Bodies keep their JSON types (a price must be a number, never "29.90");
  // paths and queries arrive as strings and are coerced to what the schema says.
  const ajv = new Ajv({ allErrors: false, coerceTypes: coerce, useDefaults: true, strict: false })
  // ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
  addFormats(ajv)
  return ajv
}

/**
 * A route's validator, compiled by Ajv on the route's first request instead of
 * when the route is registered: compiling every route's schemas was ~0.5 s of
 * CPU of each start, for routes a session may never call. Fastify reads
 * `errors` after a failed call, and passes the parent object along (so a
 * coerced root value is written back) to functions that carry `schemaEnv`, as
 * Ajv's own do.
 */
function compiledOnFirstUse(ajv: Ajv, schema: AnySchema) {
  let compiled: ValidateFunction | undefined
  const validate = Object.assign(
    (data: unknown, context?: Parameters<ValidateFunction>[1]): boolean => {
      compiled ??= ajv.compile(schema)
      const valid = compiled(data, context) as boolean
      validate.errors = compiled.errors
      return valid
    },
    { errors: null as ValidateFunction['errors'], schemaEnv: true },
  )
  return validate
}

/** Fastify's own response serializer (fast-json-stringify), from the package Fastify itself loads. */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'))
type RouteSerializer = (data: unknown) => string
type SerializerBuilder = (
  externalSchemas: unknown,
  options: unknown,
) => (route: { schema: unknown }) => RouteSerializer
const defaultSerializers = (
  fastifyRequire('@fastify/fast-json-stringify-compiler') as () => SerializerBuilder
)()

/**
 * Fastify's serializers, each built on its route's first answer instead of
 * when the route is registered: fast-json-stringify building the till's
 * response schemas was ~0.3–0.5 s of CPU of each start. The output is the
 * same function's.
 */
const serializersOnFirstUse: SerializerBuilder = (externalSchemas, options) => {
  const compile = defaultSerializers(externalSchemas, options)
  return (route) => {
    let serialize: RouteSerializer | undefined
    return (data) => {
      serialize ??= compile(route)
      return serialize(data)
    }
  }
}

/** The first schema violation as a field name and a sentence a person can act on. */
export function describeViolation(error: ErrorObject): { field: string; message: string } {
  const path = error.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.')
  const child = (name: unknown) => [path, String(name)].filter(Boolean).join('.')
  switch (error.keyword) {
    case 'required': {
      const field = child(error.params.missingProperty)
      return { field, message: `${field} is required` }
    }
    case 'additionalProperties': {
      const field = child(error.params.additionalProperty)
      return { field, message: `${field} is not a field this request takes` }
    }
    case 'type':
      return {
        field: path || '(body)',
        message: `${path || 'The body'} must be ${article(String(error.params.type))}`,
      }
    default:
      return { field: path || '(body)', message: `${path || 'The body'} ${error.message ?? 'is invalid'}` }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

/**
 * Requests are logged without their query string: a search for a customer's
 * phone number (GET /api/sales?phone=…) must not leave the number in the log.
 */
const serializers = {
  req: (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
    method: request.method,
    url: request.url.split('?')[0],
    hostname: request.hostname,
    remoteAddress: request.ip,
  }),
}

/** Options for the logger that keep personal data out, whatever the caller passed. */
function safeLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false
  if (logger === true) return { redact: REDACTED_LOG_PATHS, serializers }
  return { ...logger, redact: REDACTED_LOG_PATHS, serializers }
}

export function createHttpApp(options: { logger?: FastifyServerOptions['logger'] } = {}): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: safeLogger(options.logger),
    schemaController: {
      compilersFactory: {
        buildSerializer: serializersOnFirstUse as NonNullable<
          NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
        >['buildSerializer'],
      },
    },
    // A URL the router cannot read answers in the till's format too, not Fastify's.
    frameworkErrors: (error, _request, reply) => {
      const answer: FastifyReply = reply
      return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? answer.code(414).send(body('URI_TOO_LONG', 'A part of the URL is longer than the till accepts'))
        : answer.code(400).send(body('BAD_REQUEST', 'The URL is not valid (a broken %-encoding?)'))
    },
    clientErrorHandler: answerClientError,
  })

  // JSON only. Fastify also parses text/plain by default, a type a page on
  // another site may post without asking (no CORS preflight); refusing it (415)
  // keeps such forms from reaching even the routes without a session.
  app.removeContentTypeParser('text/plain')

  const bodyValidator = validatorFor(false)
  const stringValidator = validatorFor(true)
  app.setValidatorCompiler(({ schema, httpPart }) =>
    compiledOnFirstUse(httpPart === 'body' ? bodyValidator : stringValidator, schema as AnySchema),
  )
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof PosError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
      return reply.code(error.status).send(error.toBody())
    }
    if (error.validation) {
      const first = error.validation[0] as ErrorObject | undefined
      const violation = first ? describeViolation(first) : { field: '(body)', message: error.message }
      // A whole query or path that is wrong is named by its part, not as the body.
      const field =
        violation.field === '(body)' && error.validationContext !== 'body'
          ? String(error.validationContext)
          : violation.field
      return reply.code(400).send(body('VALIDATION_FAILED', violation.message, field))
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(body('MALFORMED_JSON', 'The request body is not valid JSON'))
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply
          .code(400)
          .send(body('VALIDATION_FAILED', 'The request body is empty; send a JSON object'))
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply
          .code(413)
          .send(body('PAYLOAD_TOO_LARGE', `The request body is over ${BODY_LIMIT_BYTES} bytes`))
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .code(415)
          .send(body('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json'))
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(body('VALIDATION_FAILED', error.message))
    }
    // Only the error's kind and the database's SQLSTATE: a failed query's message
    // carries its parameters, which may be a PIN hash, a phone number or a name.
    request.log.error(
      { err: { type: error.name, code: error.code, sqlState: sqlState(error), stack: stackFrames(error) } },
      'unexpected error',
    )
    return reply.code(500).send(body('INTERNAL', 'The till failed; see its log'))
  })

  // PostgreSQL text cannot hold U+0000: such a value is refused here, naming where
  // it is, rather than failing in the database as a 500.
  app.addHook('preValidation', async (request) => {
    const field =
      fieldWithNul(request.params, 'params') ??
      fieldWithNul(request.query, 'query') ??
      fieldWithNul(request.body)
    if (field !== undefined) {
      throw new PosError('VALIDATION_FAILED', `${field} contains a NUL character`, { field })
    }
  })

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(body('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  )
  return app
}

/**
 * HTTP that node cannot parse (bytes a request line may not carry, headers
 * past the limit, a request too slow to arrive) is answered on the socket
 * before any route runs; in the till's error format, as everything else.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, reason, answer] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', body('REQUEST_TIMEOUT', 'The request did not arrive in time')]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            body('HEADERS_TOO_LARGE', 'The request headers are too large'),
          ]
        : [400, 'Bad Request', body('BAD_REQUEST', 'The request is not valid HTTP')]
  const text = JSON.stringify(answer)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    )
  }
  socket.destroy(error)
}

/**
 * The path (`params.saleId`, `lines.0.name`) of the first string or key
 * holding U+0000, if any. Walked with a stack of its own, not recursion: a
 * body nested thousands deep must not overflow the call stack.
 */
export function fieldWithNul(value: unknown, path = ''): string | undefined {
  const pending: Array<[unknown, string]> = [[value, path]]
  while (pending.length > 0) {
    const [current, at] = pending.pop()!
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return at || '(body)'
      continue
    }
    if (current === null || typeof current !== 'object') continue
    const children = Object.entries(current)
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i]!
      const named = at ? `${at}.${key}` : key
      if (key.includes('\u0000')) return named.replaceAll('\u0000', '\\0')
      pending.push([child, named])
    }
  }
  return undefined
}

function body(code: ErrorBody['error']['code'], message: string, field?: string): ErrorBody {
  return new PosError(code, message, field === undefined ? {} : { field }).toBody()
}

/** The stack without its first line (which repeats the message). */
function stackFrames(error: Error): string | undefined {
  return error.stack?.split('\n').slice(1).join('\n')
}
