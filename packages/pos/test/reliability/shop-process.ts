/**
 * The web shop as a process of its own, for the test that reads everything
 * it logs. Started by `spawnShop` (processes.ts) with its settings as JSON in
 * KASSE_TEST_SHOP; starts the shop as `kasse up` does (startShop: migrations,
 * the catalogue, the webhook registration, the status sync) and tells its
 * parent where it listens over the IPC channel. Its log goes to stdout.
 */
import { type ShopConfig, startShop } from '@kasse/shop'

export interface ShopProcessSettings {
  config: ShopConfig
  /** The pino level; default warn. */
  logLevel?: string
}

const settings = JSON.parse(process.env.KASSE_TEST_SHOP ?? '{}') as ShopProcessSettings

const shop = await startShop({
  config: settings.config,
  port: 0,
  syncIntervalMs: 500,
  logger: { level: settings.logLevel ?? 'warn' },
})

const stop = async () => {
  await shop.close().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.once('disconnect', stop)

process.send?.({ ready: true, url: shop.url })
