/**
 * The Login API at the HTTP edge: OpenID discovery and JWKS, the CIBA
 * backchannel authentication endpoint, the token endpoint (CIBA poll and the
 * `login_to_webpage` code) and userinfo. The domain is in service.ts.
 *
 * These endpoints authenticate the sales unit with its client_id/secret (or a
 * user access token for userinfo), not with the merchant's access token and
 * subscription key, and answer errors in the OAuth shape, not problem+json.
 */
import { randomUUID } from 'node:crypto'
import {
  CIBA_GRANT_TYPE,
  CIBA_REDIRECT_GRANT_TYPE,
  type JsonWebKeySet,
  LOGIN_PATHS,
  type OpenIdConfiguration,
} from '@kasse/vipps'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { isValidConsentTexts } from './consents.ts'
import { loginControlRoutes } from './control-routes.ts'
import {
  authenticateClient,
  invalidRequest,
  OAuthError,
  oauthErrorHandler,
  parseForm,
  sendOAuthJson,
} from './oauth.ts'
import { GRANTABLE_SCOPES } from './scopes.ts'
import { LoginService } from './service.ts'

/** The claims userinfo and the ID token can carry. */
const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'iat',
  'exp',
  'auth_time',
  'nonce',
  'auth_req_id',
  'name',
  'given_name',
  'family_name',
  'email',
  'email_verified',
  'phone_number',
  'address',
  'other_addresses',
  'birthdate',
  'delegatedConsents',
]

/** The discovery document, with every endpoint at the sandbox's own origin. */
export function openIdConfiguration(publicUrl: string, issuer: string): OpenIdConfiguration {
  const at = (path: string) => `${publicUrl}${path}`
  return {
    issuer,
    authorization_endpoint: at(LOGIN_PATHS.authorize),
    token_endpoint: at(LOGIN_PATHS.token),
    jwks_uri: at(LOGIN_PATHS.jwks),
    userinfo_endpoint: at(LOGIN_PATHS.userinfo),
    backchannel_authentication_endpoint: at(LOGIN_PATHS.cibaAuthentication),
    backchannel_token_delivery_modes_supported: ['poll'],
    backchannel_user_code_parameter_supported: false,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // Each merchant sees its own `sub` for the same user.
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: [CIBA_GRANT_TYPE, CIBA_REDIRECT_GRANT_TYPE],
    scopes_supported: [...GRANTABLE_SCOPES],
    claims_supported: CLAIMS_SUPPORTED,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }
}

/**
 * Userinfo's refusal of a missing or bad token: 401 with the Bearer challenge
 * of RFC 6750, and a body in the Userinfo API's error shape (its `status` is
 * a string there).
 */
function refuseUserinfo(reply: FastifyReply, detail: string, tokenGiven: boolean): FastifyReply {
  const challenge = tokenGiven
    ? `Bearer error="invalid_token", error_description="${detail}"`
    : 'Bearer realm="vipps-userinfo-api"'
  return reply
    .code(401)
    .header('www-authenticate', challenge)
    .type('application/json;charset=UTF-8')
    .send(
      JSON.stringify({
        type: 'https://developer.vippsmobilepay.com/docs/knowledge-base/errors',
        title: 'Unauthorized',
        status: '401',
        detail,
        instance: randomUUID(),
      }),
    )
}

/** Registers the Login API and its control routes, with one service per sandbox. */
export function loginRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  // A bad consent screen in a config file is a mistake to hear of at start, not on the phone.
  for (const merchant of ctx.config.merchants) {
    if (merchant.consents !== undefined && !isValidConsentTexts(merchant.consents)) {
      throw new Error(
        `merchant ${merchant.msn}: consents must be {language, heading, text, termsDescription, confirmConsentButtonText, links, consents: [{id, required, textDisplayedToUser}]}`,
      )
    }
  }
  const service = new LoginService(ctx)
  ctx.onReset(() => service.reset())

  app.get(LOGIN_PATHS.discovery, async function discovery(_request, reply) {
    return sendOAuthJson(reply, 200, openIdConfiguration(ctx.publicUrl, service.issuer()))
  })

  app.get(LOGIN_PATHS.jwks, async function jwks(_request, reply) {
    const body: JsonWebKeySet = { keys: [service.signer.publicJwk()] }
    return reply.type('application/json;charset=UTF-8').send(JSON.stringify(body))
  })

  app.post(
    LOGIN_PATHS.cibaAuthentication,
    { errorHandler: oauthErrorHandler },
    async function backchannelAuthentication(request, reply) {
      const form = parseForm(request)
      const merchant = authenticateClient(ctx, request, form)
      return sendOAuthJson(reply, 200, service.start(merchant, form))
    },
  )

  app.post(LOGIN_PATHS.token, { errorHandler: oauthErrorHandler }, async function token(request, reply) {
    const form = parseForm(request)
    const merchant = authenticateClient(ctx, request, form)
    const grantType = form.get('grant_type')
    switch (grantType) {
      case CIBA_GRANT_TYPE: {
        const authReqId = form.get('auth_req_id')
        if (!authReqId) throw invalidRequest('auth_req_id is required with the CIBA grant')
        return sendOAuthJson(reply, 200, service.poll(merchant, authReqId))
      }
      case CIBA_REDIRECT_GRANT_TYPE: {
        const code = form.get('code')
        if (!code) throw invalidRequest(`code is required with ${CIBA_REDIRECT_GRANT_TYPE}`)
        return sendOAuthJson(reply, 200, service.exchangeCode(merchant, code))
      }
      case undefined:
        throw invalidRequest('grant_type is required')
      case 'authorization_code':
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          'The sandbox does not simulate the browser login flow; use CIBA (login from phone number)',
        )
      default:
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`)
    }
  })

  // The guides call it without a trailing slash, the Userinfo spec with one; both answer.
  for (const path of [LOGIN_PATHS.userinfo, `${LOGIN_PATHS.userinfo}/`]) {
    app.get(path, async function userinfo(request: FastifyRequest, reply) {
      const authorization = request.headers.authorization
      if (!authorization)
        return refuseUserinfo(reply, 'The Authorization header with a Bearer token is missing', false)
      const token = authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : ''
      const claims = token ? service.userinfo(token) : undefined
      if (!claims) return refuseUserinfo(reply, 'The access token is invalid or has expired', true)
      return reply
        .header('cache-control', 'no-store')
        .type('application/json;charset=UTF-8')
        .send(JSON.stringify(claims))
    })
  }

  loginControlRoutes(app, ctx, service)
}
