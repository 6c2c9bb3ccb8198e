/**
 * The control API for Login (`/_sandbox/...`): what the simulated phone does
 * with a login request (list, accept with consents, reject), a listing for
 * tests and tools, and each merchant's consent screen. Every action on the
 * phone page exists here, so tests need no browser.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CONSENT_IDS, type MerchantConsentTexts } from '../config.ts'
import type { SandboxContext } from '../context.ts'
import type { Merchant } from '../directory/directory.ts'
import { ProblemError } from '../http/problem.ts'
import { type ConsentAnswers, ConsentTextsSchema } from './consents.ts'
import type { LoginService } from './service.ts'
import type { LoginRecord } from './store.ts'
import { phoneLogin } from './views.ts'

const UserParams = Type.Object({ msisdn: Type.String({ maxLength: 15 }) })
const UserLoginParams = Type.Object({
  msisdn: Type.String({ maxLength: 15 }),
  authReqId: Type.String({ minLength: 1, maxLength: 100 }),
})
const MerchantParams = Type.Object({ msn: Type.String({ maxLength: 6 }) })
const LoginQuery = Type.Object({
  msn: Type.Optional(Type.String({ maxLength: 6 })),
  msisdn: Type.Optional(Type.String({ maxLength: 15 })),
})
/** The user's answer: for each consent on the screen, whether they ticked it. */
const AcceptBody = Type.Object(
  {
    consents: Type.Optional(
      // Open: an id the merchant did not ask for is refused by the service, which names it.
      Type.Object(Object.fromEntries(CONSENT_IDS.map((id) => [id, Type.Optional(Type.Boolean())]))),
    ),
  },
  { additionalProperties: false },
)

type Params<T extends { static: unknown }> = T['static']

// Reject (and accept without consents) may come with no body at all; validate them as `{}`.
async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {}
}

/** Registers the Login control routes on the sandbox's app, acting through `service`. */
export function loginControlRoutes(app: FastifyInstance, ctx: SandboxContext, service: LoginService): void {
  const view = (login: LoginRecord) =>
    phoneLogin(login, ctx.directory.merchant(login.msn)?.name ?? login.msn, service.redirectUrl(login))
  const list = (logins: LoginRecord[]) => ({ logins: logins.map(view) })
  const merchantOr404 = (msn: string): Merchant => {
    const merchant = ctx.directory.merchant(msn)
    if (!merchant) throw new ProblemError(404, 'Merchant not found', `No sandbox merchant has MSN ${msn}`)
    return merchant
  }

  app.get('/_sandbox/users/:msisdn/logins', { schema: { params: UserParams } }, async (request) =>
    list(service.forUser((request.params as Params<typeof UserParams>).msisdn)),
  )

  app.post(
    '/_sandbox/users/:msisdn/logins/:authReqId/accept',
    { preValidation: emptyBodyAsObject, schema: { params: UserLoginParams, body: AcceptBody } },
    async (request) => {
      const { msisdn, authReqId } = request.params as Params<typeof UserLoginParams>
      const { consents = {} } = request.body as { consents?: ConsentAnswers }
      return view(service.accept(msisdn, authReqId, consents))
    },
  )

  app.post(
    '/_sandbox/users/:msisdn/logins/:authReqId/reject',
    { schema: { params: UserLoginParams } },
    async (request) => {
      const { msisdn, authReqId } = request.params as Params<typeof UserLoginParams>
      return view(service.reject(msisdn, authReqId))
    },
  )

  app.get('/_sandbox/logins', { schema: { querystring: LoginQuery } }, async (request) => {
    const { msn, msisdn } = request.query as Params<typeof LoginQuery>
    return list(service.list({ ...(msn ? { msn } : {}), ...(msisdn ? { msisdn } : {}) }))
  })

  app.get('/_sandbox/merchants/:msn/consents', { schema: { params: MerchantParams } }, async (request) =>
    service.consentScreens.forMerchant(merchantOr404((request.params as Params<typeof MerchantParams>).msn)),
  )

  app.put(
    '/_sandbox/merchants/:msn/consents',
    { schema: { params: MerchantParams, body: ConsentTextsSchema } },
    async (request) => {
      const merchant = merchantOr404((request.params as Params<typeof MerchantParams>).msn)
      service.consentScreens.set(merchant.msn, request.body as MerchantConsentTexts)
      return service.consentScreens.forMerchant(merchant)
    },
  )
}
