/**
 * Order Management API v2 (`/order-management`): itemised receipts and the
 * order's category link, written from specs/order-management-v2.yaml 2.1 and
 * research/vipps-api.md §6. The receipt itself is the one ePayment carries
 * (receipt.ts). A receipt is immutable once sent: a second POST is 409.
 */
import { type Static, Type } from '@sinclair/typebox'
import { Receipt } from './receipt.ts'

/** Every Order Management path starts here, below the API host. */
export const ORDER_MANAGEMENT_BASE_PATH = '/order-management'

/** `ECOM` for ePayment and eCom payments, `RECURRING` for Recurring charges. */
export const ORDER_PAYMENT_TYPES = ['ECOM', 'RECURRING'] as const
export type OrderPaymentType = (typeof ORDER_PAYMENT_TYPES)[number]
export const OrderPaymentTypeSchema = Type.Union(ORDER_PAYMENT_TYPES.map((t) => Type.Literal(t)))

/** The path's `orderId`: the ePayment `reference` or eCom `orderId`. */
export const ORDER_ID_PATTERN = '^[0-9A-Za-z-_\\.]+$'
export const OrderId = Type.String({ pattern: ORDER_ID_PATTERN, minLength: 1 })

export const ORDER_CATEGORIES = [
  'GENERAL',
  'RECEIPT',
  'ORDER_CONFIRMATION',
  'DELIVERY',
  'TICKET',
  'BOOKING',
] as const
export type OrderCategoryType = (typeof ORDER_CATEGORIES)[number]

const ImageId = Type.String({ pattern: ORDER_ID_PATTERN, minLength: 1, maxLength: 128 })

/**
 * The link shown with the payment in the app (`PUT …/categories/{orderId}`, and
 * `category` in the GET). Only the latest one is shown; a PUT overwrites.
 */
export const OrderCategory = Type.Object({
  category: Type.Union([...ORDER_CATEGORIES.map((c) => Type.Literal(c)), Type.Null()]),
  orderDetailsUrl: Type.String({ minLength: 1 }),
  imageId: Type.Optional(Type.Union([ImageId, Type.Null()])),
})
export type OrderCategory = Static<typeof OrderCategory>

/** `GET /order-management/v2/{paymentType}/{orderId}`: what was added to the order, if anything. */
export const OrderWithReceipt = Type.Object({
  category: Type.Optional(Type.Union([OrderCategory, Type.Null()])),
  receipt: Type.Optional(Type.Union([Receipt, Type.Null()])),
})
export type OrderWithReceipt = Static<typeof OrderWithReceipt>

/** `POST /order-management/v1/images`: an image a category may refer to; never overwritten. */
export const OrderImage = Type.Object({
  imageId: ImageId,
  /** Base64 PNG or JPEG, at least 167 px high, at most 2 MB. */
  src: Type.String({ minLength: 1 }),
  type: Type.Literal('base64'),
})
export type OrderImage = Static<typeof OrderImage>

/**
 * Order Management's error body: problem-like, but with `invalidParams` where
 * the other APIs have `extraDetails`, and no `traceId`.
 */
export const OrderManagementError = Type.Object({
  type: Type.Optional(Type.String()),
  title: Type.String({ minLength: 1 }),
  detail: Type.String({ minLength: 1 }),
  instance: Type.String({ minLength: 1 }),
  invalidParams: Type.Optional(Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }))),
})
export type OrderManagementError = Static<typeof OrderManagementError>
