/**
 * The Z report as the API answers it (and as a closed day stores it): the
 * schema for validation and the OpenAPI document, and its static type.
 */
import { type Static, Type } from '@sinclair/typebox'
import { MinorUnits, Timestamp } from '../http/schemas.ts'

/** Signed: a day's takings (sales − refunds) may be below zero. */
const Signed = Type.Integer({ description: 'Minor units (øre); negative when refunds exceed sales' })

export const AmountsView = Type.Object({ grossAmount: Signed, vatAmount: Signed, netAmount: Signed })
export const CountedAmountsView = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  grossAmount: MinorUnits,
  vatAmount: MinorUnits,
  netAmount: MinorUnits,
})
const PositiveAmounts = Type.Object({ grossAmount: MinorUnits, vatAmount: MinorUnits, netAmount: MinorUnits })

export const ZReportView = Type.Object({
  scope: Type.Union([
    Type.Object({ kind: Type.Literal('store') }),
    Type.Object({ kind: Type.Literal('till'), posId: Type.String() }),
  ]),
  store: Type.Object({
    id: Type.String(),
    name: Type.String(),
    msn: Type.String(),
    currency: Type.Union([Type.Literal('NOK'), Type.Literal('DKK'), Type.Literal('EUR')]),
    timeZone: Type.String(),
  }),
  date: Type.String({ description: 'The business day: the store’s local date' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  closed: Type.Union([Type.Object({ at: Timestamp, by: Type.String() }), Type.Null()]),
  generatedAt: Timestamp,
  sales: Type.Object({
    ...CountedAmountsView.properties,
    items: Type.Integer({ minimum: 0, description: 'Units sold' }),
    discountAmount: MinorUnits,
  }),
  refunds: Type.Object({ ...CountedAmountsView.properties, items: Type.Integer({ minimum: 0 }) }),
  takings: AmountsView,
  byVatRate: Type.Array(
    Type.Object({
      vatRate: Type.Number({ description: 'Percent' }),
      sales: PositiveAmounts,
      refunds: PositiveAmounts,
      takings: AmountsView,
    }),
  ),
  byCashier: Type.Array(
    Type.Object({
      staffNumber: Type.String(),
      name: Type.String(),
      sales: CountedAmountsView,
      refunds: CountedAmountsView,
      takings: AmountsView,
    }),
  ),
  byTill: Type.Array(
    Type.Object({
      posId: Type.String(),
      name: Type.String(),
      sales: CountedAmountsView,
      refunds: CountedAmountsView,
      takings: AmountsView,
    }),
  ),
  byHour: Type.Array(
    Type.Object({
      hour: Type.Integer({ minimum: 0, maximum: 23 }),
      sales: MinorUnits,
      refunds: MinorUnits,
      takings: Signed,
    }),
    { description: 'Gross amounts per local hour, 24 entries' },
  ),
  paymentRequestsWithoutPayment: Type.Object({
    cancelled: Type.Integer({ minimum: 0 }),
    declined: Type.Integer({ minimum: 0 }),
    expired: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  }),
  carriedOver: Type.Object(
    { sales: Type.Integer({ minimum: 0 }), refunds: Type.Integer({ minimum: 0 }) },
    { description: 'Sales and refunds of the day before, registered after it was closed' },
  ),
})
export type ZReport = Static<typeof ZReportView>
