/**
 * The customer club over HTTP: the membership check, the member pages,
 * withdrawing consents, deleting a member (manager), and enrolment by
 * consent on the customer's phone (CIBA), which the screen follows on
 * GET /api/events (`enrolment` events).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PosContext } from '../context.ts'
import { displayMsisdn } from '../customers/display.ts'
import { normalisePhoneNumber } from '../customers/phone-number.ts'
import { actorOf } from '../http/auth.ts'
import { errors, SIGNED_IN } from '../http/schemas.ts'
import {
  Enrolment,
  enrolmentView,
  MemberDetail,
  MemberSummary,
  memberDetailView,
  memberSummaryView,
} from './views.ts'

const Id = Type.String({ minLength: 1, maxLength: 64 })
const MemberParams = Type.Object({ memberId: Id })
const ConsentParams = Type.Object({ memberId: Id, consentId: Id })
const EnrolmentParams = Type.Object({ enrolmentId: Id })

export function clubRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = { tags: ['club'], security: SIGNED_IN }

  api.post(
    '/club/lookup',
    {
      schema: {
        ...signedIn,
        summary: 'Is this phone number a member of the store’s club?',
        description:
          'The number as typed (Norwegian, Danish or Finnish; the store’s country without a country code), or the MSISDN from a scanned QR. POST, so the number never appears in a URL or an access log. A wrong number is 400 INVALID_PHONE_NUMBER (field phoneNumber).',
        body: Type.Object(
          {
            phoneNumber: Type.String({ maxLength: 40, description: 'As typed: spaces, +47, 0047… are fine' }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            phoneDisplay: Type.String({ description: 'e.g. +47 912 34 567' }),
            member: Type.Union([MemberSummary, Type.Null()]),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request)
      const { msisdn } = normalisePhoneNumber(request.body.phoneNumber, actor.country)
      const member = await ctx.club.memberByMsisdn(actor, msisdn)
      return { phoneDisplay: displayMsisdn(msisdn), member: member ? memberSummaryView(member) : null }
    },
  )

  const enrolmentAnswer = async (row: Parameters<typeof ctx.club.enrolments.withMember>[0]) => {
    const { member } = await ctx.club.enrolments.withMember(row)
    return enrolmentView(row, member)
  }

  api.post(
    '/club/enrolments',
    {
      schema: {
        ...signedIn,
        summary: 'Become a member: send the club’s consent request to the sale customer’s phone',
        description:
          'Starts a Login CIBA request (login_hint the customer’s number; scopes openid name phoneNumber email delegatedConsents; a short binding message the cashier can read aloud, e.g. K-4821 — the platform allows 5 to 8 characters) → 201 with the enrolment in state waiting. The till polls it and the screen follows on GET /api/events (`enrolment` events). On accept the member is enrolled with what they shared and the consents given, and the sale’s customer becomes that member. 409 NO_CUSTOMER, ALREADY_MEMBER, ENROLMENT_IN_PROGRESS (one waiting request per sale; the live stream carries it); 400 CUSTOMER_NOT_FOUND for a number the platform cannot reach; 503 PLATFORM_UNAVAILABLE, PAYMENTS_NOT_CONFIGURED.',
        body: Type.Object({ saleId: Id }, { additionalProperties: false }),
        response: { 201: Enrolment, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const row = await ctx.club.enrolments.start(actorOf(request), request.body.saleId)
      return reply.code(201).send(await enrolmentAnswer(row))
    },
  )

  api.get(
    '/club/enrolments/:enrolmentId',
    {
      schema: {
        ...signedIn,
        summary: 'A membership request and how it stands',
        params: EnrolmentParams,
        response: { 200: Enrolment, ...errors(401, 404) },
      },
    },
    async (request) =>
      enrolmentAnswer(await ctx.club.enrolments.get(actorOf(request), request.params.enrolmentId)),
  )

  api.post(
    '/club/enrolments/:enrolmentId/cancel',
    {
      schema: {
        ...signedIn,
        summary: 'Stop waiting for the customer’s answer',
        description:
          'CIBA has no cancel at the platform: the till stops polling and ignores a later answer. 409 ENROLMENT_FINISHED if it has already ended.',
        params: EnrolmentParams,
        response: { 200: Enrolment, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) =>
      enrolmentAnswer(await ctx.club.enrolments.cancel(actorOf(request), request.params.enrolmentId)),
  )

  api.get(
    '/club/members',
    {
      schema: {
        ...signedIn,
        summary: 'Find members by name or phone digits (empty: the most recently enrolled)',
        querystring: Type.Object(
          {
            query: Type.Optional(Type.String({ maxLength: 100, default: '' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ members: Type.Array(MemberSummary) }), ...errors(400, 401) },
      },
    },
    async (request) => {
      const found = await ctx.club.members(
        actorOf(request),
        request.query.query ?? '',
        request.query.limit ?? 20,
      )
      return { members: found.map(memberSummaryView) }
    },
  )

  api.get(
    '/club/members/:memberId',
    {
      schema: {
        ...signedIn,
        summary: 'A member’s page: profile, consents, purchases and points',
        params: MemberParams,
        response: { 200: MemberDetail, ...errors(401, 404) },
      },
    },
    async (request) => memberDetailView(await ctx.club.detail(actorOf(request), request.params.memberId)),
  )

  api.post(
    '/club/members/:memberId/consents/:consentId/withdraw',
    {
      schema: {
        ...signedIn,
        summary: 'Withdraw a consent the member gave (dated; idempotent)',
        params: ConsentParams,
        response: { 200: MemberDetail, ...errors(401, 403, 404) },
      },
    },
    async (request) =>
      memberDetailView(
        await ctx.club.withdrawConsent(actorOf(request), request.params.memberId, request.params.consentId),
      ),
  )

  api.delete(
    '/club/members/:memberId',
    {
      schema: {
        ...signedIn,
        summary: 'Delete a member and their personal data (manager)',
        description:
          'Removes the name, phone number, e-mail, birth date, Vipps subject and consents. The member’s sales stay, without the link or the customer’s number; points entries stay as anonymous numbers. A later lookup of the number finds no member. A cashier gets 403 MANAGER_REQUIRED (the till’s code for manager-only actions).',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await ctx.club.deleteMember(actorOf(request), request.params.memberId)
      return reply.code(204).send(null)
    },
  )
}
