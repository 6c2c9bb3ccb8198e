/**
 * Everything a till's modules share: the database, the clock and the domain
 * services. Built once per app (app.ts).
 */

import type { Cashiers } from './cashiers/service.ts'
import type { Catalogue } from './catalogue/service.ts'
import type { Clock } from './clock.ts'
import type { Club } from './club/service.ts'
import type { Customers } from './customers/service.ts'
import type { Db, PosDatabase } from './db/database.ts'
import type { EndOfDay } from './endofday/service.ts'
import type { Journal } from './journal/service.ts'
import type { LiveEvents } from './live/hub.ts'
import type { VippsPlatform } from './payments/platform.ts'
import type { Payments } from './payments/service.ts'
import type { BackgroundWorker } from './payments/worker.ts'
import type { Receipts } from './receipts/service.ts'
import type { Reconciliation } from './reconciliation/service.ts'
import type { Refunds } from './refunds/service.ts'
import type { Sales } from './sales/service.ts'
import type { Webhooks } from './webhooks/service.ts'

export interface PosConfig {
  /** Mark the session cookie Secure (behind HTTPS). Off for http://127.0.0.1. */
  cookieSecure: boolean
  /** The Vipps MobilePay API base the payment flow calls (the sandbox by default). */
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
  customers: Customers
  /** The Vipps MobilePay clients, one per MSN. */
  platform: VippsPlatform
  payments: Payments
  refunds: Refunds
  receipts: Receipts
  journal: Journal
  /** Z reports and closing the day. */
  endOfDay: EndOfDay
  /** Settlement reconciliation and the in-flight check. */
  reconciliation: Reconciliation
  webhooks: Webhooks
  /** The customer club: members, consents, points and enrolments. */
  club: Club
  /** Changes to sales and payments, for the cashiers' screens, across processes. */
  live: LiveEvents
  /** Polls, captures, cancels and sweeps in the background (started by startPos). */
  worker: BackgroundWorker
}
