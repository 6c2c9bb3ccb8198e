/**
 * Builds one shop server: a Fastify app with the shop's pages, the Vipps
 * MobilePay webhook and eCom callbacks, and the order admin, on an open
 * database. Nothing listens until `startShop` (server.ts), so tests drive it
 * in-process with `app.inject`.
 */
import cookie from '@fastify/cookie'
import { VippsClient } from '@kasse/vipps'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { AdminAuth } from './admin/auth.ts'
import { adminRoutes } from './admin/routes.ts'
import { cartRoutes } from './cart/routes.ts'
import { Carts } from './cart/service.ts'
import { catalogueRoutes } from './catalogue/routes.ts'
import { Catalogue } from './catalogue/service.ts'
import { checkoutRoutes } from './checkout/routes.ts'
import { type Clock, systemClock } from './clock.ts'
import type { ShopConfig } from './config.ts'
import type { ShopContext } from './context.ts'
import type { ShopDatabase } from './db/database.ts'
import { expressRoutes } from './express/routes.ts'
import { Orders } from './orders/service.ts'
import { StatusSync, type StatusSyncOptions } from './orders/sync.ts'
import { EcomGateway } from './payments/ecom.ts'
import { EpaymentGateway } from './payments/epayment.ts'
import { ShopSettlement } from './settlement/service.ts'
import { createShopHttp } from './web/http.ts'
import { SHOP_CSS } from './web/layout.ts'
import { WebhookRegistration } from './webhooks/registration.ts'
import { webhookRoutes } from './webhooks/routes.ts'

export interface BuildShopAppOptions {
  /** An open, migrated database (see openDatabase with SHOP_SCHEMA). The app does not close it. */
  database: ShopDatabase
  config: ShopConfig
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** Mark cookies Secure; turn on behind HTTPS. Default: when the public URL is https. */
  cookieSecure?: boolean
  /** Where browsers and Vipps reach the shop; default `config.publicUrl`. Read at each use (the port is known late). */
  publicUrl?: () => string
  /** The client to Vipps MobilePay; one from `config.vipps` by default. Tests pass one with a fetch of their own. */
  vipps?: VippsClient
  sync?: StatusSyncOptions
}

export interface ShopApp {
  app: FastifyInstance
  ctx: ShopContext
}

/**
 * @example
 * const database = await openDatabase(SHOP_SCHEMA, { inMemory: true })
 * const { app } = await buildShopApp({ database, config: loadShopConfig() })
 * const front = await app.inject({ method: 'GET', url: '/' })
 */
export async function buildShopApp(options: BuildShopAppOptions): Promise<ShopApp> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const db = options.database.db
  const publicUrl =
    options.publicUrl ??
    (() => {
      if (!config.publicUrl) throw new Error('the shop does not know its public URL yet')
      return config.publicUrl
    })
  const vipps =
    options.vipps ??
    new VippsClient({
      host: config.vipps.baseUrl,
      credentials: {
        clientId: config.vipps.clientId,
        clientSecret: config.vipps.clientSecret,
        subscriptionKey: config.vipps.subscriptionKey,
        msn: config.vipps.msn,
      },
      system: { name: 'kasse', version: '0.1.0', pluginName: 'kasse-shop', pluginVersion: '0.1.0' },
      clock,
    })
  const app = createShopHttp({ logger: options.logger, shopName: config.shopName })
  const catalogue = new Catalogue(db)
  const carts = new Carts(db, clock, catalogue)
  const orders = new Orders({
    db,
    clock,
    carts,
    gateways: { epayment: new EpaymentGateway(vipps), ecom_express: new EcomGateway(vipps) },
    publicUrl,
    shopName: config.shopName,
    log: app.log,
  })
  const cookieSecure = options.cookieSecure ?? config.publicUrl?.startsWith('https:') ?? false
  const ctx: ShopContext = {
    db,
    clock,
    shopName: config.shopName,
    publicUrl,
    admin: config.admin,
    cookieSecure,
    vipps,
    catalogue,
    carts,
    orders,
    sync: new StatusSync(db, orders, clock, app.log, options.sync),
    settlement: new ShopSettlement(db, vipps, config.vipps.msn, clock),
    webhooks: new WebhookRegistration(db, vipps, clock),
  }

  await app.register(cookie)
  app.get('/health', async () => ({ ok: true }))
  app.get('/assets/shop.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(SHOP_CSS),
  )
  catalogueRoutes(app, ctx)
  cartRoutes(app, ctx)
  checkoutRoutes(app, ctx)
  expressRoutes(app, ctx)
  webhookRoutes(app, ctx)
  adminRoutes(app, ctx, new AdminAuth(db, clock, config.admin, cookieSecure))
  return { app, ctx }
}
