/**
 * The sale's side of its payment in the database: locking it for the payment
 * request, freezing it with its receipt number, and registering the
 * payment's end (paid, or back to editing). Plain SQL text constants run with
 * `queryRows` (@kasse/storage), since every checkout runs them: drizzle's
 * query builder costs more CPU than these statements themselves.
 */
import { queryRows } from '@kasse/storage'
import type { Db } from '../db/database.ts'
import { sale } from '../db/schema.ts'
import { selectList } from '../db/select-list.ts'
import type { SaleMemberRow, SaleRow } from './store.ts'

/** A sale locked for its payment request: its row, its till's posId and its member. */
export interface PayingSale extends SaleRow {
  posId: string
  member: SaleMemberRow | null
}

const LOCK_FOR_PAYMENT = `SELECT ${selectList(sale, 'sale')}, till.pos_id AS "posId",
    member.name AS "memberName", member.points AS "memberPoints"
  FROM sale
  JOIN till ON till.id = sale.till_id
  LEFT JOIN member ON member.id = sale.member_id
  WHERE sale.id = $1
  FOR UPDATE OF sale`

/** The sale, locked until the transaction ends, with what its payment request needs. */
export async function lockSaleForPayment(tx: Db, saleId: string): Promise<PayingSale | undefined> {
  const [row] = await queryRows<
    SaleRow & { posId: string; memberName: string | null; memberPoints: number | null }
  >(tx, LOCK_FOR_PAYMENT, [saleId])
  if (!row) return undefined
  const { memberName, memberPoints, ...locked } = row
  const member =
    locked.memberId !== null && memberName !== null && memberPoints !== null
      ? { id: locked.memberId, name: memberName, points: memberPoints }
      : null
  return { ...locked, member }
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
