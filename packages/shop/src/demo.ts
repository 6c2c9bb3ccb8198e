/**
 * The shop as `kasse up` runs it: wired to the local sandbox with the
 * sandbox's own merchant keys (read from the running sandbox, never written
 * in code), everything else from the environment as always, and an admin
 * login made up for the run unless SHOP_ADMIN_USER/SHOP_ADMIN_PASSWORD say
 * otherwise.
 */
import { randomBytes } from 'node:crypto'
import { loadShopConfig } from './config.ts'
import type { ShopDatabase } from './db/database.ts'
import { type RunningShop, startShop } from './server.ts'

export interface SandboxMerchant {
  msn: string
  clientId: string
  clientSecret: string
  subscriptionKey: string
}

export interface DemoShop {
  shop: RunningShop
  admin: { username: string; password: string }
  /** What `kasse up` prints: the shop's URL, its admin and the login. */
  describe(): string
  close(): Promise<void>
}

/**
 * @example
 * const demo = await startDemoShop({ sandboxUrl: sandbox.url, merchant: sandbox.ctx.config.merchants[0]! })
 * console.log(demo.describe())
 */
export async function startDemoShop(options: {
  sandboxUrl: string
  merchant: SandboxMerchant
  port?: number
  env?: NodeJS.ProcessEnv
  /** An open database to use (and leave open): `kasse up` holds the till and the shop in one. */
  database?: ShopDatabase
}): Promise<DemoShop> {
  const { merchant } = options
  const env: NodeJS.ProcessEnv = {
    SHOP_ADMIN_USER: 'admin',
    SHOP_ADMIN_PASSWORD: randomBytes(9).toString('base64url'),
    ...(options.env ?? process.env),
    SHOP_VIPPS_BASE_URL: options.sandboxUrl,
    SHOP_VIPPS_CLIENT_ID: merchant.clientId,
    SHOP_VIPPS_CLIENT_SECRET: merchant.clientSecret,
    SHOP_VIPPS_SUBSCRIPTION_KEY: merchant.subscriptionKey,
    SHOP_VIPPS_MSN: merchant.msn,
  }
  const config = loadShopConfig({ env })
  const shop = await startShop({
    config,
    port: options.port ?? 4030,
    logger: { level: env.LOG_LEVEL ?? 'warn' },
    ...(options.database ? { database: options.database } : {}),
  })
  return {
    shop,
    admin: config.admin,
    describe: () =>
      [
        `Web shop                 ${shop.url}`,
        `  order admin            ${shop.url}/admin  (login ${config.admin.username} / ${config.admin.password})`,
        `  paying with            MSN ${merchant.msn} at ${options.sandboxUrl}; webhooks to ${shop.url}/vipps/webhooks/epayment`,
      ].join('\n'),
    close: () => shop.close(),
  }
}
