/**
 * Sales and their lines in the database. Every change to a cart happens in a
 * transaction that first locks the sale's row, so two requests for the same
 * sale (a double scan, two tabs) apply one after the other; different tills'
 * sales never wait for each other.
 */
import { and, asc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { member, pointsEntry, sale, saleLine, store, till } from '../db/schema.ts'
import type { SaleState } from './machine.ts'
import type { LineDiscount } from './pricing.ts'

export type SaleRow = typeof sale.$inferSelect
export type SaleLineRow = typeof saleLine.$inferSelect

/** The states in which a sale is its till's current sale (the partial unique index's predicate). */
const CURRENT_STATES: SaleState[] = ['open', 'awaiting_payment']

/** The till's current sale, as `findSale` answers it. */
export function findCurrentSale(db: Db, tillId: string): Promise<FoundSale | undefined> {
  return findSaleWhere(db, and(eq(sale.tillId, tillId), inArray(sale.state, CURRENT_STATES))!)
}

/**
 * Inserts an open sale for the till unless it already has a current one; the
 * partial unique index decides between two requests racing to open one.
 * The row inserted, or undefined if the till had a current sale.
 */
export async function insertOpenSaleUnlessCurrent(
  db: Db,
  row: typeof sale.$inferInsert,
): Promise<SaleRow | undefined> {
  const [inserted] = await db
    .insert(sale)
    .values(row)
    .onConflictDoNothing({
      target: sale.tillId,
      where: sql`state IN ('open', 'awaiting_payment')`,
    })
    .returning()
  return inserted
}

/** The sale's row, locked until the transaction ends. */
export async function lockSale(tx: Db, saleId: string): Promise<SaleRow | undefined> {
  const [row] = await tx.select().from(sale).where(eq(sale.id, saleId)).for('update')
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

/** The sale's own row, nothing joined. */
export async function findSaleRow(db: Db, saleId: string): Promise<SaleRow | undefined> {
  const [row] = await db.select().from(sale).where(eq(sale.id, saleId))
  return row
}

export function findSale(db: Db, saleId: string): Promise<FoundSale | undefined> {
  return findSaleWhere(db, eq(sale.id, saleId))
}

async function findSaleWhere(db: Db, condition: SQL): Promise<FoundSale | undefined> {
  const [row] = await db
    .select({
      sale,
      posId: till.posId,
      memberName: member.name,
      memberPoints: member.points,
      pointsEarned: pointsEntry.points,
    })
    .from(sale)
    .innerJoin(till, eq(till.id, sale.tillId))
    .leftJoin(member, eq(member.id, sale.memberId))
    .leftJoin(pointsEntry, and(eq(pointsEntry.saleId, sale.id), eq(pointsEntry.reason, 'purchase')))
    .where(condition)
  if (!row) return undefined
  return {
    ...row.sale,
    posId: row.posId,
    member: memberOf(row.sale, row.memberName, row.memberPoints),
    pointsEarned: row.pointsEarned,
  }
}

function memberOf(row: SaleRow, name: string | null, points: number | null): SaleMemberRow | null {
  return row.memberId !== null && name !== null && points !== null ? { id: row.memberId, name, points } : null
}

/** A sale's row as a change under its lock left it, with its member. */
export interface TouchedSale extends SaleRow {
  member: SaleMemberRow | null
}

/**
 * Changes the sale's row and so locks it until the transaction ends, in one
 * statement; answers the row as it now is, with its member. The caller checks
 * the row and throws (rolling the change back) if the sale may not change;
 * or gives `only`, and the sale changes only if it is that till's and in that state.
 */
export async function changeSale(
  tx: Db,
  saleId: string,
  changes: SaleChanges,
  only?: { tillId: string; state: SaleState },
): Promise<TouchedSale | undefined> {
  const [row] = await tx
    .update(sale)
    .set(changes)
    .where(
      only
        ? and(eq(sale.id, saleId), eq(sale.tillId, only.tillId), eq(sale.state, only.state))
        : eq(sale.id, saleId),
    )
    .returning({
      ...getTableColumns(sale),
      memberName: sql<
        string | null
      >`(select ${member.name} from ${member} where ${member.id} = ${sale.memberId})`,
      memberPoints: sql<
        number | null
      >`(select ${member.points} from ${member} where ${member.id} = ${sale.memberId})`,
    })
  if (!row) return undefined
  const { memberName, memberPoints, ...rest } = row
  return { ...rest, member: memberOf(rest, memberName, memberPoints) }
}

export async function linesOf(db: Db, saleId: string): Promise<SaleLineRow[]> {
  return db.select().from(saleLine).where(eq(saleLine.saleId, saleId)).orderBy(asc(saleLine.position))
}

/** The position after the sale's last line, from its lines read under the sale's lock. */
export function nextPosition(lines: readonly SaleLineRow[]): number {
  return lines.reduce((last, line) => Math.max(last, line.position), 0) + 1
}

export async function insertLine(tx: Db, row: typeof saleLine.$inferInsert): Promise<void> {
  await tx.insert(saleLine).values(row)
}

export async function updateLine(
  tx: Db,
  lineId: string,
  changes: Partial<Pick<SaleLineRow, 'quantity' | 'discountKind' | 'discountValue' | 'discountedBy'>> & {
    updatedAt: Date
  },
): Promise<void> {
  await tx.update(saleLine).set(changes).where(eq(saleLine.id, lineId))
}

export async function deleteLine(tx: Db, lineId: string): Promise<void> {
  await tx.delete(saleLine).where(eq(saleLine.id, lineId))
}

/** What a change may set on a sale's row; `updatedAt` always. Its member may be an expression (a look-up). */
export type SaleChanges = Partial<
  Pick<
    SaleRow,
    'state' | 'receiptNumber' | 'closedAt' | 'customerMsisdn' | 'customerSource' | 'customerPersonalQr'
  > & { memberId: string | null | SQL<string | null> }
> & { updatedAt: Date }

export async function updateSale(tx: Db, saleId: string, changes: SaleChanges): Promise<void> {
  await tx.update(sale).set(changes).where(eq(sale.id, saleId))
}

/**
 * Changes a sale that waits for payment, in one statement (PostgreSQL checks
 * the state again on the locked row); false if it was not waiting or does not exist.
 */
export async function changeSaleIfWaiting(db: Db, saleId: string, changes: SaleChanges): Promise<boolean> {
  const changed = await db
    .update(sale)
    .set(changes)
    .where(and(eq(sale.id, saleId), eq(sale.state, 'awaiting_payment')))
    .returning({ id: sale.id })
  return changed.length === 1
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
