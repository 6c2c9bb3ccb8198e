/** Starts a till listening on a port, for `kasse pos` / `kasse up` and tests that cross the wire. */
import type { FastifyServerOptions } from 'fastify'
import { buildPosApp, type PosApp } from './app.ts'
import { type Clock, systemClock } from './clock.ts'
import { DEFAULT_DATA_DIR, openDatabase, type PosDatabase } from './db/database.ts'
import { type VippsSettings, vippsSettingsFromEnv } from './payments/platform.ts'
import type { PaymentTimings } from './payments/service.ts'
import { seedDemo } from './seed/demo.ts'
import { WEBHOOK_PATH } from './webhooks/service.ts'

export interface StartPosOptions {
  /** 0 picks a free port. Default 4020. */
  port?: number
  host?: string
  /**
   * PostgreSQL server to use. Default: process.env.DATABASE_URL if set, else the
   * embedded database; '' chooses the embedded database whatever the environment says.
   */
  databaseUrl?: string
  /** The embedded database's directory. Default `.kasse/pos-data`. */
  dataDir?: string
  /**
   * An open, migrated database to use (and leave open) instead of opening one:
   * `kasse up`, which holds the till and the shop in one embedded database.
   */
  database?: PosDatabase
  /**
   * Where and as whom to call Vipps MobilePay. Default: the environment
   * (KASSE_VIPPS_URL, KASSE_VIPPS_CLIENT_ID, KASSE_VIPPS_CLIENT_SECRET,
   * KASSE_VIPPS_SUBSCRIPTION_KEY); without either the till runs without payments.
   */
  vipps?: VippsSettings
  /** @deprecated pass `vipps`; a base URL alone cannot call the platform. */
  sandboxUrl?: string
  /**
   * The URL the platform reaches this till at, for the webhook registration
   * (behind a proxy, its public address). Default KASSE_POS_PUBLIC_URL, else
   * the address it listens on.
   */
  publicUrl?: string
  /** Create the demo store, tills, cashiers and catalogue where missing. Default true. */
  seedDemo?: boolean
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  cookieSecure?: boolean
  paymentTimings?: Partial<PaymentTimings>
}

export interface RunningPos extends PosApp {
  /** e.g. `http://127.0.0.1:4020` */
  url: string
  /** The webhook URL registered with the platform, if the till has platform settings. */
  webhookUrl: string | undefined
  close(): Promise<void>
}

/**
 * Opens the database (migrating it), seeds the demo if asked, listens,
 * registers the till's webhook with the platform and starts the background
 * worker, whose first sweep picks up payments a stopped till left unfinished.
 *
 * @example
 * const pos = await startPos({ port: 0, vipps: { baseUrl: sandbox.url, clientId, clientSecret, subscriptionKey } })
 * console.log(pos.url) // http://127.0.0.1:41234
 * await pos.close()
 */
export async function startPos(options: StartPosOptions = {}): Promise<RunningPos> {
  const clock = options.clock ?? systemClock
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL
  const vipps = options.vipps ?? vippsSettingsFromEnv()
  const owned = options.database === undefined
  const database =
    options.database ??
    (await openDatabase(databaseUrl ? { databaseUrl } : { dataDir: options.dataDir ?? DEFAULT_DATA_DIR }))
  const closeDatabase = () => (owned ? database.close() : Promise.resolve())
  try {
    if (options.seedDemo !== false) await seedDemo(database.db, clock)
    const pos = await buildPosApp({
      database,
      clock,
      logger: options.logger,
      cookieSecure: options.cookieSecure,
      vipps,
      vippsBaseUrl: options.sandboxUrl,
      paymentTimings: options.paymentTimings,
      backgroundWork: true,
    })
    const host = options.host ?? '127.0.0.1'
    try {
      await pos.app.listen({ port: options.port ?? 4020, host })
    } catch (error) {
      await pos.app.close()
      throw error
    }
    const address = pos.app.server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
    const publicUrl = (options.publicUrl ?? process.env.KASSE_POS_PUBLIC_URL ?? url).replace(/\/+$/, '')
    const webhookUrl = vipps ? `${publicUrl}${WEBHOOK_PATH}` : undefined
    // A failure here (the platform down) is logged and retried by the worker; polling covers meanwhile.
    if (webhookUrl) await pos.ctx.webhooks.registerAt(webhookUrl)
    return {
      ...pos,
      url,
      webhookUrl,
      close: async () => {
        await pos.app.close()
        await closeDatabase()
      },
    }
  } catch (error) {
    await closeDatabase()
    throw error
  }
}
