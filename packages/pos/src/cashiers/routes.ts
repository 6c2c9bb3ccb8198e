/** Signing in and out at a till: POST, GET and DELETE /api/session. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { actorOf, SESSION_COOKIE } from '../http/auth.ts'
import { errors, SIGNED_IN, Timestamp } from '../http/schemas.ts'
import { PIN_PATTERN } from './pin.ts'
import type { Actor } from './service.ts'

const SignIn = Type.Object(
  {
    posId: Type.String({ minLength: 1, maxLength: 50, description: 'The till, e.g. till-1' }),
    staffNumber: Type.String({ pattern: '^[0-9]{1,10}$', description: 'The cashier’s staff number' }),
    pin: Type.String({ pattern: PIN_PATTERN, description: '4 to 8 digits' }),
  },
  { additionalProperties: false },
)

export const SessionView = Type.Object({
  cashier: Type.Object({
    id: Type.String(),
    name: Type.String(),
    role: Type.Union([Type.Literal('cashier'), Type.Literal('manager')]),
  }),
  till: Type.Object({ posId: Type.String(), name: Type.String() }),
  store: Type.Object({
    id: Type.String(),
    name: Type.String(),
    msn: Type.String(),
    currency: Type.String(),
    country: Type.String(),
  }),
  csrfToken: Type.String({
    description: 'Send it as the x-kasse-csrf header on every request that changes something',
  }),
  expiresAt: Timestamp,
})

function sessionView(actor: Actor): Static<typeof SessionView> {
  return {
    cashier: { id: actor.cashierId, name: actor.cashierName, role: actor.role },
    till: { posId: actor.posId, name: actor.tillName },
    store: {
      id: actor.storeId,
      name: actor.storeName,
      msn: actor.msn,
      currency: actor.currency,
      country: actor.country,
    },
    csrfToken: actor.csrfToken,
    expiresAt: actor.expiresAt.toISOString(),
  }
}

export function sessionRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()

  api.post(
    '/session',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in at a till with staff number and PIN',
        description:
          'Sets the HttpOnly session cookie. Five wrong PINs in a row lock the till for five minutes (429 TILL_LOCKED with Retry-After). Signing in ends the session open at that till before.',
        body: SignIn,
        response: { 201: SessionView, ...errors(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { token, actor } = await ctx.cashiers.signIn(request.body)
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.cookieSecure,
        maxAge: Math.floor(ctx.cashiers.sessionLifetimeMs / 1000),
      })
      return reply.code(201).send(sessionView(actor))
    },
  )

  api.get(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in at this till',
        security: SIGNED_IN,
        response: { 200: SessionView, ...errors(401) },
      },
    },
    async (request) => sessionView(actorOf(request)),
  )

  api.delete(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out',
        security: SIGNED_IN,
        response: { 204: Type.Null(), ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      await ctx.cashiers.signOut(actorOf(request))
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.code(204).send(null)
    },
  )
}
