/**
 * Everything a till's modules share: the database, the clock and the domain
 * services. Built once per app (app.ts); the payment flow adds its own.
 */

import type { Cashiers } from './cashiers/service.ts'
import type { Catalogue } from './catalogue/service.ts'
import type { Clock } from './clock.ts'
import type { Db, PosDatabase } from './db/database.ts'
import type { Sales } from './sales/service.ts'

export interface PosConfig {
  /** Mark the session cookie Secure (behind HTTPS). Off for http://127.0.0.1. */
  cookieSecure: boolean
  /** The Vipps MobilePay API base the payment flow will call (the sandbox by default). */
  vippsBaseUrl: string | undefined
}

export interface PosContext {
  database: PosDatabase
  db: Db
  clock: Clock
  config: PosConfig
  cashiers: Cashiers
  catalogue: Catalogue
  sales: Sales
}
