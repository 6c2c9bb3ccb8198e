// Vitest global setup: the browser tests load the till's cashier app from
// packages/pos/web/dist, so build it first when its sources changed (usually
// nothing to do). Runs once per test run, before any test file.
import { ensureCashierAppBuilt } from '../build.mjs'

export default async function buildCashierApp() {
  await ensureCashierAppBuilt()
}
