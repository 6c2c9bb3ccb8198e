/**
 * Reading and writing orders, their lines, payment, shipments and money
 * operations. State changes are compare-and-set (`WHERE state IN (…)`), so a
 * webhook, the return page and the status sync arriving together apply an
 * outcome once: the others find it already applied and do nothing.
 */
import { randomBytes } from 'node:crypto'
import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm'
import type { ShopDb } from '../db/database.ts'
import {
  type OperationRow,
  type OrderLineRow,
  type OrderRow,
  order,
  orderLine,
  type PaymentRow,
  payment,
  paymentOperation,
  type ShipmentRow,
  shipment,
} from '../db/schema.ts'
import { type OrderState, statesLeadingTo } from './machine.ts'

/** An order with everything that belongs to it. */
export interface OrderView {
  order: OrderRow
  lines: OrderLineRow[]
  payment: PaymentRow
  shipments: ShipmentRow[]
  operations: OperationRow[]
}

/** A random id with a prefix saying what it is; unguessable, as order ids are in URLs. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(16).toString('base64url')}`

/** The next order number from the database's sequence (unique across processes). */
export async function nextOrderNumber(db: ShopDb): Promise<number> {
  const result = await db.execute<{ number: number }>(sql`SELECT nextval('shop_order_number')::int AS number`)
  const rows = (Array.isArray(result) ? result : (result as { rows: { number: number }[] }).rows) as {
    number: number
  }[]
  return Number(rows[0]!.number)
}

/** The order with its parts, or undefined. */
export async function loadOrder(db: ShopDb, id: string): Promise<OrderView | undefined> {
  const [found] = await db.select().from(order).where(eq(order.id, id))
  if (!found) return undefined
  const [lines, [pay], shipments, operations] = await Promise.all([
    db.select().from(orderLine).where(eq(orderLine.orderId, id)).orderBy(asc(orderLine.lineNo)),
    db.select().from(payment).where(eq(payment.orderId, id)),
    db.select().from(shipment).where(eq(shipment.orderId, id)).orderBy(asc(shipment.number)),
    db
      .select()
      .from(paymentOperation)
      .where(eq(paymentOperation.orderId, id))
      .orderBy(asc(paymentOperation.createdAt)),
  ])
  if (!pay) throw new Error(`order ${id} has no payment`)
  return { order: found, lines, payment: pay, shipments, operations }
}

/** The order whose payment has this reference (ePayment reference or eCom orderId). */
export async function orderIdByReference(db: ShopDb, reference: string): Promise<string | undefined> {
  const [found] = await db
    .select({ orderId: payment.orderId })
    .from(payment)
    .where(eq(payment.reference, reference))
  return found?.orderId
}

/**
 * Moves the order to `next` if it is in a state that may lead there (and in
 * `onlyFrom`, when given); sets `patch` with it. Returns the updated row, or
 * undefined when the order was elsewhere (someone got there first).
 */
export async function moveOrder(
  db: ShopDb,
  id: string,
  next: OrderState,
  patch: Partial<OrderRow>,
  onlyFrom?: readonly OrderState[],
): Promise<OrderRow | undefined> {
  const from = statesLeadingTo(next).filter((state) => !onlyFrom || onlyFrom.includes(state))
  if (from.length === 0) return undefined
  const [updated] = await db
    .update(order)
    .set({ ...patch, state: next })
    .where(and(eq(order.id, id), inArray(order.state, from)))
    .returning()
  return updated
}

/** Orders for the admin list, newest first. */
export function listOrders(db: ShopDb, limit = 200): Promise<(OrderRow & { payment: PaymentRow })[]> {
  return db
    .select({ order, payment })
    .from(order)
    .innerJoin(payment, eq(payment.orderId, order.id))
    .orderBy(desc(order.number))
    .limit(limit)
    .then((rows) => rows.map((row) => ({ ...row.order, payment: row.payment })))
}

/** Orders still waiting for the shopper's payment that were last touched before `before`. */
export async function ordersAwaitingPayment(db: ShopDb, before: Date, limit = 50): Promise<string[]> {
  const rows = await db
    .select({ id: order.id })
    .from(order)
    .where(and(inArray(order.state, ['pending_payment', 'unknown']), lt(order.updatedAt, before)))
    .orderBy(asc(order.updatedAt))
    .limit(limit)
  return rows.map((row) => row.id)
}

/** Operations whose outcome is open: unknown, or requested and unanswered since before `requestedBefore`. */
export async function openOperations(db: ShopDb, requestedBefore: Date, limit = 50): Promise<OperationRow[]> {
  return db
    .select()
    .from(paymentOperation)
    .where(
      or(
        eq(paymentOperation.state, 'unknown'),
        and(eq(paymentOperation.state, 'requested'), lt(paymentOperation.updatedAt, requestedBefore)),
      ),
    )
    .orderBy(asc(paymentOperation.updatedAt))
    .limit(limit)
}
