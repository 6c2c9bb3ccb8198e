/**
 * The till's current sale over HTTP: open it, scan or tap products onto it,
 * change quantities, remove lines, discount lines (manager), void it, and see
 * the receipt the payment request will carry. Every answer is the whole sale
 * with its totals, so the cashier's screen redraws from one response.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Receipt } from '@kasse/vipps'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { MemberBadge } from '../club/views.ts'
import type { PosContext } from '../context.ts'
import { displayMsisdn } from '../customers/display.ts'
import { PosError } from '../errors.ts'
import { actorOf } from '../http/auth.ts'
import { errors, MinorUnits, SIGNED_IN, stringEnum, Timestamp } from '../http/schemas.ts'
import { rateToPercent } from '../money/vat.ts'
import { SALE_STATES } from './machine.ts'
import { toEpaymentReceipt } from './receipt.ts'
import { MAX_QUANTITY, type Sale } from './service.ts'

const Amounts = {
  grossAmount: { ...MinorUnits, description: 'Including VAT, after discount' },
  vatAmount: MinorUnits,
  netAmount: { ...MinorUnits, description: 'Excluding VAT' },
}

const Discount = Type.Union([
  Type.Null(),
  Type.Object({ kind: Type.Literal('amount'), amount: MinorUnits }),
  Type.Object({ kind: Type.Literal('percent'), percent: Type.Integer({ minimum: 1, maximum: 100 }) }),
])

export const SaleView = Type.Object({
  id: Type.String(),
  posId: Type.String(),
  state: stringEnum(SALE_STATES),
  currency: Type.String(),
  receiptNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'Given when payment begins' }),
  openedAt: Timestamp,
  updatedAt: Timestamp,
  closedAt: Type.Union([Timestamp, Type.Null()]),
  customer: Type.Union(
    [
      Type.Object({
        msisdn: Type.String({ description: 'e.g. 4712345678' }),
        display: Type.String({ description: 'e.g. +47 123 45 678' }),
        source: stringEnum(['typed', 'qr']),
        member: Type.Union([MemberBadge, Type.Null()], {
          description:
            'The customer’s club membership, checked whenever the customer is set (or enrols); `points` is the balance now',
        }),
      }),
      Type.Null(),
    ],
    { description: 'Who the payment request goes to (PUT /api/sales/{id}/customer)' },
  ),
  pointsEarned: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description:
      'Club points the captured payment registered on the member’s account; null until the sale is paid to a member',
  }),
  lines: Type.Array(
    Type.Object({
      id: Type.String(),
      position: Type.Integer(),
      productId: Type.String(),
      name: Type.String(),
      barcode: Type.String(),
      unitPrice: { ...MinorUnits, description: 'Including VAT, before discount' },
      quantity: Type.Integer(),
      vatRate: Type.Number({ description: 'Percent' }),
      discount: Discount,
      discountAmount: MinorUnits,
      ...Amounts,
    }),
  ),
  totals: Type.Object({
    ...Amounts,
    discountAmount: MinorUnits,
    vatBreakdown: Type.Array(Type.Object({ vatRate: Type.Number({ description: 'Percent' }), ...Amounts }), {
      description: 'One entry per VAT rate in the sale, highest first; sums of the lines',
    }),
  }),
})

/** The sale as the API answers it (the scanned QR content stays in the till). */
export function saleView(sale: Sale): Static<typeof SaleView> {
  return {
    id: sale.id,
    posId: sale.posId,
    state: sale.state,
    currency: sale.currency,
    receiptNumber: sale.receiptNumber,
    openedAt: sale.openedAt.toISOString(),
    updatedAt: sale.updatedAt.toISOString(),
    closedAt: sale.closedAt?.toISOString() ?? null,
    customer: sale.customer
      ? {
          msisdn: sale.customer.msisdn,
          display: displayMsisdn(sale.customer.msisdn),
          source: sale.customer.source,
          member: sale.member,
        }
      : null,
    pointsEarned: sale.pointsEarned,
    lines: sale.lines.map(({ price, vatRate, ...line }) => ({
      ...line,
      vatRate: rateToPercent(vatRate),
      discountAmount: price.discountAmount,
      grossAmount: price.grossAmount,
      vatAmount: price.vatAmount,
      netAmount: price.netAmount,
    })),
    totals: {
      grossAmount: sale.totals.grossAmount,
      vatAmount: sale.totals.vatAmount,
      netAmount: sale.totals.netAmount,
      discountAmount: sale.totals.discountAmount,
      vatBreakdown: sale.totals.vatBreakdown.map((entry) => ({
        ...entry,
        vatRate: rateToPercent(entry.vatRate),
      })),
    },
  }
}

export const SaleParams = Type.Object({ saleId: Type.String({ minLength: 1, maxLength: 64 }) })
const LineParams = Type.Object({
  saleId: Type.String({ minLength: 1, maxLength: 64 }),
  lineId: Type.String({ minLength: 1, maxLength: 64 }),
})
const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY })

const AddLine = Type.Object(
  {
    barcode: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'As the scanner typed it (EAN-13, or UPC-A)' }),
    ),
    productId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'From a tap or a search' }),
    ),
    quantity: Type.Optional({ ...Quantity, default: 1 }),
  },
  { additionalProperties: false, description: 'Exactly one of barcode and productId' },
)

const SetDiscount = Type.Object(
  {
    amount: Type.Optional(Type.Integer({ minimum: 1, description: 'Minor units off the line' })),
    percent: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'Whole percent off the line' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of amount and percent' },
)

export function saleRoutes(app: FastifyInstance, ctx: PosContext): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const signedIn = { tags: ['sales'], security: SIGNED_IN }

  api.post(
    '/sales',
    {
      schema: {
        ...signedIn,
        summary: 'The till’s current sale, opened if it has none',
        response: { 200: SaleView, ...errors(401, 403) },
      },
    },
    async (request) => saleView(await ctx.sales.open(actorOf(request))),
  )

  api.get(
    '/sales/current',
    {
      schema: {
        ...signedIn,
        summary: 'The till’s current sale',
        response: { 200: SaleView, ...errors(401, 404) },
      },
    },
    async (request) => saleView(await ctx.sales.current(actorOf(request))),
  )

  api.get(
    '/sales/:saleId',
    {
      schema: {
        ...signedIn,
        summary: 'A sale of this till',
        params: SaleParams,
        response: { 200: SaleView, ...errors(401, 404) },
      },
    },
    async (request) => saleView(await ctx.sales.get(actorOf(request), request.params.saleId)),
  )

  api.post(
    '/sales/:saleId/lines',
    {
      schema: {
        ...signedIn,
        summary: 'Add a product by barcode (scanner) or product id; the same product adds to its line',
        params: SaleParams,
        body: AddLine,
        response: { 200: SaleView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { barcode, productId, quantity } = request.body
      if ((barcode === undefined) === (productId === undefined)) {
        throw new PosError('VALIDATION_FAILED', 'Give either barcode or productId', { field: 'barcode' })
      }
      const input = barcode !== undefined ? { barcode, quantity } : { productId: productId!, quantity }
      return saleView(await ctx.sales.addLine(actorOf(request), request.params.saleId, input))
    },
  )

  api.patch(
    '/sales/:saleId/lines/:lineId',
    {
      schema: {
        ...signedIn,
        summary: 'Change a line’s quantity',
        params: LineParams,
        body: Type.Object({ quantity: Quantity }, { additionalProperties: false }),
        response: { 200: SaleView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      saleView(
        await ctx.sales.changeQuantity(
          actorOf(request),
          request.params.saleId,
          request.params.lineId,
          request.body.quantity,
        ),
      ),
  )

  api.delete(
    '/sales/:saleId/lines/:lineId',
    {
      schema: {
        ...signedIn,
        summary: 'Remove a line',
        params: LineParams,
        response: { 200: SaleView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) =>
      saleView(await ctx.sales.removeLine(actorOf(request), request.params.saleId, request.params.lineId)),
  )

  api.put(
    '/sales/:saleId/lines/:lineId/discount',
    {
      schema: {
        ...signedIn,
        summary: 'Discount a line (manager): an amount or a percent; never below zero',
        params: LineParams,
        body: SetDiscount,
        response: { 200: SaleView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { amount, percent } = request.body
      if ((amount === undefined) === (percent === undefined)) {
        throw new PosError('VALIDATION_FAILED', 'Give either amount or percent', { field: 'amount' })
      }
      const discount =
        amount !== undefined
          ? { kind: 'amount' as const, amount }
          : { kind: 'percent' as const, percent: percent! }
      return saleView(
        await ctx.sales.setDiscount(actorOf(request), request.params.saleId, request.params.lineId, discount),
      )
    },
  )

  api.delete(
    '/sales/:saleId/lines/:lineId/discount',
    {
      schema: {
        ...signedIn,
        summary: 'Take a line’s discount away (manager)',
        params: LineParams,
        response: { 200: SaleView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) =>
      saleView(
        await ctx.sales.removeDiscount(actorOf(request), request.params.saleId, request.params.lineId),
      ),
  )

  api.post(
    '/sales/:saleId/void',
    {
      schema: {
        ...signedIn,
        summary: 'Void an open sale',
        params: SaleParams,
        response: { 200: SaleView, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => saleView(await ctx.sales.void(actorOf(request), request.params.saleId)),
  )

  api.get(
    '/sales/:saleId/receipt',
    {
      schema: {
        ...signedIn,
        summary: 'The itemised receipt the payment request carries (ePayment `receipt`)',
        params: SaleParams,
        response: { 200: Receipt, ...errors(401, 404, 409) },
      },
    },
    async (request) => toEpaymentReceipt(await ctx.sales.get(actorOf(request), request.params.saleId)),
  )
}
