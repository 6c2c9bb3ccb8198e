/**
 * The shop's configuration, from the environment or a JSON file (the
 * environment wins). Nothing secret has a default in code: without the Vipps
 * MobilePay credentials or the admin login the shop refuses to start, naming
 * what is missing.
 *
 * | environment | file | |
 * |---|---|---|
 * | SHOP_VIPPS_BASE_URL | vipps.baseUrl | `test`, `production` or a URL (the sandbox's) |
 * | SHOP_VIPPS_CLIENT_ID, …_CLIENT_SECRET, …_SUBSCRIPTION_KEY, …_MSN | vipps.clientId, … | the sales unit's keys |
 * | SHOP_PUBLIC_URL | publicUrl | where browsers and Vipps reach the shop (default: where it listens) |
 * | SHOP_ADMIN_USER, SHOP_ADMIN_PASSWORD | admin.username, admin.password | the order admin's login |
 * | SHOP_NAME | shopName | default "Kasse Nettbutikk" |
 * | DATABASE_URL | databaseUrl | PostgreSQL; the embedded database when unset |
 * | SHOP_DATA_DIR | dataDir | the embedded database's folder, default `.kasse/shop-data` |
 * | SHOP_CONFIG | | the JSON file |
 */
import { readFileSync } from 'node:fs'
import type { VippsHost } from '@kasse/vipps'

export interface ShopVippsConfig {
  baseUrl: VippsHost
  clientId: string
  clientSecret: string
  subscriptionKey: string
  msn: string
}

export interface ShopConfig {
  shopName: string
  vipps: ShopVippsConfig
  /** Without a trailing slash; when absent the server's own address is used. */
  publicUrl?: string
  admin: { username: string; password: string }
  databaseUrl?: string
  dataDir?: string
}

/** A configuration that cannot start a shop; `setting` names the missing or bad one. */
export class ShopConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message)
    this.name = 'ShopConfigError'
  }
}

interface ConfigFile {
  shopName?: string
  publicUrl?: string
  databaseUrl?: string
  dataDir?: string
  vipps?: Partial<Record<keyof ShopVippsConfig, string>>
  admin?: { username?: string; password?: string }
}

/**
 * Reads the configuration from `env` and the JSON file SHOP_CONFIG (or `file`) names.
 *
 * @example
 * const config = loadShopConfig() // throws ShopConfigError('SHOP_VIPPS_MSN', …) when it is missing
 */
export function loadShopConfig(options: { env?: NodeJS.ProcessEnv; file?: string } = {}): ShopConfig {
  const env = options.env ?? process.env
  const path = options.file ?? env.SHOP_CONFIG
  const file = path ? readConfigFile(path) : {}
  const pick = (name: string, fromFile: string | undefined) => nonEmpty(env[name]) ?? nonEmpty(fromFile)
  const need = (name: string, fileKey: string, fromFile: string | undefined): string => {
    const value = pick(name, fromFile)
    if (value === undefined) {
      throw new ShopConfigError(name, `the shop needs ${name} (or ${fileKey} in the SHOP_CONFIG file)`)
    }
    return value
  }
  const baseUrl = need('SHOP_VIPPS_BASE_URL', 'vipps.baseUrl', file.vipps?.baseUrl)
  if (!['test', 'production'].includes(baseUrl) && !/^https?:\/\/[^/]+/.test(baseUrl)) {
    throw new ShopConfigError('SHOP_VIPPS_BASE_URL', 'SHOP_VIPPS_BASE_URL must be test, production or a URL')
  }
  const publicUrl = pick('SHOP_PUBLIC_URL', file.publicUrl)
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new ShopConfigError('SHOP_PUBLIC_URL', 'SHOP_PUBLIC_URL must be an http(s) URL')
  }
  const config: ShopConfig = {
    shopName: pick('SHOP_NAME', file.shopName) ?? 'Kasse Nettbutikk',
    vipps: {
      baseUrl: baseUrl as VippsHost,
      clientId: need('SHOP_VIPPS_CLIENT_ID', 'vipps.clientId', file.vipps?.clientId),
      clientSecret: need('SHOP_VIPPS_CLIENT_SECRET', 'vipps.clientSecret', file.vipps?.clientSecret),
      subscriptionKey: need(
        'SHOP_VIPPS_SUBSCRIPTION_KEY',
        'vipps.subscriptionKey',
        file.vipps?.subscriptionKey,
      ),
      msn: need('SHOP_VIPPS_MSN', 'vipps.msn', file.vipps?.msn),
    },
    admin: {
      username: need('SHOP_ADMIN_USER', 'admin.username', file.admin?.username),
      password: need('SHOP_ADMIN_PASSWORD', 'admin.password', file.admin?.password),
    },
  }
  if (publicUrl !== undefined) config.publicUrl = publicUrl.replace(/\/+$/, '')
  const databaseUrl = pick('DATABASE_URL', file.databaseUrl)
  if (databaseUrl !== undefined) config.databaseUrl = databaseUrl
  const dataDir = pick('SHOP_DATA_DIR', file.dataDir)
  if (dataDir !== undefined) config.dataDir = dataDir
  return config
}

function readConfigFile(path: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new ShopConfigError('SHOP_CONFIG', `cannot read the shop's config file ${path}`)
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object')
    return parsed as ConfigFile
  } catch {
    throw new ShopConfigError('SHOP_CONFIG', `the shop's config file ${path} is not a JSON object`)
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}
