/**
 * A till as a process of its own, for the tests that kill it (SIGKILL), run
 * two side by side, or read everything it logs. Started by `spawnTill`
 * (processes.ts) with its settings as JSON in KASSE_TEST_TILL; it starts the
 * till exactly as `kasse pos` does (startPos: migrations, the demo seed, the
 * webhook registration, the background worker), adds the extra tills a test
 * asks for, and tells its parent where it listens over the IPC channel. Its
 * log goes to stdout as the till writes it.
 */

import { till } from '../../src/db/schema.ts'
import type { VippsSettings } from '../../src/payments/platform.ts'
import type { PaymentTimings } from '../../src/payments/service.ts'
import { DEMO_STORE } from '../../src/seed/demo.ts'
import { startPos } from '../../src/server.ts'

/** What the parent passes in KASSE_TEST_TILL. */
export interface TillProcessSettings {
  port: number
  databaseUrl: string
  dataDir: string | undefined
  vipps: VippsSettings
  /** Where the platform reaches this till (a shared URL for processes behind one address). */
  publicUrl?: string
  paymentTimings?: Partial<PaymentTimings>
  /** Tills `till-3` … `till-<n>` besides the demo's two, so many cashiers can check out at once. */
  tills?: number
  /** The pino level; default warn, as `kasse pos` runs. */
  logLevel?: string
}

/** The message the process sends its parent once it listens. */
export interface TillReady {
  ready: true
  url: string
  webhookUrl: string | undefined
  claimer: string
}

const settings = JSON.parse(process.env.KASSE_TEST_TILL ?? '{}') as TillProcessSettings

const pos = await startPos({
  port: settings.port,
  databaseUrl: settings.databaseUrl,
  dataDir: settings.dataDir,
  vipps: settings.vipps,
  ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
  paymentTimings: settings.paymentTimings,
  logger: { level: settings.logLevel ?? 'warn' },
})

const extra = Array.from({ length: Math.max(0, (settings.tills ?? 2) - 2) }, (_, i) => ({
  id: `till_test_${i + 3}`,
  storeId: DEMO_STORE.id,
  posId: `till-${i + 3}`,
  name: `Kasse ${i + 3}`,
  createdAt: new Date(),
}))
if (extra.length > 0) await pos.ctx.db.insert(till).values(extra).onConflictDoNothing()

const stop = async () => {
  await pos.close().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
// The parent gone (its test ended or crashed): stop rather than linger.
process.once('disconnect', stop)

const ready: TillReady = {
  ready: true,
  url: pos.url,
  webhookUrl: pos.webhookUrl,
  claimer: pos.ctx.payments.claimer,
}
process.send?.(ready)
