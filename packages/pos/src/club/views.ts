/**
 * The club's answers as the API gives them (TypeBox schemas, the source of
 * truth the cashier app's types are held to) and the functions that build
 * them from the store's rows. Phone numbers go out only as the display form.
 */
import { type Static, Type } from '@sinclair/typebox'
import { displayMsisdn } from '../customers/display.ts'
import { MinorUnits, stringEnum, Timestamp } from '../http/schemas.ts'
import { ENROLMENT_STATES } from './enrolment-machine.ts'
import type { ConsentRow, EnrolmentRow, MemberPurchaseRow, MemberRow, PointsEntryRow } from './store.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

/** The member as the sale shows them: enough for a badge on the cashier's screen. */
export const MemberBadge = Type.Object({
  id: Type.String(),
  name: Type.String(),
  points: Type.Integer({ minimum: 0, description: 'The balance now' }),
})

export const MemberSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  phoneDisplay: Type.String({ description: 'e.g. +47 912 34 567' }),
  points: Type.Integer({ minimum: 0, description: 'The balance now' }),
  enrolledAt: Timestamp,
})

export const Consent = Type.Object({
  id: Type.String({ description: 'The consent’s id from delegatedConsents, e.g. email, sms, personal' }),
  text: Type.String({ description: 'The merchant’s consent text as the member saw it' }),
  accepted: Type.Boolean({ description: 'The member’s answer at enrolment' }),
  answeredAt: Timestamp,
  withdrawnAt: Nullable(Timestamp),
})

export const MemberPurchase = Type.Object({
  saleId: Type.String(),
  receiptNumber: Type.Integer(),
  at: Timestamp,
  total: { ...MinorUnits, description: 'The captured amount' },
  currency: Type.String(),
  pointsEarned: Type.Integer({ minimum: 0 }),
  pointsReturned: Type.Integer({ minimum: 0, description: 'Taken back by refunds' }),
})

export const PointsEntry = Type.Object({
  at: Timestamp,
  points: Type.Integer({ description: 'Signed: + earned, − taken back' }),
  reason: stringEnum(['purchase', 'refund'] as const),
  saleId: Type.String(),
  refundId: Nullable(Type.String()),
})

export const MemberDetail = Type.Composite([
  MemberSummary,
  Type.Object({
    email: Nullable(Type.String()),
    birthDate: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
    sharedData: Type.Array(Type.String(), {
      description: 'What the member agreed to share at enrolment, e.g. ["name","phoneNumber","email"]',
    }),
    consents: Type.Array(Consent),
    purchases: Type.Array(MemberPurchase, { description: 'Newest first' }),
    pointsHistory: Type.Array(PointsEntry, { description: 'Newest first' }),
  }),
])

export const EnrolmentStateSchema = stringEnum(ENROLMENT_STATES)

export const Enrolment = Type.Object({
  id: Type.String(),
  saleId: Nullable(Type.String()),
  state: EnrolmentStateSchema,
  phoneDisplay: Type.String({ description: 'The number the request went to, e.g. +47 912 34 567' }),
  bindingMessage: Type.String({
    description: 'Shown on the phone with the request; the cashier can read it aloud, e.g. K-4821',
  }),
  startedAt: Timestamp,
  expiresAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  member: Nullable(MemberSummary),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
})

export type MemberSummaryView = Static<typeof MemberSummary>
export type MemberDetailView = Static<typeof MemberDetail>
export type EnrolmentView = Static<typeof Enrolment>

export function memberSummaryView(row: MemberRow): MemberSummaryView {
  return {
    id: row.id,
    name: row.name,
    phoneDisplay: displayMsisdn(row.msisdn),
    points: row.points,
    enrolledAt: row.enrolledAt.toISOString(),
  }
}

export function memberDetailView(detail: {
  member: MemberRow
  consents: ConsentRow[]
  purchases: MemberPurchaseRow[]
  pointsHistory: PointsEntryRow[]
}): MemberDetailView {
  const { member } = detail
  return {
    ...memberSummaryView(member),
    email: member.email,
    birthDate: member.birthDate,
    sharedData: member.sharedData,
    consents: detail.consents.map((consent) => ({
      id: consent.consentId,
      text: consent.text,
      accepted: consent.accepted,
      answeredAt: consent.answeredAt.toISOString(),
      withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
    })),
    purchases: detail.purchases.map((purchase) => ({ ...purchase, at: purchase.at.toISOString() })),
    pointsHistory: detail.pointsHistory.map((entry) => ({
      at: entry.createdAt.toISOString(),
      points: entry.points,
      reason: entry.reason,
      saleId: entry.saleId,
      refundId: entry.refundId,
    })),
  }
}

export function enrolmentView(row: EnrolmentRow, member: MemberRow | undefined): EnrolmentView {
  return {
    id: row.id,
    saleId: row.saleId,
    state: row.state,
    phoneDisplay: displayMsisdn(row.msisdn),
    bindingMessage: row.bindingMessage,
    startedAt: row.startedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    member: member && row.state === 'accepted' ? memberSummaryView(member) : null,
    error:
      row.errorCode !== null && row.errorMessage !== null
        ? { code: row.errorCode, message: row.errorMessage }
        : null,
  }
}
