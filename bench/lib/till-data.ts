/**
 * The checkout suite's data in the till's database: the demo store and
 * catalogue (as `kasse pos` seeds them), plus one till and one cashier per
 * concurrent checkout, so each bench till has its own session, current sale
 * and event stream as at a real store. Idempotent.
 */
import { type PosDatabase, seedDemo, systemClock } from '@kasse/pos'
// The till's own PIN hashing, so the bench cashiers sign in exactly as the demo's do.
import { hashPin } from '../../packages/pos/src/cashiers/pin.ts'
import { BENCH_PIN, benchTills } from './checkout-load.ts'

export async function prepareBenchTills(database: PosDatabase, count: number): Promise<void> {
  await seedDemo(database.db, systemClock)
  const store = await database.withRawTransaction((raw) =>
    raw.query<{ id: string }>('SELECT id FROM store ORDER BY created_at LIMIT 1'),
  )
  const storeId = store[0]?.id
  if (!storeId) throw new Error('the demo seed made no store')
  // One hash for every bench cashier: scrypt is slow on purpose, and the PIN is the same.
  const pinHash = await hashPin(BENCH_PIN)
  const now = new Date()
  await database.withRawTransaction(async (raw) => {
    for (const t of benchTills(count)) {
      await raw.query(
        `INSERT INTO till (id, store_id, pos_id, name, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [`till_${t.posId}`, storeId, t.posId, `Bench ${t.posId}`, now],
      )
      await raw.query(
        `INSERT INTO cashier (id, store_id, staff_number, name, role, pin_hash, created_at)
         VALUES ($1, $2, $3, $4, 'cashier', $5, $6) ON CONFLICT DO NOTHING`,
        [`csh_${t.posId}`, storeId, t.staffNumber, `Bench cashier ${t.staffNumber}`, pinHash, now],
      )
    }
  })
}
