/** Starts a shop listening on a port, for `kasse up` and tests that cross the wire. */
import { openDatabase } from '@kasse/storage'
import type { VippsClient } from '@kasse/vipps'
import type { FastifyServerOptions } from 'fastify'
import { buildShopApp, type ShopApp } from './app.ts'
import { seedCatalogue } from './catalogue/seed.ts'
import { type Clock, systemClock } from './clock.ts'
import { loadShopConfig, type ShopConfig } from './config.ts'
import { DEFAULT_SHOP_DATA_DIR, SHOP_SCHEMA, type ShopDatabase } from './db/database.ts'
import type { StatusSyncOptions } from './orders/sync.ts'
import { WEBHOOK_PATH } from './webhooks/registration.ts'

export interface StartShopOptions {
  /** Default: `loadShopConfig()` (the environment and SHOP_CONFIG). */
  config?: ShopConfig
  /** 0 picks a free port. Default 4030. */
  port?: number
  host?: string
  /** Seed the demo catalogue where products are missing. Default true. */
  seedDemo?: boolean
  /** How often the status sync runs; 0 turns it off (tests sweep themselves). Default 5 s. */
  syncIntervalMs?: number
  sync?: StatusSyncOptions
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** An open database to use (and leave open) instead of the configured one: tests. */
  database?: ShopDatabase
  /** The client to Vipps MobilePay instead of one from the config: tests that inject faults. */
  vipps?: VippsClient
}

export interface RunningShop extends ShopApp {
  /** e.g. `http://127.0.0.1:4030` */
  url: string
  close(): Promise<void>
}

/**
 * Opens the database (migrating it), seeds the catalogue, listens, registers
 * the ePayment webhook at its public URL and starts the status sync.
 *
 * @example
 * const shop = await startShop({ port: 0, config })
 * console.log(shop.url) // http://127.0.0.1:41234
 * await shop.close()
 */
export async function startShop(options: StartShopOptions = {}): Promise<RunningShop> {
  const config = options.config ?? loadShopConfig()
  const clock = options.clock ?? systemClock
  const owned = options.database === undefined
  const database =
    options.database ??
    (await openDatabase(
      SHOP_SCHEMA,
      config.databaseUrl
        ? { databaseUrl: config.databaseUrl }
        : { dataDir: config.dataDir ?? DEFAULT_SHOP_DATA_DIR },
    ))
  const closeDatabase = () => (owned ? database.close() : Promise.resolve())
  let url = config.publicUrl ?? ''
  let stopSync = () => {}
  try {
    if (options.seedDemo !== false) await seedCatalogue(database.db, clock)
    const shop = await buildShopApp({
      database,
      config,
      clock,
      logger: options.logger,
      publicUrl: () => url,
      ...(options.vipps ? { vipps: options.vipps } : {}),
      ...(options.sync ? { sync: options.sync } : {}),
    })
    const host = options.host ?? '127.0.0.1'
    await shop.app.listen({ port: options.port ?? 4030, host })
    const address = shop.app.server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    const listening = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
    url ||= listening
    try {
      await shop.ctx.webhooks.ensure(`${url}${WEBHOOK_PATH}`)
    } catch (error) {
      // The shop still works without webhooks: the return page and the status sync ask Vipps themselves.
      shop.app.log.error(
        { err: { type: (error as Error).name } },
        'webhook registration failed; relying on polling',
      )
    }
    const interval = options.syncIntervalMs ?? 5_000
    if (interval > 0) stopSync = shop.ctx.sync.start(interval)
    return {
      ...shop,
      url: listening,
      close: async () => {
        stopSync()
        await shop.app.close()
        await closeDatabase()
      },
    }
  } catch (error) {
    stopSync()
    await closeDatabase()
    throw error
  }
}
