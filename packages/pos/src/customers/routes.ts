/**
 * Checking a phone number the cashier typed, before it is used to ask the
 * customer for payment: POST, so the number never appears in a URL or an
 * access log.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import { normalisePhoneNumber } from './phone-number.ts'

const Country = Type.Union([Type.Literal('NO'), Type.Literal('DK'), Type.Literal('FI')])

export function customerRoutes(app: FastifyInstance, _ctx: PosContext): void {
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
}
