/**
 * The Fastify instance the shop's modules register on: HTML forms and JSON
 * bodies (the raw JSON kept, since webhook signatures cover the exact bytes),
 * every error a page with a message for people (or `{error}` JSON on the
 * Vipps routes) with a 4xx that names the field, never a stack trace, and logs
 * without names, addresses, phone numbers or secrets.
 */

import { sqlState } from '@kasse/storage'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { ShopError } from '../errors.ts'
import { html } from './html.ts'
import { page, sendPage } from './layout.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as it arrived, for JSON requests (webhook signatures are over these bytes). */
    rawBody?: string
  }
}

/** Bodies above this are refused before they are read (413); the shop's requests are small. */
export const BODY_LIMIT_BYTES = 64 * 1024

/** Paths pino blanks out wherever they appear. */
export const REDACTED_LOG_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.authToken',
  '*.secret',
  '*.email',
  '*.phone',
  '*.name',
  '*.address',
]

/** Routes that answer machines (Vipps MobilePay's webhooks and callbacks) in JSON. */
export const isMachineRoute = (url: string) => url.startsWith('/vipps/')

function safeLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false
  if (logger === true) return { redact: REDACTED_LOG_PATHS }
  return { ...logger, redact: REDACTED_LOG_PATHS }
}

/** Form fields as strings; a repeated field keeps its last value. */
export type FormBody = Record<string, string>

export function createShopHttp(options: { logger?: FastifyServerOptions['logger']; shopName: string }) {
  const app: FastifyInstance = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: safeLogger(options.logger) })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // Pages take forms, whose every field is a string; JSON is for the Vipps routes only.
    if (!isMachineRoute(request.url)) {
      return done(
        new ShopError('UNSUPPORTED_MEDIA_TYPE', 'Send skjemaet som et vanlig HTML-skjema'),
        undefined,
      )
    }
    request.rawBody = body as string
    if ((body as string).trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(new ShopError('MALFORMED_BODY', 'The request body is not valid JSON'), undefined)
    }
  })
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toShopError(error)
    if (!known) {
      // Only the error's kind and SQLSTATE: a failed query's message carries its parameters (names, addresses).
      request.log.error(
        {
          err: {
            type: error.name,
            code: error.code,
            sqlState: sqlState(error),
            stack: error.stack?.split('\n').slice(1).join('\n'),
          },
        },
        'unexpected error',
      )
    }
    const failure = known ?? new ShopError('INTERNAL', 'Noe gikk galt hos oss. Prøv igjen om litt.')
    if (isMachineRoute(request.url)) return reply.code(failure.status).send(failure.toBody())
    return sendPage(
      reply,
      page(
        { title: 'Feil', shopName: options.shopName, message: { kind: 'error', text: failure.message } },
        html`<h1>${failure.status === 404 ? 'Finner ikke siden' : 'Det gikk ikke'}</h1><p><a href="/">Til forsiden</a></p>`,
      ),
      failure.status,
    )
  })
  app.setNotFoundHandler((request, reply) => {
    const missing = new ShopError('NOT_FOUND', `Ingen side på ${request.url.split('?')[0]}`)
    if (isMachineRoute(request.url)) return reply.code(404).send(missing.toBody())
    return sendPage(
      reply,
      page(
        {
          title: 'Finner ikke siden',
          shopName: options.shopName,
          message: { kind: 'info', text: missing.message },
        },
        html`<h1>Finner ikke siden</h1><p><a href="/">Til forsiden</a></p>`,
      ),
      404,
    )
  })
  return app
}

/** The error as one the shopper (or Vipps) can act on, or undefined for a bug. */
function toShopError(error: FastifyError): ShopError | undefined {
  if (error instanceof ShopError) return error
  if (error.validation) {
    const first = error.validation[0]
    const path = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') ?? ''
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty
    const field = [path, missing].filter(Boolean).join('.') || String(error.validationContext ?? 'body')
    return new ShopError(
      'VALIDATION_FAILED',
      `${field} ${missing ? 'is required' : (first?.message ?? 'is invalid')}`,
      {
        field,
      },
    )
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ShopError('PAYLOAD_TOO_LARGE', `The request body is over ${BODY_LIMIT_BYTES} bytes`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ShopError('UNSUPPORTED_MEDIA_TYPE', 'Send a form or JSON')
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ShopError('VALIDATION_FAILED', error.message)
  }
  return undefined
}
