/**
 * The drizzle view of the shop's tables, for typed queries. The SQL in
 * `migrations/` is the truth (checks, partial indexes, comments); a test
 * (database.test.ts) checks that these definitions match the migrated
 * database column by column, so the two cannot drift apart unnoticed.
 */
import type { Currency } from '@kasse/vipps'
import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import type { ProductArt } from '../catalogue/art.ts'
import type { OrderFlow, OrderState, PaymentFailure } from '../orders/machine.ts'
import type { OperationKind, OperationState } from '../orders/operations.ts'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const product = pgTable('shop_product', {
  id: text('id').primaryKey(),
  sku: text('sku').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  category: text('category').notNull(),
  unitPrice: integer('unit_price').notNull(),
  vatRate: integer('vat_rate').notNull(),
  art: jsonb('art').$type<ProductArt>().notNull(),
  position: integer('position').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: timestamptz('created_at').notNull(),
})

export const cart = pgTable('shop_cart', {
  id: text('id').primaryKey(),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const cartLine = pgTable(
  'shop_cart_line',
  {
    cartId: text('cart_id')
      .notNull()
      .references(() => cart.id, { onDelete: 'cascade' }),
    productId: text('product_id')
      .notNull()
      .references(() => product.id),
    quantity: integer('quantity').notNull(),
    addedAt: timestamptz('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cartId, t.productId] })],
)

export const order = pgTable('shop_order', {
  id: text('id').primaryKey(),
  number: integer('number').notNull().unique(),
  flow: text('flow').$type<OrderFlow>().notNull(),
  state: text('state').$type<OrderState>().notNull(),
  failure: text('failure').$type<PaymentFailure>(),
  cartId: text('cart_id'),
  currency: text('currency').$type<Currency>().notNull(),
  goodsAmount: integer('goods_amount').notNull(),
  shippingAmount: integer('shipping_amount'),
  totalAmount: integer('total_amount').notNull(),
  shippingMethodId: text('shipping_method_id'),
  shippingMethodName: text('shipping_method_name'),
  customerName: text('customer_name'),
  customerEmail: text('customer_email'),
  customerPhone: text('customer_phone'),
  addressLine1: text('address_line1'),
  addressLine2: text('address_line2'),
  postalCode: text('postal_code'),
  city: text('city'),
  country: text('country'),
  ecomUserId: text('ecom_user_id'),
  personalDataRemovedAt: timestamptz('personal_data_removed_at'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const orderLine = pgTable(
  'shop_order_line',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => order.id),
    lineNo: integer('line_no').notNull(),
    productId: text('product_id'),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unitPrice: integer('unit_price').notNull(),
    quantity: integer('quantity').notNull(),
    vatRate: integer('vat_rate').notNull(),
    grossAmount: integer('gross_amount').notNull(),
    vatAmount: integer('vat_amount').notNull(),
    isShipping: boolean('is_shipping').notNull().default(false),
    shippedQuantity: integer('shipped_quantity').notNull().default(0),
    cancelledQuantity: integer('cancelled_quantity').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] })],
)

export const payment = pgTable('shop_payment', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => order.id),
  provider: text('provider').$type<'epayment' | 'ecom'>().notNull(),
  reference: text('reference').notNull().unique(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  request: jsonb('request').$type<Record<string, unknown>>().notNull(),
  redirectUrl: text('redirect_url'),
  authTokenHash: text('auth_token_hash'),
  authorizedAmount: integer('authorized_amount').notNull().default(0),
  capturedAmount: integer('captured_amount').notNull().default(0),
  refundedAmount: integer('refunded_amount').notNull().default(0),
  cancelledAmount: integer('cancelled_amount').notNull().default(0),
  pspReference: text('psp_reference'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

/** One line's part of a shipment. */
export interface ShipmentLine {
  lineNo: number
  quantity: number
}

export const shipment = pgTable('shop_shipment', {
  id: text('id').primaryKey(),
  orderId: text('order_id')
    .notNull()
    .references(() => order.id),
  number: integer('number').notNull(),
  lines: jsonb('lines').$type<ShipmentLine[]>().notNull(),
  amount: integer('amount').notNull(),
  tracking: text('tracking'),
  state: text('state').$type<'capturing' | 'captured' | 'failed'>().notNull(),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const paymentOperation = pgTable('shop_payment_operation', {
  id: text('id').primaryKey(),
  orderId: text('order_id')
    .notNull()
    .references(() => order.id),
  kind: text('kind').$type<OperationKind>().notNull(),
  amount: integer('amount'),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  state: text('state').$type<OperationState>().notNull(),
  shipmentId: text('shipment_id').references(() => shipment.id),
  error: text('error'),
  pspReference: text('psp_reference'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const webhook = pgTable('shop_webhook', {
  url: text('url').primaryKey(),
  webhookId: text('webhook_id').notNull(),
  secret: text('secret').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  createdAt: timestamptz('created_at').notNull(),
})

export const adminSession = pgTable('shop_admin_session', {
  id: text('id').primaryKey(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
})

export const tables = {
  product,
  cart,
  cartLine,
  order,
  orderLine,
  payment,
  shipment,
  paymentOperation,
  webhook,
  adminSession,
}

export type ProductRow = typeof product.$inferSelect
export type OrderRow = typeof order.$inferSelect
export type OrderLineRow = typeof orderLine.$inferSelect
export type PaymentRow = typeof payment.$inferSelect
export type ShipmentRow = typeof shipment.$inferSelect
export type OperationRow = typeof paymentOperation.$inferSelect
