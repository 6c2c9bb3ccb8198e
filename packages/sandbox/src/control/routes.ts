/**
 * The control API's platform-wide part (`/_sandbox/...`): health, the clock,
 * reset, merchants and users. Each API module adds its own control routes
 * (payments, webhook deliveries, acting as a user) beside its routes.
 */
import { CURRENCIES } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import type { Merchant, User } from '../directory/directory.ts'
import { ProblemError } from '../http/problem.ts'

const MerchantBody = Type.Object({
  msn: Type.String({ pattern: '^[0-9]{4,6}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  clientId: Type.String({ minLength: 1, maxLength: 200 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 200 }),
  subscriptionKey: Type.String({ minLength: 1, maxLength: 200 }),
  currency: Type.Union(CURRENCIES.map((c) => Type.Literal(c))),
})

const UserBody = Type.Object({
  msisdn: Type.String({ pattern: '^\\d{10,15}$' }),
  givenName: Type.String({ minLength: 1, maxLength: 100 }),
  familyName: Type.String({ minLength: 1, maxLength: 100 }),
  email: Type.String({ maxLength: 200, default: '' }),
  birthDate: Type.String({ maxLength: 10, default: '' }),
  address: Type.Object(
    {
      streetAddress: Type.String({ maxLength: 200, default: '' }),
      postalCode: Type.String({ maxLength: 20, default: '' }),
      region: Type.String({ maxLength: 100, default: '' }),
      country: Type.String({ maxLength: 2, default: '' }),
    },
    { default: {} },
  ),
})

const AdvanceBody = Type.Object({
  /** How far to move the clock, e.g. 600000 for ten minutes. */
  ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 * 24 * 3600_000 })),
  seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 * 24 * 3600 })),
  minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 * 24 * 60 })),
  days: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
})

/** A merchant as the control API shows it: the secret stays out of listings. */
const publicMerchant = ({ clientSecret: _secret, ...merchant }: Merchant) => merchant

export function controlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/_sandbox/health', async () => ({ status: 'ok', time: new Date(ctx.clock.now()).toISOString() }))

  app.get('/_sandbox/clock', async () => ({
    now: new Date(ctx.clock.now()).toISOString(),
    epochMs: ctx.clock.now(),
  }))

  app.post('/_sandbox/clock/advance', { schema: { body: AdvanceBody } }, async (request) => {
    const { ms = 0, seconds = 0, minutes = 0, days = 0 } = request.body as typeof AdvanceBody.static
    const total = ms + seconds * 1000 + minutes * 60_000 + days * 86_400_000
    ctx.clock.advance(total)
    return { now: new Date(ctx.clock.now()).toISOString(), epochMs: ctx.clock.now(), advancedMs: total }
  })

  app.post('/_sandbox/reset', async () => {
    ctx.reset()
    return { status: 'reset' }
  })

  app.get('/_sandbox/merchants', async () => ({
    merchants: ctx.directory.listMerchants().map(publicMerchant),
  }))

  app.put('/_sandbox/merchants/:msn', { schema: { body: MerchantBody } }, async (request) => {
    const body = request.body as Merchant
    const { msn } = request.params as { msn: string }
    if (body.msn !== msn) throw new ProblemError(400, 'Bad Request', 'msn in the body must match the path')
    return publicMerchant(ctx.directory.upsertMerchant(body))
  })

  app.get('/_sandbox/users', async () => ({ users: ctx.directory.listUsers() }))

  app.get('/_sandbox/users/:msisdn', async (request) => {
    const { msisdn } = request.params as { msisdn: string }
    const user = ctx.directory.user(msisdn)
    if (!user) throw new ProblemError(404, 'User not found', `No sandbox user has the number ${msisdn}`)
    return user
  })

  app.put('/_sandbox/users/:msisdn', { schema: { body: UserBody } }, async (request) => {
    const body = request.body as User
    const { msisdn } = request.params as { msisdn: string }
    if (body.msisdn !== msisdn)
      throw new ProblemError(400, 'Bad Request', 'msisdn in the body must match the path')
    return ctx.directory.upsertUser(body)
  })
}
