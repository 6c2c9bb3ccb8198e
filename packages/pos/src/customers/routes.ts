/**
 * Checking a phone number the cashier typed, before it is used to ask the
 * customer for payment: POST, so the number never appears in a URL or an
 * access log.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { PosError } from '../errors.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import { SaleParams, SaleView, saleView } from '../sales/routes.ts'
import { normalisePhoneNumber } from './phone-number.ts'

const Country = Type.Union([Type.Literal('NO'), Type.Literal('DK'), Type.Literal('FI')])

const SetCustomer = Type.Object(
  {
    phoneNumber: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'As the cashier typed it: spaces, +47, 0047, 040… are fine',
      }),
    ),
    personalQr: Type.Optional(
      Type.String({
        maxLength: 300,
        description: 'The complete content of the customer’s personal QR code, as the scanner typed it',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of phoneNumber and personalQr' },
)

export function customerRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()

  api.post(
    '/phone-numbers/normalise',
    {
      schema: {
        tags: ['customers'],
        summary: 'Validate a typed Norwegian, Danish or Finnish mobile number and give its MSISDN',
        description:
          'Without a country code the number is read as the store’s country. 400 INVALID_PHONE_NUMBER says what is wrong.',
        security: SIGNED_IN,
        body: Type.Object(
          {
            phoneNumber: Type.String({
              maxLength: 40,
              description: 'As typed: spaces, +47, 0047, 040… are fine',
            }),
            country: Type.Optional({
              ...Country,
              description: 'Read it as this country (default: the store’s)',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ msisdn: Type.String({ description: 'e.g. 4791234567' }), country: Country }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) =>
      normalisePhoneNumber(request.body.phoneNumber, request.body.country ?? actorOf(request).country),
  )

  api.put(
    '/sales/:saleId/customer',
    {
      schema: {
        tags: ['customers'],
        summary: 'Say who pays: a typed phone number, or the scanned personal QR (exchanged for the number)',
        description:
          'A wrong number is 400 INVALID_PHONE_NUMBER (field phoneNumber) with a message the cashier can act on; a code the platform does not recognise is 400 INVALID_PERSONAL_QR (field personalQr). The platform being unreachable is 503 PLATFORM_UNAVAILABLE. Only an open sale’s customer can change (409 SALE_NOT_EDITABLE while its payment request is under way).',
        security: SIGNED_IN,
        params: SaleParams,
        body: SetCustomer,
        response: { 200: SaleView, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      const { phoneNumber, personalQr } = request.body
      if ((phoneNumber === undefined) === (personalQr === undefined)) {
        throw new PosError('VALIDATION_FAILED', 'Give either phoneNumber or personalQr', {
          field: 'phoneNumber',
        })
      }
      const input = phoneNumber !== undefined ? { phoneNumber } : { personalQr: personalQr! }
      return saleView(await ctx.customers.setForSale(actorOf(request), request.params.saleId, input))
    },
  )

  api.delete(
    '/sales/:saleId/customer',
    {
      schema: {
        tags: ['customers'],
        summary: 'Take the customer off the sale',
        security: SIGNED_IN,
        params: SaleParams,
        response: { 200: SaleView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => saleView(await ctx.customers.clearForSale(actorOf(request), request.params.saleId)),
  )
}
