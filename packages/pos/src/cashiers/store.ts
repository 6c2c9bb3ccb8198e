/**
 * Tills, cashiers and their sessions in the database. Every rule that must
 * hold with several till processes (one open session per till, the count of
 * wrong PINs) is enforced here with row locks and constraints.
 */
import type { Currency } from '@kasse/vipps'
import { and, eq, gt, isNull } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { type CashierRole, type Country, cashier, cashierSession, store, till } from '../db/schema.ts'

export interface TillRecord {
  id: string
  storeId: string
  posId: string
  name: string
}

export interface CashierRecord {
  id: string
  storeId: string
  staffNumber: string
  name: string
  role: CashierRole
  pinHash: string
}

/** A signed-in cashier at a till: who is asking, where, with what rights. */
export interface Actor {
  sessionId: string
  csrfToken: string
  expiresAt: Date
  cashierId: string
  cashierName: string
  role: CashierRole
  tillId: string
  posId: string
  tillName: string
  storeId: string
  storeName: string
  msn: string
  currency: Currency
  country: Country
}

/** What counting one sign-in attempt found. */
export type AttemptCount =
  | { kind: 'unknown-till' }
  | { kind: 'locked'; until: Date }
  | { kind: 'counted'; till: TillRecord; failuresInARow: number }

export class CashierStore {
  constructor(private readonly db: Db) {}

  /**
   * Counts a sign-in attempt at a till as a failure before its PIN is checked,
   * under the till's row lock, so guesses sent all at once cannot get past the
   * limit; a right PIN clears the count afterwards. Failures older than
   * `windowMs` no longer count.
   */
  async countAttempt(posId: string, now: Date, windowMs: number): Promise<AttemptCount> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(till).where(eq(till.posId, posId)).for('update')
      if (!row) return { kind: 'unknown-till' }
      if (row.lockedUntil && row.lockedUntil > now) return { kind: 'locked', until: row.lockedUntil }
      const recent =
        row.lastFailedSignInAt !== null && now.getTime() - row.lastFailedSignInAt.getTime() < windowMs
      const failuresInARow = (recent ? row.failedSignIns : 0) + 1
      await tx
        .update(till)
        .set({ failedSignIns: failuresInARow, lastFailedSignInAt: now, lockedUntil: null })
        .where(eq(till.id, row.id))
      return {
        kind: 'counted',
        till: { id: row.id, storeId: row.storeId, posId: row.posId, name: row.name },
        failuresInARow,
      }
    })
  }

  /** Locks the till against sign-in until `until`, and starts the count afresh for afterwards. */
  async lockTill(tillId: string, until: Date): Promise<void> {
    await this.db
      .update(till)
      .set({ lockedUntil: until, failedSignIns: 0, lastFailedSignInAt: null })
      .where(eq(till.id, tillId))
  }

  async findActiveCashier(storeId: string, staffNumber: string): Promise<CashierRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(cashier)
      .where(
        and(eq(cashier.storeId, storeId), eq(cashier.staffNumber, staffNumber), eq(cashier.active, true)),
      )
    return row
  }

  /**
   * Opens a session: clears the till's failure count and ends whatever session
   * was open there (a till has one cashier at a time), in one transaction.
   */
  async openSession(session: {
    id: string
    cashierId: string
    tillId: string
    csrfToken: string
    createdAt: Date
    expiresAt: Date
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .update(till)
        .set({ failedSignIns: 0, lastFailedSignInAt: null })
        .where(eq(till.id, session.tillId))
      await tx
        .update(cashierSession)
        .set({ endedAt: session.createdAt })
        .where(and(eq(cashierSession.tillId, session.tillId), isNull(cashierSession.endedAt)))
      await tx.insert(cashierSession).values(session)
    })
  }

  /** The actor behind a live session, or undefined if it ended, expired or its cashier was deactivated. */
  async findActor(sessionId: string, now: Date): Promise<Actor | undefined> {
    const [row] = await this.db
      .select({
        sessionId: cashierSession.id,
        csrfToken: cashierSession.csrfToken,
        expiresAt: cashierSession.expiresAt,
        cashierId: cashier.id,
        cashierName: cashier.name,
        role: cashier.role,
        tillId: till.id,
        posId: till.posId,
        tillName: till.name,
        storeId: store.id,
        storeName: store.name,
        msn: store.msn,
        currency: store.currency,
        country: store.country,
      })
      .from(cashierSession)
      .innerJoin(cashier, eq(cashier.id, cashierSession.cashierId))
      .innerJoin(till, eq(till.id, cashierSession.tillId))
      .innerJoin(store, eq(store.id, till.storeId))
      .where(
        and(
          eq(cashierSession.id, sessionId),
          isNull(cashierSession.endedAt),
          gt(cashierSession.expiresAt, now),
          eq(cashier.active, true),
        ),
      )
    return row
  }

  async endSession(sessionId: string, now: Date): Promise<void> {
    await this.db
      .update(cashierSession)
      .set({ endedAt: now })
      .where(and(eq(cashierSession.id, sessionId), isNull(cashierSession.endedAt)))
  }
}
