/**
 * Who is asking. Every /api route needs a signed-in cashier unless it says
 * `config: { auth: 'public' }`. The session travels in an HttpOnly,
 * SameSite=Strict cookie; a request that changes anything must also carry the
 * session's CSRF token in the `x-kasse-csrf` header, which a page on another
 * origin can neither read nor send without the till's consent (CORS).
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../cashiers/service.ts'
import type { PosContext } from '../context.ts'
import { PosError } from '../errors.ts'

export const SESSION_COOKIE = 'kasse_session'
export const CSRF_HEADER = 'x-kasse-csrf'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'public' routes need no session; every other /api route does. */
    auth?: 'public'
  }
  interface FastifyRequest {
    actor: Actor | null
  }
}

/** The signed-in cashier of a request on a route that requires one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new PosError('NOT_SIGNED_IN', 'Sign in at the till first')
  return request.actor
}

/** Adds the session check to every route registered on `api` (an encapsulated scope). */
export function requireSignedIn(api: FastifyInstance, ctx: PosContext): void {
  api.decorateRequest('actor', null)
  api.addHook('onRequest', async function requireSession(request: FastifyRequest, reply: FastifyReply) {
    if (request.routeOptions.config.auth === 'public') return
    const actor = await ctx.cashiers.actorFor(request.cookies[SESSION_COOKIE])
    if (!actor) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      throw new PosError('NOT_SIGNED_IN', 'Sign in at the till first (the session has ended or never began)')
    }
    if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers[CSRF_HEADER], actor.csrfToken)) {
      throw new PosError(
        'CSRF_TOKEN_INVALID',
        `A request that changes something needs the session's token in the ${CSRF_HEADER} header`,
      )
    }
    request.actor = actor
  })
}

function sameToken(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false
  const a = Buffer.from(sent)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
