/**
 * `POST /accesstoken/get`: credentials in headers, no body (any content type is
 * tolerated), every field of the answer a string, the expiry on the sandbox clock.
 */
import type { AccessTokenResponse } from '@kasse/vipps'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { checkSystemHeaders, merchantForSubscriptionKey } from '../http/gateway.ts'

/** The `resource` claim the platform puts in every token answer. */
const RESOURCE = '00000002-0000-0000-c000-000000000000'

export function accessTokenRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const handler = async (
    request: import('fastify').FastifyRequest,
    reply: import('fastify').FastifyReply,
  ) => {
    const merchant = merchantForSubscriptionKey(ctx, request)
    checkSystemHeaders(request)
    const clientId = request.headers.client_id
    const clientSecret = request.headers.client_secret
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || !clientId || !clientSecret) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: 'The client_id and client_secret headers are required.',
      })
    }
    // The same answer for an unknown client and a wrong secret: say nothing about which.
    if (clientId !== merchant.clientId || clientSecret !== merchant.clientSecret) {
      return reply.code(401).send({
        error: 'unauthorized_client',
        error_description: 'The client_id or client_secret is wrong for this subscription key.',
      })
    }
    const { token, claims } = ctx.tokens.issue(merchant.clientId)
    const lifetime = String(claims.exp - claims.iat)
    const body: AccessTokenResponse = {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      expires_on: String(claims.exp),
      not_before: String(claims.nbf),
      resource: RESOURCE,
      access_token: token,
    }
    return reply.type('application/json;charset=UTF-8').send(body)
  }
  // The documentation spells it both ways; real clients use both.
  app.post('/accesstoken/get', handler)
  app.post('/accessToken/get', handler)
}
