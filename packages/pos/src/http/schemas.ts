/** Schemas shared by the till's routes, for validation and the OpenAPI document. */
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox'
import { POS_ERRORS, type PosErrorCode } from '../errors.ts'

/**
 * A string that is one of `values`, as `{type: 'string', enum}` rather than a
 * union of literals: the same check and the same static type, but Fastify's
 * serializer writes it as a plain string instead of trying each literal in
 * turn (unions of many literals were half the cost of building the app).
 */
export function stringEnum<const T extends string>(
  values: readonly T[],
  options: { description?: string } = {},
): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options })
}

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: stringEnum(Object.keys(POS_ERRORS) as PosErrorCode[], { description: 'Stable: branch on it' }),
      message: Type.String({ description: 'For people; may be reworded' }),
      field: Type.Optional(Type.String({ description: 'The request field that is wrong, e.g. barcode' })),
    }),
  },
  { description: 'Every error the till answers with' },
)

/** The response schemas for the given error statuses, for a route's `response`. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponse]))
}

/** Minor units (øre, cents), in the store's currency. */
export const MinorUnits = Type.Integer({ minimum: 0, description: 'Minor units (øre) in the store currency' })

export const Timestamp = Type.String({ format: 'date-time' })

/** The session cookie and, for changes, the CSRF header: for a route's `security`. */
export const SIGNED_IN = [{ session: [], csrf: [] }]
