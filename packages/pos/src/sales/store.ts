/**
 * Sales and their lines in the database. Every change to a cart happens in a
 * transaction that first locks the sale's row, so two requests for the same
 * sale (a double scan, two tabs) apply one after the other; different tills'
 * sales never wait for each other.
 *
 * The statements a checkout runs (open, scan, customer, and the reads behind
 * them) are plain SQL through `queryRows`, their texts the constants below;
 * the rest is drizzle.
 *
 * One invariant the cart's statements build on: a sale's lines are only ever
 * written in a transaction that has first changed the sale's row (`lockCart`,
 * `updatedAt`), so any change to the lines gives the sale's row a new version.
 */
import { queryRows } from '@kasse/storage'
import { eq, sql } from 'drizzle-orm'
import type { Product } from '../catalogue/store.ts'
import type { Db } from '../db/database.ts'
import { type CustomerSource, product, sale, saleLine, store } from '../db/schema.ts'
import { fieldsOf, insertRow, selectList } from '../db/select-list.ts'
import type { LineDiscount } from './pricing.ts'

export type SaleRow = typeof sale.$inferSelect
export type SaleLineRow = typeof saleLine.$inferSelect

const SALE_COLUMNS = selectList(sale, 'sale')
const LINE_COLUMNS = selectList(saleLine, 'sale_line')
/** A sale's lines joined to it, a row per line: their keys start with `line.` (`linesIn` takes them out). */
const JOINED_LINE_COLUMNS = selectList(saleLine, 'sale_line', 'line.')

/** A sale with its till's POS id, its member and the points its payment earned, as the sale reads answer it. */
const FOUND_SALE_COLUMNS = `${SALE_COLUMNS}, till.pos_id AS "posId",
  member.name AS "memberName", member.points AS "memberPoints", points_entry.points AS "pointsEarned"`
const FOUND_SALE_JOINS = `JOIN till ON till.id = sale.till_id
LEFT JOIN member ON member.id = sale.member_id
LEFT JOIN points_entry ON points_entry.sale_id = sale.id AND points_entry.reason = 'purchase'`

/** The till's current sale: open or waiting for payment, as the partial unique index `sale_one_current_per_till` has it. */
const CURRENT_SALE_OF_TILL = `sale.till_id = $1 AND sale.state IN ('open', 'awaiting_payment')`

const FIND_CURRENT_SALE = `SELECT ${FOUND_SALE_COLUMNS} FROM sale ${FOUND_SALE_JOINS} WHERE ${CURRENT_SALE_OF_TILL}`

/** The till's current sale with its lines, in one statement: a row per line. */
const FIND_CURRENT_SALE_WITH_LINES = `SELECT ${FOUND_SALE_COLUMNS}, ${JOINED_LINE_COLUMNS}
FROM sale ${FOUND_SALE_JOINS}
LEFT JOIN sale_line ON sale_line.sale_id = sale.id
WHERE ${CURRENT_SALE_OF_TILL}
ORDER BY sale_line.position`

/** A row of a found sale: the sale's columns (unprefixed), its posId, member and earned points, maybe a line (`line.`). */
export type FoundSaleRow = Record<string, unknown> & {
  posId: string
  memberName: string | null
  memberPoints: number | null
  pointsEarned: number | null
}

/** The till's current sale, as the sale reads answer it. */
export async function findCurrentSale(db: Db, tillId: string): Promise<FoundSale | undefined> {
  const [row] = await queryRows<FoundSaleRow>(db, FIND_CURRENT_SALE, [tillId])
  return foundSaleOf(row)
}

/** The till's current sale, as the sale reads answer it, and its lines. */
export async function findCurrentSaleWithLines(
  db: Db,
  tillId: string,
): Promise<{ sale: FoundSale; lines: SaleLineRow[] } | undefined> {
  return saleWithLinesOf(await queryRows<FoundSaleRow>(db, FIND_CURRENT_SALE_WITH_LINES, [tillId]))
}

/** The sale and its lines out of the rows of a found sale joined to its lines (one per line); undefined for none. */
export function saleWithLinesOf(
  rows: readonly FoundSaleRow[],
): { sale: FoundSale; lines: SaleLineRow[] } | undefined {
  const sale = foundSaleOf(rows[0])
  return sale && { sale, lines: linesIn(rows) }
}

/** Opens a sale unless the till has a current one: the partial unique index decides between two racing requests. */
const INSERT_OPEN_SALE = `INSERT INTO sale (id, store_id, till_id, opened_by, state, currency, opened_at, updated_at)
VALUES ($1, $2, $3, $4, 'open', $5, $6, $6)
ON CONFLICT (till_id) WHERE state IN ('open', 'awaiting_payment') DO NOTHING
RETURNING ${SALE_COLUMNS}`

/** What opening a sale gives it; the rest of its row starts empty. */
export type NewOpenSale = Pick<SaleRow, 'id' | 'storeId' | 'tillId' | 'openedBy' | 'currency' | 'openedAt'>

/**
 * Inserts an open sale for the till unless it already has a current one; the
 * partial unique index decides between two requests racing to open one.
 * The row inserted, or undefined if the till had a current sale.
 */
export async function insertOpenSaleUnlessCurrent(db: Db, row: NewOpenSale): Promise<SaleRow | undefined> {
  const [inserted] = await queryRows<SaleRow>(db, INSERT_OPEN_SALE, [
    row.id,
    row.storeId,
    row.tillId,
    row.openedBy,
    row.currency,
    row.openedAt,
  ])
  return inserted
}

const LOCK_SALE = `SELECT ${SALE_COLUMNS} FROM sale WHERE id = $1 FOR UPDATE`

/** The sale's row, locked until the transaction ends. */
export async function lockSale(tx: Db, saleId: string): Promise<SaleRow | undefined> {
  const [row] = await queryRows<SaleRow>(tx, LOCK_SALE, [saleId])
  return row
}

/** The club member a sale is for, as the cashier sees them: who, and their balance now. */
export interface SaleMemberRow {
  id: string
  name: string
  points: number
}

export interface FoundSale extends SaleRow {
  posId: string
  member: SaleMemberRow | null
  /** The points its captured payment earned; null unless it was paid to a member. */
  pointsEarned: number | null
}

const FIND_SALE_ROW = `SELECT ${SALE_COLUMNS} FROM sale WHERE id = $1`

/** The sale's own row, nothing joined. */
export async function findSaleRow(db: Db, saleId: string): Promise<SaleRow | undefined> {
  const [row] = await queryRows<SaleRow>(db, FIND_SALE_ROW, [saleId])
  return row
}

function foundSaleOf(row: FoundSaleRow | undefined): FoundSale | undefined {
  const sale = row && saleFields(row)
  if (!row || !sale) return undefined
  return {
    ...sale,
    posId: row.posId,
    member: memberOf(sale, row.memberName, row.memberPoints),
    pointsEarned: row.pointsEarned,
  }
}

/** The sale's member from its name and points as a statement read them; null for no member. */
export function memberOf(row: SaleRow, name: string | null, points: number | null): SaleMemberRow | null {
  return row.memberId !== null && name !== null && points !== null ? { id: row.memberId, name, points } : null
}

/** A sale's row as a change under its lock left it, with its member. */
export interface TouchedSale extends SaleRow {
  member: SaleMemberRow | null
}

/** A sale as a change under its lock left it, and its lines (in order) as they were then. */
export interface LockedCart {
  sale: TouchedSale
  lines: SaleLineRow[]
}

/** `changed`: the sale's row as an UPDATE of it (given its SET and WHERE) left it. */
function changeSale(set: string, where: string): string {
  return `WITH changed AS (UPDATE sale SET ${set} WHERE ${where} RETURNING *)`
}

/** The changed sale's columns and its member's name and points (joined as `member`). */
const CHANGED_SALE_COLUMNS = `${selectList(sale, 'changed')}, member.name AS "memberName", member.points AS "memberPoints"`

/** A change to a sale's row that answers it with its member (not its lines). */
function changeSaleAnswering(set: string, where: string): string {
  return `${changeSale(set, where)}
SELECT ${CHANGED_SALE_COLUMNS}
FROM changed LEFT JOIN member ON member.id = changed.member_id`
}

/**
 * A change to a sale's row that answers it with its member and its lines, in
 * one statement (a row per line). `scanned` joins in the product being
 * scanned (by `product.barcode` or `product.id` = $4, in store $3), found even
 * when no sale changed, so its errors can come first as they always did.
 *
 * The lines are read by the same statement, so from the snapshot it began
 * with; on PostgreSQL another transaction may have changed them (and the
 * sale's row, see the header) while this one waited for the sale's lock. So
 * the UPDATE changes the row only if it is still the version that snapshot
 * holds (its `xmin`, the transaction that wrote it, unchanged); otherwise it
 * changes nothing, and the caller locks the sale plainly and reads the lines after.
 */
function changeSaleAnsweringCart(set: string, where: string, scanned?: 'barcode' | 'id'): string {
  const change = changeSale(set, `${where} AND xmin = (SELECT xmin FROM sale WHERE id = $1)`)
  const columns = `${CHANGED_SALE_COLUMNS}, ${JOINED_LINE_COLUMNS}`
  const joins = `LEFT JOIN member ON member.id = changed.member_id
LEFT JOIN sale_line ON sale_line.sale_id = changed.id
ORDER BY sale_line.position`
  if (!scanned) return `${change}\nSELECT ${columns}\nFROM changed\n${joins}`
  return `${change}
SELECT ${selectList(product, 'product', 'product.')}, ${columns}
FROM (VALUES (1)) AS one
LEFT JOIN product ON product.store_id = $3 AND product.${scanned} = $4
LEFT JOIN changed ON true
${joins}`
}

/** Touching the sale's row (`updated_at` $2) locks it for a change to its cart. */
const LOCK_CART = changeSaleAnsweringCart('updated_at = $2', 'id = $1')
const LOCK_CART_SCANNING_BARCODE = changeSaleAnsweringCart('updated_at = $2', 'id = $1', 'barcode')
const LOCK_CART_SCANNING_PRODUCT = changeSaleAnsweringCart('updated_at = $2', 'id = $1', 'id')
const TOUCH_SALE = changeSaleAnswering('updated_at = $2', 'id = $1')

type ChangedRow = Record<string, unknown> & { memberName: string | null; memberPoints: number | null }

const saleFields = fieldsOf<SaleRow>(sale, '')
const lineFields = fieldsOf<SaleLineRow>(saleLine, 'line.')
const productFields = fieldsOf<Product>(product, 'product.')

/** The sale and its member out of a row a change answered (`CHANGED_SALE_COLUMNS`); undefined if none changed. */
function touchedSaleOf(row: ChangedRow | undefined): TouchedSale | undefined {
  const sale = row && saleFields(row)
  return row && sale ? { ...sale, member: memberOf(sale, row.memberName, row.memberPoints) } : undefined
}

/** The sale and its lines out of `changeSaleAnsweringCart`'s rows (one per line); undefined if no sale changed. */
function cartOf(rows: readonly ChangedRow[]): LockedCart | undefined {
  const sale = touchedSaleOf(rows[0])
  return sale && { sale, lines: linesIn(rows) }
}

/** The lines out of the rows of a sale joined to its lines (`line.` keys), in their order; none if it has none. */
function linesIn(rows: readonly Record<string, unknown>[]): SaleLineRow[] {
  const lines: SaleLineRow[] = []
  for (const row of rows) {
    const line = lineFields(row)
    if (line) lines.push(line)
  }
  return lines
}

/** The product a scan asks for: by barcode (the scanner) or id (a tap, a search), in the till's store. */
export type WantedProduct = { storeId: string } & ({ barcode: string } | { productId: string })

/**
 * Touches the sale's row and so locks it until the transaction ends (whatever
 * its state or till: the caller checks, and throws to roll the touch back);
 * answers it with its member and its lines, and with `wanted`, the product
 * (undefined if there is none). The sale is undefined if it does not exist.
 * Usually one statement; two more when another transaction changed the sale
 * while this one waited for its lock (see `changeSaleAnsweringCart`).
 */
export async function lockCart(
  tx: Db,
  saleId: string,
  now: Date,
  wanted?: WantedProduct,
): Promise<{ cart: LockedCart | undefined; product: Product | undefined }> {
  let text = LOCK_CART
  const params: unknown[] = [saleId, now]
  if (wanted) {
    text = 'barcode' in wanted ? LOCK_CART_SCANNING_BARCODE : LOCK_CART_SCANNING_PRODUCT
    params.push(wanted.storeId, 'barcode' in wanted ? wanted.barcode : wanted.productId)
  }
  const rows = await queryRows<ChangedRow>(tx, text, params)
  const product = wanted && rows[0] ? productFields(rows[0]) : undefined
  const cart = cartOf(rows)
  if (cart) return { cart, product }
  const [touched] = await queryRows<ChangedRow>(tx, TOUCH_SALE, [saleId, now])
  const sale = touchedSaleOf(touched)
  return { cart: sale && { sale, lines: await linesOf(tx, saleId) }, product }
}

/** Who a sale is for: the customer as the cashier identified them, all null for nobody. */
export interface SaleCustomerChange {
  customerMsisdn: string | null
  customerSource: CustomerSource | null
  customerPersonalQr: string | null
}

/**
 * Sets who the sale is for ($3 to $5) and, with it, the club member with that
 * number in the till's store ($6): identifying the customer is the membership
 * check (the member's account gets the points). `updated_at` is $2.
 */
const SET_CUSTOMER = `customer_msisdn = $3, customer_source = $4, customer_personal_qr = $5,
    member_id = (SELECT id FROM member WHERE member.store_id = $6 AND member.msisdn = $3),
    updated_at = $2`

/** The usual case: an open sale of the till ($7) gets its customer, and is answered with its lines. */
const SET_OPEN_SALE_CUSTOMER = changeSaleAnsweringCart(
  SET_CUSTOMER,
  "id = $1 AND till_id = $7 AND state = 'open'",
)

/** Any sale gets its customer, locking it; the caller checks it may, and throws to roll the change back. */
const SET_SALE_CUSTOMER = changeSaleAnswering(SET_CUSTOMER, 'id = $1')

function customerParams(saleId: string, now: Date, customer: SaleCustomerChange, storeId: string): unknown[] {
  return [saleId, now, customer.customerMsisdn, customer.customerSource, customer.customerPersonalQr, storeId]
}

/**
 * Sets the customer of an open sale of the till, in one statement (its row
 * lock is the sale's), and answers the sale with its lines; undefined if the
 * sale is not an open sale of that till (or changed while this waited for it).
 */
export async function setOpenSaleCustomer(
  db: Db,
  saleId: string,
  now: Date,
  customer: SaleCustomerChange,
  till: { storeId: string; tillId: string },
): Promise<LockedCart | undefined> {
  const params = customerParams(saleId, now, customer, till.storeId)
  return cartOf(await queryRows<ChangedRow>(db, SET_OPEN_SALE_CUSTOMER, [...params, till.tillId]))
}

/** Sets the customer of any sale, locking it; its member from store `storeId`. Undefined if there is no such sale. */
export async function setSaleCustomer(
  tx: Db,
  saleId: string,
  now: Date,
  customer: SaleCustomerChange,
  storeId: string,
): Promise<TouchedSale | undefined> {
  const [row] = await queryRows<ChangedRow>(
    tx,
    SET_SALE_CUSTOMER,
    customerParams(saleId, now, customer, storeId),
  )
  return touchedSaleOf(row)
}

const LINES_OF = `SELECT ${LINE_COLUMNS} FROM sale_line WHERE sale_id = $1 ORDER BY position`

export async function linesOf(db: Db, saleId: string): Promise<SaleLineRow[]> {
  return queryRows<SaleLineRow>(db, LINES_OF, [saleId])
}

/** The position after the sale's last line, from its lines read under the sale's lock. */
export function nextPosition(lines: readonly SaleLineRow[]): number {
  return lines.reduce((last, line) => Math.max(last, line.position), 0) + 1
}

/** A line built whole in code (`lineFor`): nothing is read back. */
const INSERT_LINE = insertRow(saleLine)

export async function insertLine(tx: Db, line: SaleLineRow): Promise<void> {
  await queryRows(tx, INSERT_LINE.text, INSERT_LINE.paramsOf(line))
}

/** Writes what may change on a line (its quantity, its discount) as `line` has it. */
const UPDATE_LINE = `UPDATE sale_line
SET quantity = $2, discount_kind = $3, discount_value = $4, discounted_by = $5, updated_at = $6
WHERE id = $1`

export async function updateLine(tx: Db, line: SaleLineRow): Promise<void> {
  await queryRows(tx, UPDATE_LINE, [
    line.id,
    line.quantity,
    line.discountKind,
    line.discountValue,
    line.discountedBy,
    line.updatedAt,
  ])
}

export async function deleteLine(tx: Db, lineId: string): Promise<void> {
  await queryRows(tx, 'DELETE FROM sale_line WHERE id = $1', [lineId])
}

/** What a change may set on a sale's row; `updatedAt` always. */
export type SaleChanges = Partial<
  Pick<
    SaleRow,
    | 'state'
    | 'receiptNumber'
    | 'closedAt'
    | 'customerMsisdn'
    | 'customerSource'
    | 'customerPersonalQr'
    | 'memberId'
  >
> & { updatedAt: Date }

export async function updateSale(tx: Db, saleId: string, changes: SaleChanges): Promise<void> {
  await tx.update(sale).set(changes).where(eq(sale.id, saleId))
}

/**
 * Takes the store's next receipt number. The counter row is updated in the
 * caller's transaction: concurrent sales queue on its row lock, and a rolled
 * back sale gives its number back, so the numbers have no gaps and no repeats.
 */
export async function takeReceiptNumber(tx: Db, storeId: string): Promise<number> {
  const [row] = await tx
    .update(store)
    .set({ nextReceiptNumber: sql`${store.nextReceiptNumber} + 1` })
    .where(eq(store.id, storeId))
    .returning({ next: store.nextReceiptNumber })
  if (!row) throw new Error(`store ${storeId} does not exist`)
  return row.next - 1
}

/** A line's discount as the domain holds it, from its two columns. */
export function discountOf(line: SaleLineRow): LineDiscount | null {
  if (line.discountKind === 'amount' && line.discountValue !== null) {
    return { kind: 'amount', amount: line.discountValue }
  }
  if (line.discountKind === 'percent' && line.discountValue !== null) {
    return { kind: 'percent', percent: line.discountValue }
  }
  return null
}
