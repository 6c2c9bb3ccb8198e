/**
 * What the shop's modules share: the database, the clock, the configuration
 * and the domain services. Built once per app (app.ts).
 */
import type { VippsClient } from '@kasse/vipps'
import type { Carts } from './cart/service.ts'
import type { Catalogue } from './catalogue/service.ts'
import type { Clock } from './clock.ts'
import type { ShopDb } from './db/database.ts'
import type { Orders } from './orders/service.ts'
import type { StatusSync } from './orders/sync.ts'
import type { ShopSettlement } from './settlement/service.ts'
import type { WebhookRegistration } from './webhooks/registration.ts'

export interface ShopContext {
  db: ShopDb
  clock: Clock
  shopName: string
  /** Where browsers and Vipps MobilePay reach the shop (known once it listens). */
  publicUrl: () => string
  admin: { username: string; password: string }
  cookieSecure: boolean
  vipps: VippsClient
  catalogue: Catalogue
  carts: Carts
  orders: Orders
  sync: StatusSync
  /** The day's orders against the platform's settlement report (admin). */
  settlement: ShopSettlement
  webhooks: WebhookRegistration
}
