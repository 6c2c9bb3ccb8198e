/**
 * The sale's side of its payment in the database: locking it for the payment
 * request, freezing it with its receipt number, and registering the
 * payment's end (paid, or back to editing). Plain SQL text constants run with
 * `queryRows` (@kasse/storage), since every checkout runs them: drizzle's
 * query builder costs more CPU than these statements themselves.
 */
import { queryRows } from '@kasse/storage'
import type { Db } from '../db/database.ts'
import { sale, saleLine } from '../db/schema.ts'
import { selectList } from '../db/select-list.ts'
import {
  type FoundSale,
  type FoundSaleRow,
  memberOf,
  type SaleLineRow,
  type SaleMemberRow,
  type SaleRow,
  saleWithLinesOf,
} from './store.ts'

/** A sale locked for its payment request: its row, its till's posId and its member. */
export interface PayingSale extends SaleRow {
  posId: string
  member: SaleMemberRow | null
}

/**
 * The till's posId and the member as subqueries, not joins: a statement that
 * waits for the sale's lock then sees the sale as the other transaction left
 * it, and a subquery follows that row (a joined row would be the one read
 * before the wait).
 */
const POS_ID_AND_MEMBER = `(SELECT pos_id FROM till WHERE till.id = sale.till_id) AS "posId",
    (SELECT name FROM member WHERE member.id = sale.member_id) AS "memberName",
    (SELECT points FROM member WHERE member.id = sale.member_id) AS "memberPoints"`

const LOCK_FOR_PAYMENT = `SELECT ${selectList(sale, 'sale')}, ${POS_ID_AND_MEMBER}
  FROM sale WHERE id = $1 FOR UPDATE`

type SaleRowWithMember = SaleRow & { posId: string; memberName: string | null; memberPoints: number | null }

/** The sale, locked until the transaction ends, with what its payment request needs. */
export async function lockSaleForPayment(tx: Db, saleId: string): Promise<PayingSale | undefined> {
  const [row] = await queryRows<SaleRowWithMember>(tx, LOCK_FOR_PAYMENT, [saleId])
  if (!row) return undefined
  const { memberName, memberPoints, ...locked } = row
  return { ...locked, member: memberOf(locked, memberName, memberPoints) }
}

/**
 * The sale with its posId, member and earned points, and its lines (a sale
 * without lines: one row whose line columns are null), in one statement and
 * so in one snapshot. Not for a locked read: the lines must be read after the
 * sale's lock is taken, in a statement of their own.
 */
const LOAD_SALE = `SELECT ${selectList(sale, 'sale')}, ${POS_ID_AND_MEMBER},
    (SELECT points FROM points_entry
      WHERE points_entry.sale_id = sale.id AND points_entry.reason = 'purchase') AS "pointsEarned",
    ${selectList(saleLine, 'line', 'line.')}
  FROM sale LEFT JOIN sale_line AS line ON line.sale_id = sale.id
  WHERE sale.id = $1
  ORDER BY line.position`

/** A sale as the payment flow and the screens read it whole: its row, posId, member and points, and its lines. */
export async function loadSale(
  db: Db,
  saleId: string,
): Promise<{ sale: FoundSale; lines: SaleLineRow[] } | undefined> {
  return saleWithLinesOf(await queryRows<FoundSaleRow>(db, LOAD_SALE, [saleId]))
}

/**
 * Freezes the sale and takes the store's next receipt number for it, in one
 * statement. The counter row is updated in the caller's transaction:
 * concurrent sales queue on its row lock, and a rolled back sale gives its
 * number back, so the numbers have no gaps and no repeats.
 */
const FREEZE_WITH_NEW_RECEIPT_NUMBER = `WITH taken AS (
    UPDATE store SET next_receipt_number = next_receipt_number + 1 WHERE id = $2
    RETURNING next_receipt_number - 1 AS number
  )
  UPDATE sale SET state = 'awaiting_payment', receipt_number = (SELECT number FROM taken), updated_at = $3
  WHERE id = $1
  RETURNING receipt_number AS "receiptNumber"`

/** Freezes a sale that has its receipt number (from a payment tried before). */
const FREEZE = `UPDATE sale SET state = 'awaiting_payment', updated_at = $2 WHERE id = $1`

/**
 * Freezes a sale locked in the caller's transaction for payment, giving it
 * the store's next receipt number unless it has one; returns its receipt number.
 */
export async function freezeSale(
  tx: Db,
  locked: Pick<SaleRow, 'id' | 'storeId' | 'receiptNumber'>,
  now: Date,
): Promise<number> {
  if (locked.receiptNumber !== null) {
    await queryRows(tx, FREEZE, [locked.id, now])
    return locked.receiptNumber
  }
  const [row] = await queryRows<{ receiptNumber: number | null }>(tx, FREEZE_WITH_NEW_RECEIPT_NUMBER, [
    locked.id,
    locked.storeId,
    now,
  ])
  if (row?.receiptNumber == null) throw new Error(`store ${locked.storeId} does not exist`)
  return row.receiptNumber
}

const MARK_PAID_IF_WAITING = `UPDATE sale SET state = 'paid', closed_at = $2, updated_at = $2
  WHERE id = $1 AND state = 'awaiting_payment'
  RETURNING member_id AS "memberId"`

/**
 * Registers a sale waiting for payment as paid, in one statement (PostgreSQL
 * checks the state again on the locked row); answers its member (who earns
 * points), or undefined if it was not waiting or does not exist.
 */
export async function markPaidIfWaiting(
  db: Db,
  saleId: string,
  now: Date,
): Promise<{ memberId: string | null } | undefined> {
  const [row] = await queryRows<{ memberId: string | null }>(db, MARK_PAID_IF_WAITING, [saleId, now])
  return row
}

const REOPEN_IF_WAITING = `UPDATE sale SET state = 'open', updated_at = $2
  WHERE id = $1 AND state = 'awaiting_payment'`

/** Unfreezes a sale waiting for payment, in one statement; a sale no longer waiting is left as it is. */
export async function reopenIfWaiting(db: Db, saleId: string, now: Date): Promise<void> {
  await queryRows(db, REOPEN_IF_WAITING, [saleId, now])
}
