/**
 * The API gateway's checks, as Azure API Management does them in front of the
 * real platform: the subscription key, the Bearer access token, and that the
 * Merchant-Serial-Number is one the credentials may act for. Runs before body
 * parsing and validation, so a request without access learns nothing else.
 */

import { VIPPS_SYSTEM_HEADERS } from '@kasse/vipps'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'
import { GatewayRefusal, invalidField, ProblemError } from './problem.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant the request acts for, set by the gateway check. */
    merchant?: Merchant
  }
}

export interface GatewayOptions {
  /** ePayment requires the MSN header; other APIs take it optionally. */
  msn: 'required' | 'optional'
}

const firstHeader = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Refuses a `Vipps-System-*` header longer than the platform's 30 characters (empty is fine). */
export function checkSystemHeaders(request: FastifyRequest): void {
  for (const name of VIPPS_SYSTEM_HEADERS) {
    const value = firstHeader(request, name)
    if (value !== undefined && value.length > 30) throw invalidField(name, 'must be at most 30 characters')
  }
}

/** The subscription key's merchant, or the gateway's 401. */
export function merchantForSubscriptionKey(ctx: SandboxContext, request: FastifyRequest): Merchant {
  const key = firstHeader(request, 'ocp-apim-subscription-key')
  if (!key) {
    throw new GatewayRefusal(
      401,
      'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
    )
  }
  const merchant = ctx.directory.merchantBySubscriptionKey(key)
  if (!merchant) {
    throw new GatewayRefusal(
      401,
      'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
    )
  }
  return merchant
}

/**
 * The merchant the request may act for, after the gateway's checks: the
 * subscription key, the Bearer token issued to that merchant, the
 * `Vipps-System-*` headers and the MSN. Throws the gateway's refusal.
 */
function authenticatedMerchant(
  ctx: SandboxContext,
  request: FastifyRequest,
  options: GatewayOptions,
): Merchant {
  const merchant = merchantForSubscriptionKey(ctx, request)
  const authorization = firstHeader(request, 'authorization')
  // "Bearer" is case-sensitive on the platform; a token without it is refused.
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined
  const claims = token ? ctx.tokens.verify(token) : undefined
  if (!claims) throw new GatewayRefusal(401, 'Unauthorized. Access token is missing or invalid.')
  if (claims.sub !== merchant.clientId) {
    throw new GatewayRefusal(
      403,
      'Forbidden. The access token and the subscription key belong to different merchants.',
    )
  }
  checkSystemHeaders(request)
  const msn = firstHeader(request, 'merchant-serial-number')
  if (msn === undefined || msn === '') {
    if (options.msn === 'required') {
      throw invalidField('Merchant-Serial-Number', 'is required', 'Missing required parameter')
    }
  } else if (!/^[0-9]{4,6}$/.test(msn)) {
    throw invalidField('Merchant-Serial-Number', 'must be 4 to 6 digits')
  } else if (msn !== merchant.msn) {
    throw new ProblemError(
      403,
      'Merchant Not Allowed',
      `The credentials may not act for MSN ${msn}`,
      [{ name: 'Merchant-Serial-Number', reason: 'not linked to these credentials' }],
      'merchant-not-allowed',
    )
  }
  return merchant
}

/**
 * An onRequest hook that authenticates the caller and sets `request.merchant`.
 * Callback-style, not async: every API request runs it, and a promise per
 * request for work that never waits is measurable under load.
 *
 * @example
 * app.post('/epayment/v1/payments', { onRequest: gateway(ctx, { msn: 'required' }) }, handler)
 */
export function gateway(ctx: SandboxContext, options: GatewayOptions): onRequestHookHandler {
  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    let merchant: Merchant
    try {
      merchant = authenticatedMerchant(ctx, request, options)
    } catch (error) {
      return done(error as Error)
    }
    request.merchant = merchant
    // Outside the try: done() runs the rest of the request, whose errors are not the gateway's.
    done()
  }
}

/** The authenticated merchant; only inside a route protected by `gateway`. */
export function merchantOf(request: FastifyRequest): Merchant {
  if (!request.merchant) throw new Error('route is missing the gateway hook')
  return request.merchant
}
