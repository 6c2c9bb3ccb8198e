/**
 * The control API for eCom (`/_sandbox/...`): what the simulated phone and the
 * landing page do with eCom orders (list, approve with a shipping choice,
 * reject, enter a number, withdraw a consent), and listings for tests and
 * tools, including every call the sandbox made to a merchant. Answers and
 * refusals are the control API's (JSON and problem+json), not eCom's.
 */
import { literals, MSISDN_PATTERN, Msisdn } from '@kasse/vipps'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { EcomRefusal } from './errors.ts'
import { ECOM_ORDER_STATES, type EcomOrderState } from './machine.ts'
import { MERCHANT_CALL_KINDS, type MerchantCallKind } from './merchant-calls.ts'
import type { EcomService } from './service.ts'
import type { EcomOrderRecord } from './store.ts'
import { phoneOrder } from './views.ts'

const UserParams = Type.Object({ msisdn: Type.String({ maxLength: 15 }) })
const UserOrderParams = Type.Object({
  msisdn: Type.String({ maxLength: 15 }),
  msn: Type.String({ maxLength: 6 }),
  orderId: Type.String({ maxLength: 50 }),
})
const UserMerchantParams = Type.Object({
  msisdn: Type.String({ maxLength: 15 }),
  msn: Type.String({ maxLength: 6 }),
})
const OrderParams = Type.Object({
  msn: Type.String({ maxLength: 6 }),
  orderId: Type.String({ maxLength: 50 }),
})
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) })
const ApproveBody = Type.Object({
  /** Express: the option the user chose; the preselected default when left out. */
  shippingMethodId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
})
const LandingUserBody = Type.Object({ msisdn: Msisdn })
const OrderQuery = Type.Object({
  msn: Type.Optional(Type.String({ maxLength: 6 })),
  state: Type.Optional(literals(ECOM_ORDER_STATES)),
  msisdn: Type.Optional(Type.String({ pattern: MSISDN_PATTERN })),
})
const CallQuery = Type.Object({
  msn: Type.Optional(Type.String({ maxLength: 6 })),
  orderId: Type.Optional(Type.String({ maxLength: 50 })),
  kind: Type.Optional(literals(MERCHANT_CALL_KINDS)),
})

type Params<T extends { static: unknown }> = T['static']

/** eCom refusals reach the control API as problem+json, like every other `/_sandbox` error. */
function asProblem(error: FastifyError | Error): never {
  throw error instanceof EcomRefusal ? error.toProblem() : error
}

/** Registers the eCom control routes on the sandbox's app, acting through `service`. */
export function ecomControlRoutes(app: FastifyInstance, ctx: SandboxContext, service: EcomService): void {
  const view = (order: EcomOrderRecord) =>
    phoneOrder(
      order,
      ctx.directory.merchant(order.msn)?.name ?? order.msn,
      order.msisdn ? ctx.directory.user(order.msisdn) : undefined,
    )
  const withLog = (order: EcomOrderRecord) => ({
    ...view(order),
    transactionLogHistory: [...order.log].reverse(),
  })
  const control = { errorHandler: asProblem }

  app.get(
    '/_sandbox/users/:msisdn/ecom-orders',
    { ...control, schema: { params: UserParams } },
    async function userEcomOrders(request) {
      const orders = service.forUser((request.params as Params<typeof UserParams>).msisdn)
      return {
        pending: orders.filter((order) => order.state === 'INITIATED').map(view),
        history: orders.filter((order) => order.state !== 'INITIATED').map(view),
      }
    },
  )

  app.post(
    '/_sandbox/users/:msisdn/ecom-orders/:msn/:orderId/approve',
    { ...control, schema: { params: UserOrderParams, body: ApproveBody } },
    async function approveEcomOrder(request) {
      const { msisdn, msn, orderId } = request.params as Params<typeof UserOrderParams>
      const { shippingMethodId } = (request.body ?? {}) as Params<typeof ApproveBody>
      return view(service.approveAsUser(msisdn, msn, orderId, shippingMethodId))
    },
  )

  app.post(
    '/_sandbox/users/:msisdn/ecom-orders/:msn/:orderId/reject',
    { ...control, schema: { params: UserOrderParams } },
    async function rejectEcomOrder(request) {
      const { msisdn, msn, orderId } = request.params as Params<typeof UserOrderParams>
      return view(service.rejectAsUser(msisdn, msn, orderId))
    },
  )

  app.get(
    '/_sandbox/users/:msisdn/ecom-consents',
    { ...control, schema: { params: UserParams } },
    async function userEcomConsents(request) {
      const { msisdn } = request.params as Params<typeof UserParams>
      const consents = service.consents(msisdn).map((consent) => ({
        msn: consent.msn,
        merchantName: ctx.directory.merchant(consent.msn)?.name ?? consent.msn,
        userId: consent.userId,
        givenAt: new Date(consent.givenAt).toISOString(),
      }))
      return { consents }
    },
  )

  app.post(
    '/_sandbox/users/:msisdn/ecom-consents/:msn/remove',
    { ...control, schema: { params: UserMerchantParams } },
    async function removeEcomConsent(request, reply) {
      const { msisdn, msn } = request.params as Params<typeof UserMerchantParams>
      return reply.code(202).send({ call: service.removeConsent(msisdn, msn) })
    },
  )

  app.get(
    '/_sandbox/ecom/landing/:token',
    { ...control, schema: { params: TokenParams } },
    async function ecomLandingOrder(request) {
      return view(service.byToken((request.params as Params<typeof TokenParams>).token))
    },
  )

  app.post(
    '/_sandbox/ecom/landing/:token/user',
    { ...control, schema: { params: TokenParams, body: LandingUserBody } },
    async function sendEcomOrderToPhone(request) {
      const { token } = request.params as Params<typeof TokenParams>
      const { msisdn } = request.body as Params<typeof LandingUserBody>
      return view(service.attachFromLanding(token, msisdn))
    },
  )

  app.get(
    '/_sandbox/ecom/orders',
    { ...control, schema: { querystring: OrderQuery } },
    async function ecomOrders(request) {
      const { msn, state, msisdn } = request.query as {
        msn?: string
        state?: EcomOrderState
        msisdn?: string
      }
      const orders = service.list({
        ...(msn ? { msn } : {}),
        ...(state ? { state } : {}),
        ...(msisdn ? { msisdn } : {}),
      })
      return { orders: orders.map(withLog) }
    },
  )

  app.get(
    '/_sandbox/ecom/orders/:msn/:orderId',
    { ...control, schema: { params: OrderParams } },
    async function ecomOrder(request) {
      const { msn, orderId } = request.params as Params<typeof OrderParams>
      const order = service.get(msn, orderId)
      return { ...withLog(order), callbacks: service.calls.list({ msn, orderId }) }
    },
  )

  app.get(
    '/_sandbox/ecom/callbacks',
    { ...control, schema: { querystring: CallQuery } },
    async function merchantCalls(request) {
      const { msn, orderId, kind } = request.query as {
        msn?: string
        orderId?: string
        kind?: MerchantCallKind
      }
      return {
        callbacks: service.calls.list({
          ...(msn ? { msn } : {}),
          ...(orderId ? { orderId } : {}),
          ...(kind ? { kind } : {}),
        }),
      }
    },
  )
}
