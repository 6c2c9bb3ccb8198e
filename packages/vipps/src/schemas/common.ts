/**
 * Types shared by every Vipps MobilePay API: money, identifiers and errors.
 *
 * Written from `../shared/specs/*.yaml`. Where the platform is known to accept
 * more than its spec says (see research/vipps-api.md), the schema follows the
 * platform, and says so.
 */
import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox'

/** A union of string literals whose static type is the union, not `string`. */
export const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<{
    -readonly [K in keyof T]: TLiteral<T[K]>
  }>

export const CURRENCIES = ['NOK', 'DKK', 'EUR'] as const
export const Currency = literals(CURRENCIES)
export type Currency = Static<typeof Currency>

/** The largest amount a single payment may carry, in minor units (650 000.00). */
export const MAX_AMOUNT_VALUE = 65_000_000

/** An amount of money in minor units (øre, cents) with its currency. Never a float. */
export const Amount = Type.Object({
  currency: Currency,
  value: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT_VALUE }),
})
export type Amount = Static<typeof Amount>

export const MSN_PATTERN = '^[0-9]{4,6}$'
/** Merchant Serial Number: identifies a sales unit. */
export const Msn = Type.String({ pattern: MSN_PATTERN, minLength: 4, maxLength: 6 })

export const REFERENCE_PATTERN = '^[a-zA-Z0-9-]{8,50}$'
/** The merchant's own payment reference, unique per MSN. */
export const Reference = Type.String({ pattern: REFERENCE_PATTERN, minLength: 8, maxLength: 50 })

/** A phone number as MSISDN: country code and subscriber number, digits only. */
export const MSISDN_PATTERN = '^\\d{10,15}$'
export const Msisdn = Type.String({ pattern: MSISDN_PATTERN, minLength: 10, maxLength: 15 })

export const ExtraDetail = Type.Object({ name: Type.String(), reason: Type.String() })
export type ExtraDetail = Static<typeof ExtraDetail>

/**
 * RFC 7807 problem details, as the ePayment, Webhooks and QR APIs answer errors.
 * `extraDetails` names the offending fields; `traceId` identifies the request.
 */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  traceId: Type.String(),
  instance: Type.Optional(Type.String()),
  extraDetails: Type.Optional(Type.Array(ExtraDetail)),
})
export type Problem = Static<typeof Problem>

/**
 * The body Azure API Management (the gateway in front of every API) answers
 * 401/403/429 with, before a request reaches the API: not RFC 7807.
 */
export const GatewayError = Type.Object({
  statusCode: Type.Integer(),
  message: Type.String(),
})
export type GatewayError = Static<typeof GatewayError>

/** Optional headers identifying the calling system; each at most 30 characters. */
export const VIPPS_SYSTEM_HEADERS = [
  'vipps-system-name',
  'vipps-system-version',
  'vipps-system-plugin-name',
  'vipps-system-plugin-version',
] as const
