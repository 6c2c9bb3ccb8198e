/**
 * The control API for ePayment (`/_sandbox/...`): what the simulated phone and
 * the landing page do (list, approve, reject, scan, enter a number), listings
 * for tests and tools, and the run-time settings (payment lifetime, rate
 * limits). Every action on those pages exists here, so tests need no browser.
 */
import { MSISDN_PATTERN, Msisdn, type PaymentState, PaymentStateSchema } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import type { EPaymentService } from './service.ts'
import type { PaymentRecord } from './store.ts'
import { phonePayment } from './views.ts'

const UserParams = Type.Object({ msisdn: Type.String({ maxLength: 15 }) })
const UserPaymentParams = Type.Object({
  msisdn: Type.String({ maxLength: 15 }),
  msn: Type.String({ maxLength: 6 }),
  reference: Type.String({ maxLength: 50 }),
})
const PaymentParams = Type.Object({
  msn: Type.String({ maxLength: 6 }),
  reference: Type.String({ maxLength: 50 }),
})
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) })
const ScanBody = Type.Object({ content: Type.String({ minLength: 1, maxLength: 2048 }) })
const LandingUserBody = Type.Object({ msisdn: Msisdn })
const PaymentQuery = Type.Object({
  msn: Type.Optional(Type.String({ maxLength: 6 })),
  state: Type.Optional(PaymentStateSchema),
  msisdn: Type.Optional(Type.String({ pattern: MSISDN_PATTERN })),
})

const MAX_LIFETIME_MS = 28 * 86_400_000
const SettingsBody = Type.Object({
  /** How long new payments wait for the user before they expire. */
  paymentLifetimeMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIFETIME_MS })),
  rateLimits: Type.Optional(
    Type.Object({
      enabled: Type.Optional(Type.Boolean()),
      writesPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      readsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    }),
  ),
})
type SettingsBody = typeof SettingsBody.static

type Params<T extends { static: unknown }> = T['static']

/** Registers the ePayment control routes on the sandbox's app, acting through `service`. */
export function epaymentControlRoutes(
  app: FastifyInstance,
  ctx: SandboxContext,
  service: EPaymentService,
): void {
  const view = (payment: PaymentRecord) =>
    phonePayment(payment, ctx.directory.merchant(payment.msn)?.name ?? payment.msn)
  const list = (payments: PaymentRecord[]) => ({ payments: payments.map(view) })

  app.get('/_sandbox/users/:msisdn/payments', { schema: { params: UserParams } }, async (request) =>
    list(service.forUser((request.params as Params<typeof UserParams>).msisdn)),
  )

  // The user's two answers on the phone.
  const answers = { approve: service.approveAsUser, reject: service.rejectAsUser }
  for (const [answer, act] of Object.entries(answers)) {
    app.post(
      `/_sandbox/users/:msisdn/payments/:msn/:reference/${answer}`,
      { schema: { params: UserPaymentParams } },
      async (request) => {
        const { msisdn, msn, reference } = request.params as Params<typeof UserPaymentParams>
        return view(act.call(service, msisdn, msn, reference))
      },
    )
  }

  app.post(
    '/_sandbox/users/:msisdn/scan',
    { schema: { params: UserParams, body: ScanBody } },
    async (request) => {
      const { msisdn } = request.params as Params<typeof UserParams>
      return view(service.scan(msisdn, (request.body as Params<typeof ScanBody>).content))
    },
  )

  app.get('/_sandbox/landing/:token', { schema: { params: TokenParams } }, async (request) =>
    view(service.byToken((request.params as Params<typeof TokenParams>).token)),
  )

  app.post(
    '/_sandbox/landing/:token/user',
    { schema: { params: TokenParams, body: LandingUserBody } },
    async (request) => {
      const { token } = request.params as Params<typeof TokenParams>
      const { msisdn } = request.body as Params<typeof LandingUserBody>
      return view(service.attachFromLanding(token, msisdn))
    },
  )

  app.get('/_sandbox/payments', { schema: { querystring: PaymentQuery } }, async (request) => {
    const { msn, state, msisdn } = request.query as { msn?: string; state?: PaymentState; msisdn?: string }
    return list(
      service.list({ ...(msn ? { msn } : {}), ...(state ? { state } : {}), ...(msisdn ? { msisdn } : {}) }),
    )
  })

  app.get('/_sandbox/payments/:msn/:reference', { schema: { params: PaymentParams } }, async (request) => {
    const { msn, reference } = request.params as Params<typeof PaymentParams>
    const payment = service.get(msn, reference)
    return { ...view(payment), events: payment.events }
  })

  const settings = () => ({
    paymentLifetimeMs: ctx.config.paymentLifetimeMs,
    rateLimits: ctx.config.rateLimits,
  })

  app.get('/_sandbox/settings', async () => settings())

  app.patch('/_sandbox/settings', { schema: { body: SettingsBody } }, async (request) => {
    // An empty body changes nothing and shows the settings.
    const body = (request.body ?? {}) as SettingsBody
    if (body.paymentLifetimeMs !== undefined) ctx.config.paymentLifetimeMs = body.paymentLifetimeMs
    if (body.rateLimits) ctx.config.rateLimits = { ...ctx.config.rateLimits, ...body.rateLimits }
    return settings()
  })
}
