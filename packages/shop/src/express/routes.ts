/**
 * Hurtigkasse (eCom v2 express checkout): the product page's button, and the
 * three endpoints Vipps MobilePay calls on the shop under the callback prefix:
 *
 * - `POST {prefix}/v2/payments/:orderId/shippingDetails`: the shop's shipping
 *   methods and prices for the user's address;
 * - `POST {prefix}/v2/payments/:orderId`: the outcome, with the user, the
 *   address and the chosen shipping;
 * - `DELETE {prefix}/v2/consents/:userId`: the user withdrew consent.
 *
 * Each must carry, as `Authorization`, the authToken the shop gave that order;
 * anything else is refused (401) before the body is looked at.
 */
import { timingSafeEqual } from 'node:crypto'
import {
  EcomExpressCallback,
  EcomRegularCallback,
  EcomShippingDetailsRequest,
  type EcomShippingDetailsResponse,
  schemaIssues,
} from '@kasse/vipps'
import { eq } from 'drizzle-orm'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { integerField } from '../cart/routes.ts'
import { shippingMethodsFor } from '../checkout/shipping.ts'
import type { ShopContext } from '../context.ts'
import { order, payment } from '../db/schema.ts'
import { ShopError } from '../errors.ts'
import { oreToKroner } from '../money.ts'
import { authTokenHash, ECOM_CALLBACK_PATH } from '../orders/service.ts'
import { orderIdByReference } from '../orders/store.ts'
import { expressDetails } from '../payments/ecom.ts'
import type { PaymentStatus } from '../payments/gateway.ts'
import type { FormBody } from '../web/http.ts'

export function expressRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.post('/produkt/:id/hurtigkasse', async function expressCheckout(request, reply) {
    const { id } = request.params as { id: string }
    const product = await ctx.catalogue.get(id)
    const quantity = integerField((request.body ?? {}) as FormBody, 'quantity', 1)
    const view = await ctx.orders.placeExpressOrder(product, quantity)
    const outcome = await ctx.orders.startPayment(view.order.id)
    if (outcome.kind === 'redirect') return reply.redirect(outcome.url, 303)
    return reply.redirect(`/ordre/${view.order.id}/retur`, 303)
  })

  app.post(
    `${ECOM_CALLBACK_PATH}/v2/payments/:orderId/shippingDetails`,
    async function shippingDetails(request) {
      const orderId = await authorizedOrder(ctx, request)
      const body = checked(EcomShippingDetailsRequest, request.body) as EcomShippingDetailsRequest
      const answer: EcomShippingDetailsResponse = {
        addressId: body.addressId,
        orderId,
        shippingDetails: shippingMethodsFor(body.postCode).map((method, index) => ({
          isDefault: method.isDefault ? 'Y' : 'N',
          priority: index,
          shippingCost: oreToKroner(method.price),
          shippingMethod: method.name,
          shippingMethodId: method.id,
        })),
      }
      return answer
    },
  )

  app.post(`${ECOM_CALLBACK_PATH}/v2/payments/:orderId`, async function paymentCallback(request, reply) {
    const orderId = await authorizedOrder(ctx, request)
    const id = (await orderIdByReference(ctx.db, orderId))!
    const status = callbackStatus(request.body)
    await ctx.orders.applyStatus(id, status)
    return reply.code(200).send()
  })

  app.delete(`${ECOM_CALLBACK_PATH}/v2/consents/:userId`, async function consentRemoval(request, reply) {
    const { userId } = request.params as { userId: string }
    const orders = await ctx.db
      .select({ id: order.id, tokenHash: payment.authTokenHash })
      .from(order)
      .innerJoin(payment, eq(payment.orderId, order.id))
      .where(eq(order.ecomUserId, userId))
    // The platform sends the authToken of the order that gave the consent: it must match one of the user's.
    if (orders.length > 0 && !orders.some((o) => tokenMatches(request, o.tokenHash))) throw unauthorized()
    const cleaned = await ctx.orders.removePersonalData(orders.map((o) => o.id))
    request.log.info({ orders: orders.length, cleaned }, 'consent removed')
    return reply.code(200).send()
  })
}

/** The eCom orderId in the path, once the request carries that order's authToken. */
async function authorizedOrder(ctx: ShopContext, request: FastifyRequest): Promise<string> {
  const { orderId } = request.params as { orderId: string }
  const [found] = await ctx.db
    .select({ tokenHash: payment.authTokenHash })
    .from(payment)
    .where(eq(payment.reference, orderId))
  // Unknown order or wrong token: the same answer, so a caller learns nothing about which orders exist.
  if (!found || !tokenMatches(request, found.tokenHash)) throw unauthorized()
  return orderId
}

function tokenMatches(request: FastifyRequest, expectedHash: string | null): boolean {
  const given = request.headers.authorization
  if (!expectedHash || typeof given !== 'string' || given === '') return false
  return timingSafeEqual(Buffer.from(authTokenHash(given)), Buffer.from(expectedHash))
}

const unauthorized = () =>
  new ShopError('UNAUTHORIZED', 'Authorization must be the authToken the shop gave this order')

/** The body checked against the contract, or a 400 naming the first field that breaks it. */
function checked(schema: Parameters<typeof schemaIssues>[0], body: unknown): unknown {
  const [issue] = schemaIssues(schema, body)
  if (issue)
    throw new ShopError('VALIDATION_FAILED', `${issue.field}: ${issue.message}`, { field: issue.field })
  return body
}

/** The callback as the payment's status: express bodies carry the user and the delivery. */
function callbackStatus(body: unknown): PaymentStatus {
  const express = schemaIssues(EcomExpressCallback, body).length === 0
  const callback = (express ? body : checked(EcomRegularCallback, body)) as
    | EcomRegularCallback
    | EcomExpressCallback
  const { status, amount } = callback.transactionInfo
  switch (status) {
    case 'RESERVE':
    case 'RESERVED':
    case 'SALE': {
      const details =
        'shippingDetails' in callback
          ? expressDetails(callback.shippingDetails, callback.userDetails)
          : undefined
      return { kind: 'authorized', amount, ...(details ? { express: details } : {}) }
    }
    case 'CANCELLED':
      return { kind: 'failed', failure: 'rejected' }
    case 'REJECTED':
      return { kind: 'failed', failure: 'expired' }
    default: {
      const never: never = status
      throw new ShopError('VALIDATION_FAILED', `transactionInfo.status ${String(never)} is unknown`, {
        field: 'transactionInfo.status',
      })
    }
  }
}
