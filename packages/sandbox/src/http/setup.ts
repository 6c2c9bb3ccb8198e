/**
 * The Fastify instance every sandbox module registers on, set up to take what
 * real clients send and to answer errors in the platform's formats.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { GatewayRefusal, ProblemError } from './problem.ts'

/** Bodies above this are refused before they are read (413). */
export const BODY_LIMIT_BYTES = 1024 * 1024

function validatorFor(coerce: boolean) {
  // Bodies keep their JSON types (an integer must be a number); headers, paths
  // and queries arrive as strings and are coerced to what the schema declares.
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce, useDefaults: true, strict: false })
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

// Shared by every sandbox in the process: ajv caches each compiled schema by
// identity, so the second sandbox a test suite builds compiles nothing again.
const bodyValidator = validatorFor(false)
const stringValidator = validatorFor(true)

/** "/amount/value" → "amount.value"; a missing property is named itself. */
function fieldName(instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.')
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined
  return [path, missing].filter(Boolean).join('.') || '(root)'
}

export function createHttpApp(options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    // The platform's path parameters may be long references; keep Fastify's defaults otherwise.
    ...options,
  })

  app.setValidatorCompiler(({ schema, httpPart }) =>
    compiledOnFirstUse(httpPart === 'body' ? bodyValidator : stringValidator, schema as AnySchema),
  )

  // JSON, with an empty body allowed (a POST with no body is common: cancel,
  // the access token) and a clear 400 for malformed JSON.
  app.removeContentTypeParser(['application/json'])
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json/, { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch {
      done(new ProblemError(400, 'Bad Request', 'The request body is not valid JSON', [], 'malformed-json'))
    }
  })
  // Any other content type (form posts, text/plain, none) is read as text, so a
  // token request sent with whatever content type still reaches its handler.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((error: FastifyError | ProblemError | GatewayRefusal, request, reply) => {
    if (error instanceof GatewayRefusal) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
      return reply.code(error.statusCode).type('application/json').send(error.toBody())
    }
    if (error instanceof ProblemError) {
      return reply.code(error.status).type('application/problem+json').send(error.toProblem())
    }
    if (error.validation) {
      const extraDetails = error.validation.map((v) => {
        const where = error.validationContext === 'body' ? '' : `${error.validationContext}.`
        return { name: where + fieldName(v.instancePath, v.params), reason: v.message ?? 'is invalid' }
      })
      const detail = extraDetails.map((d) => `${d.name} ${d.reason}`).join('; ')
      const problem = new ProblemError(400, 'Bad Request', detail, extraDetails, 'validation-error')
      return reply.code(400).type('application/problem+json').send(problem.toProblem())
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const problem = new ProblemError(status, error.code ?? 'Bad Request', error.message, [], error.code)
      return reply.code(status).type('application/problem+json').send(problem.toProblem())
    }
    request.log.error({ err: error }, 'unexpected error')
    const problem = new ProblemError(
      500,
      'Internal Server Error',
      'The sandbox failed; see its log',
      [],
      'internal',
    )
    return reply.code(500).type('application/problem+json').send(problem.toProblem())
  })

  // CONNECT asks for a proxy tunnel, which the sandbox is not. Node hands it to a
  // 'connect' listener instead of the router and, with none, closes the socket
  // unanswered; answer it like any method the sandbox does not serve.
  app.server.on('connect', function refuseTunnel(request: IncomingMessage, socket: Duplex) {
    const problem = new ProblemError(405, 'Method Not Allowed', `CONNECT ${request.url ?? ''} is not served`)
    const body = JSON.stringify(problem.toProblem())
    socket.on('error', () => {})
    socket.end(
      [
        'HTTP/1.1 405 Method Not Allowed',
        'Allow: GET, HEAD, POST, PUT, PATCH, DELETE',
        'Content-Type: application/problem+json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    )
  })

  app.setNotFoundHandler((request, reply) => {
    const problem = new ProblemError(
      404,
      'Not Found',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    )
    return reply.code(404).type('application/problem+json').send(problem.toProblem())
  })

  return app
}
