/** Starts a till listening on a port, for `kasse pos` / `kasse up` and tests that cross the wire. */
import type { FastifyServerOptions } from 'fastify'
import { buildPosApp, type PosApp } from './app.ts'
import { type Clock, systemClock } from './clock.ts'
import { DEFAULT_DATA_DIR, openDatabase } from './db/database.ts'
import { seedDemo } from './seed/demo.ts'

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
  /** The Vipps MobilePay API base URL, e.g. the local sandbox's. */
  sandboxUrl?: string
  /** Create the demo store, tills, cashiers and catalogue where missing. Default true. */
  seedDemo?: boolean
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  cookieSecure?: boolean
}

export interface RunningPos extends PosApp {
  /** e.g. `http://127.0.0.1:4020` */
  url: string
  close(): Promise<void>
}

/**
 * Opens the database (migrating it), seeds the demo if asked, and listens.
 *
 * @example
 * const pos = await startPos({ port: 0, sandboxUrl: sandbox.url })
 * console.log(pos.url) // http://127.0.0.1:41234
 * await pos.close()
 */
export async function startPos(options: StartPosOptions = {}): Promise<RunningPos> {
  const clock = options.clock ?? systemClock
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL
  const database = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: options.dataDir ?? DEFAULT_DATA_DIR },
  )
  try {
    if (options.seedDemo !== false) await seedDemo(database.db, clock)
    const pos = await buildPosApp({
      database,
      clock,
      logger: options.logger,
      cookieSecure: options.cookieSecure,
      vippsBaseUrl: options.sandboxUrl,
    })
    const host = options.host ?? '127.0.0.1'
    await pos.app.listen({ port: options.port ?? 4020, host })
    const address = pos.app.server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    return {
      ...pos,
      url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      close: async () => {
        await pos.app.close()
        await database.close()
      },
    }
  } catch (error) {
    await database.close()
    throw error
  }
}
