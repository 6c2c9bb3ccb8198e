/**
 * The itemised receipt (Order Management API 2.3.24, the version ePayment's
 * `receipt` refers to). Amounts are integers in minor units.
 */
import { type Static, Type } from '@sinclair/typebox'
import { Currency, literals } from './common.ts'

export const QUANTITY_UNITS = ['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH'] as const
export const BARCODE_FORMATS = ['EAN-13', 'CODE 39', 'CODE 128'] as const

const MinorUnits = Type.Integer()
const NonNegativeMinorUnits = Type.Integer({ minimum: 0 })

export const UnitInfo = Type.Object({
  /** Price per unit including tax, before discount. */
  unitPrice: Type.Union([NonNegativeMinorUnits, Type.Null()]),
  /** Quantity as a decimal string, e.g. "2" or "0.822". */
  quantity: Type.String({ maxLength: 10, pattern: '^\\d+([\\.]\\d{1,8})?$' }),
  quantityUnit: Type.Optional(Type.Union([literals(QUANTITY_UNITS), Type.Null()])),
})
export type UnitInfo = Static<typeof UnitInfo>

/**
 * One line of the receipt. The spec marks `taxPercentage` required, but the
 * platform also takes `taxRate` (hundredths of a percent, 2500 = 25 %) and
 * needs exactly one of them; the sandbox checks that rule itself.
 */
export const OrderLine = Type.Object({
  name: Type.String({ minLength: 1 }),
  id: Type.String({ minLength: 1 }),
  totalAmount: MinorUnits,
  totalAmountExcludingTax: MinorUnits,
  totalTaxAmount: MinorUnits,
  taxPercentage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  taxRate: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  unitInfo: Type.Optional(Type.Union([UnitInfo, Type.Null()])),
  discount: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  productUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  isReturn: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  isShipping: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
})
export type OrderLine = Static<typeof OrderLine>

export const Barcode = Type.Object({
  format: literals(BARCODE_FORMATS),
  data: Type.String(),
})

export const PaymentSources = Type.Object({
  giftCard: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  card: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  voucher: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  cash: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
})

export const BottomLine = Type.Object({
  currency: Currency,
  tipAmount: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  /** The device (till) the sale was made at. */
  posId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  paymentSources: Type.Optional(Type.Union([PaymentSources, Type.Null()])),
  barcode: Type.Optional(Type.Union([Barcode, Type.Null()])),
  receiptNumber: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  // Deprecated by the platform (sums come from the lines), still accepted.
  giftCardAmount: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  totalAmount: Type.Optional(Type.Union([MinorUnits, Type.Null()])),
  totalTax: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  totalDiscount: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  shippingAmount: Type.Optional(Type.Union([NonNegativeMinorUnits, Type.Null()])),
  terminalId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
})
export type BottomLine = Static<typeof BottomLine>

export const Receipt = Type.Object({
  orderLines: Type.Array(OrderLine, { minItems: 1 }),
  bottomLine: BottomLine,
})
export type Receipt = Static<typeof Receipt>
