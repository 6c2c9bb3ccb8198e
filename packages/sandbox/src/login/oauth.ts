/**
 * The OAuth edge of the Login API: form bodies, client authentication
 * (client_secret_basic and client_secret_post) and errors in the OAuth shape
 * `{error, error_description}` that RFC 6749 §5.2 and CIBA §13 prescribe for
 * the token and backchannel authentication endpoints.
 */
import { timingSafeEqual } from 'node:crypto'
import { VIPPS_SYSTEM_HEADERS } from '@kasse/vipps'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'

/**
 * An OAuth error answer. Throw it from a Login route; the route's error
 * handler (`oauthErrorHandler`) sends it.
 *
 * @example
 * throw new OAuthError(400, 'invalid_scope', 'scope must include openid')
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly extra: {
      /** Vipps' own code beside the standard one, e.g. `invalid_user`. */
      errorCode?: string
      headers?: Record<string, string>
    } = {},
  ) {
    super(`${error}: ${description}`)
    this.name = 'OAuthError'
  }

  toBody(): { error: string; error_description: string; error_code?: string } {
    return {
      error: this.error,
      error_description: this.description,
      ...(this.extra.errorCode ? { error_code: this.extra.errorCode } : {}),
    }
  }
}

/** `invalid_request` naming the parameter at fault. */
export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description)

/** OAuth answers must never be cached (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** Sends a JSON body the way the Login endpoints do (`application/json;charset=UTF-8`, never cached). */
export function sendOAuthJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .headers(NO_STORE)
    .type('application/json;charset=UTF-8')
    .send(JSON.stringify(body))
}

/**
 * A route-level error handler: OAuthError in the OAuth shape; anything else
 * goes on to the sandbox's own handler (a bug stays a logged 500).
 */
export function oauthErrorHandler(
  error: FastifyError | OAuthError,
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  if (!(error instanceof OAuthError)) throw error
  if (error.extra.headers) reply.headers(error.extra.headers)
  return sendOAuthJson(reply, error.status, error.toBody())
}

const firstHeader = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The form body as one value per parameter. The request must be form-encoded;
 * a parameter sent twice is refused (RFC 6749 §3.2), as is an empty value,
 * which OAuth treats as absent.
 */
export function parseForm(request: FastifyRequest): Map<string, string> {
  const type = firstHeader(request, 'content-type') ?? ''
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest('The body must be application/x-www-form-urlencoded')
  }
  const raw = typeof request.body === 'string' ? request.body : ''
  const form = new Map<string, string>()
  for (const [name, value] of new URLSearchParams(raw)) {
    if (form.has(name)) throw invalidRequest(`${name} is given more than once`)
    if (value !== '') form.set(name, value)
  }
  return form
}

const sameSecret = (a: string, b: string) => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** Credentials from `Authorization: Basic`, form-decoded as RFC 6749 §2.3.1 requires. */
function basicCredentials(header: string): { clientId: string; clientSecret: string } | undefined {
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const formDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '))
    } catch {
      return s
    }
  }
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) }
}

/**
 * Authenticates the sales unit by its client_id and client_secret, sent either
 * as Basic (the default) or in the form (client_secret_post). Both at once is
 * `invalid_request`; none, or wrong ones, is 401 `invalid_client`. The sandbox
 * accepts either method from every merchant, where the platform takes the one
 * set in the portal.
 *
 * The Login endpoints take no subscription key; a `Merchant-Serial-Number`,
 * when sent, must be the sales unit's own.
 */
export function authenticateClient(
  ctx: SandboxContext,
  request: FastifyRequest,
  form: Map<string, string>,
): Merchant {
  for (const name of VIPPS_SYSTEM_HEADERS) {
    const value = firstHeader(request, name)
    if (value !== undefined && value.length > 30)
      throw invalidRequest(`${name} must be at most 30 characters`)
  }
  const authorization = firstHeader(request, 'authorization')
  const inForm = form.has('client_id') || form.has('client_secret')
  const basic = authorization?.startsWith('Basic ')
  if (basic && inForm) {
    throw invalidRequest('Use one client authentication method: Basic or client_id/client_secret in the form')
  }
  const refuse = (description: string) =>
    new OAuthError(401, 'invalid_client', description, {
      ...(basic ? { headers: { 'www-authenticate': 'Basic realm="vipps-login"' } } : {}),
    })
  let credentials: { clientId: string; clientSecret: string } | undefined
  if (basic) {
    credentials = basicCredentials(authorization!)
    if (!credentials) throw refuse('The Basic credentials are not client_id:client_secret')
  } else if (inForm) {
    const clientId = form.get('client_id')
    const clientSecret = form.get('client_secret')
    if (!clientId || !clientSecret) throw refuse('client_secret_post needs both client_id and client_secret')
    credentials = { clientId, clientSecret }
  } else {
    throw refuse(
      authorization
        ? 'Only client_secret_basic and client_secret_post are supported'
        : 'Client authentication is missing: send Authorization: Basic, or client_id and client_secret in the form',
    )
  }
  const merchant = ctx.directory.merchantByClientId(credentials.clientId)
  if (!merchant || !sameSecret(merchant.clientSecret, credentials.clientSecret)) {
    throw refuse('Unknown client_id or wrong client_secret')
  }
  const msn = firstHeader(request, 'merchant-serial-number')
  if (msn !== undefined && msn !== '' && msn !== merchant.msn) {
    throw invalidRequest(`Merchant-Serial-Number ${msn} is not the sales unit of these client credentials`)
  }
  return merchant
}
