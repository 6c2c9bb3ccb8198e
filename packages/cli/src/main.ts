/**
 * `kasse`: one command for the whole system.
 *
 *   kasse up        everything on one machine: the sandbox, the till and the web shop
 *   kasse sandbox   the local Vipps MobilePay platform
 *   kasse pos       the till alone
 *   kasse prepare   what a first start would otherwise make (run by npm install)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DEFAULT_DATA_DIR,
  DEMO_STORE,
  describeDemoSeed,
  openDatabase as openPosDatabase,
  type PosDatabase,
  type RunningPos,
  startPos,
  type VippsSettings,
  vippsSettingsFromEnv,
} from '@kasse/pos'
import {
  defaultConfig,
  type FaultsConfig,
  FaultsFileError,
  faultsFromCommandLine,
  loadConfig,
  type MerchantConfig,
  type RunningSandbox,
  type SandboxConfig,
  startSandbox,
} from '@kasse/sandbox'
import { SHOP_SCHEMA, type ShopDatabase, startDemoShop } from '@kasse/shop'
import { openAlongside } from '@kasse/storage'
import { parseArgs, portFlag, UsageError } from './args.ts'

const COMMANDS = {
  up: ['sandbox-port', 'pos-port', 'shop-port', 'config'],
  sandbox: ['port', 'host', 'config', 'faults', 'fault-seed'],
  pos: ['port', 'host', 'sandbox-url', 'database-url', 'data-dir'],
  prepare: [],
  help: [],
} as const

const USAGE = `usage: kasse <command> [options]

  up        [--sandbox-port 4010] [--pos-port 4020] [--shop-port 4030] [--config sandbox.json]
            run everything, print the URLs and the test credentials
  sandbox   [--port 4010] [--host 127.0.0.1] [--config sandbox.json]
            [--faults faults.json] [--fault-seed 42]
            the local Vipps MobilePay platform; --faults injects API and webhook faults
            from the start, deterministically for a seed (see /_sandbox/faults)
  pos       [--port 4020] [--host 127.0.0.1] [--sandbox-url http://127.0.0.1:4010]
            [--database-url postgres://…] [--data-dir .kasse/pos-data]
            the till; Vipps MobilePay keys from KASSE_VIPPS_URL, KASSE_VIPPS_CLIENT_ID,
            KASSE_VIPPS_CLIENT_SECRET, KASSE_VIPPS_SUBSCRIPTION_KEY (with --sandbox-url
            and no keys set: the sandbox's own seeded test keys)
  prepare   make the embedded database's templates once (npm install runs it), so no
            start has to
  bench     [--suites sandbox,checkout,startup] [--quick] [--profile]   benchmarks (bench/README.md)
`

/**
 * The till's platform settings for a local sandbox: the sandbox's own seeded
 * test merchant (the demo store's MSN), which is what the sandbox accepts.
 */
function sandboxSettings(sandboxUrl: string, merchants: MerchantConfig[]): VippsSettings {
  const merchant = merchants.find((m) => m.msn === DEMO_STORE.msn) ?? merchants[0]!
  return {
    baseUrl: sandboxUrl,
    clientId: merchant.clientId,
    clientSecret: merchant.clientSecret,
    subscriptionKey: merchant.subscriptionKey,
  }
}

function describePos(pos: RunningPos): string {
  return [
    `Till (cashier app)       ${pos.url}`,
    `  API documentation      ${pos.url}/docs`,
    `  webhook registered at  ${pos.webhookUrl ?? '(no Vipps MobilePay settings: payments are off)'}`,
    ...describeDemoSeed()
      .split('\n')
      .map((line) => `  ${line}`),
  ].join('\n')
}

async function runPos(options: {
  port: number
  host: string
  vipps: VippsSettings | undefined
  databaseUrl?: string
  dataDir?: string
  database?: PosDatabase
}): Promise<RunningPos> {
  return startPos({
    port: options.port,
    host: options.host,
    vipps: options.vipps,
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.database !== undefined ? { database: options.database } : {}),
    logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  })
}

/**
 * `kasse up`'s one database for the till and the shop: the server in
 * DATABASE_URL, else the till's embedded one (.kasse/pos-data), with the shop's
 * tables and migration history beside the till's. One embedded PostgreSQL
 * starts instead of two: half the start-up's database work and memory. A shop
 * given a folder of its own (SHOP_DATA_DIR) keeps it and opens it itself.
 */
async function openUpDatabase(): Promise<{
  pos: PosDatabase
  shop: ShopDatabase | undefined
  close(): Promise<void>
}> {
  const databaseUrl = process.env.DATABASE_URL
  const pos = await openPosDatabase(databaseUrl ? { databaseUrl } : { dataDir: DEFAULT_DATA_DIR })
  try {
    const shopHasItsOwn = !databaseUrl && process.env.SHOP_DATA_DIR !== undefined
    const shop = shopHasItsOwn ? undefined : await openAlongside(pos, SHOP_SCHEMA)
    return { pos, shop, close: () => pos.close() }
  } catch (error) {
    await pos.close()
    throw error
  }
}

/**
 * Makes the embedded database's templates (packages/storage/src/cluster-template.ts):
 * the empty cluster (an initdb in WebAssembly, 4–5 s of CPU) and the same with
 * the till's migrations applied, by creating a till database in a folder that
 * is then thrown away. `npm install` runs it (scripts/postinstall.mjs), so the
 * first `kasse up` after an install copies its database instead of making the
 * cluster. Run again, it finds them and only creates and opens the scratch
 * database (1–2 s).
 */
async function prepareEmbeddedDatabase(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'kasse-prepare-'))
  try {
    const database = await openPosDatabase({ dataDir: join(scratch, 'pos-data') })
    await database.close()
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  console.log("kasse: the embedded database's templates are ready")
}

function describeSandbox(sandbox: RunningSandbox, config: SandboxConfig): string {
  const lines = [`Vipps MobilePay sandbox  ${sandbox.url}`, `  phone simulator        ${sandbox.url}/phone`]
  lines.push('  merchants (test credentials):')
  for (const m of config.merchants) {
    lines.push(
      `    MSN ${m.msn}  ${m.name} (${m.currency})  client_id ${m.clientId}  client_secret ${m.clientSecret}  Ocp-Apim-Subscription-Key ${m.subscriptionKey}`,
    )
  }
  lines.push('  test users:')
  for (const u of config.users) lines.push(`    ${u.msisdn}  ${u.givenName} ${u.familyName}`)
  return lines.join('\n')
}

/** `--faults` and `--fault-seed`, read and checked; undefined when neither is given. */
function faultsFromFlags(flags: Record<string, string>): FaultsConfig | undefined {
  if (flags.faults === undefined && flags['fault-seed'] === undefined) return undefined
  try {
    return faultsFromCommandLine({ file: flags.faults, seed: flags['fault-seed'] })
  } catch (error) {
    if (error instanceof FaultsFileError) throw new UsageError(error.message)
    throw error
  }
}

async function runSandbox(
  port: number,
  host: string,
  configPath: string | undefined,
  faults?: FaultsConfig,
): Promise<RunningSandbox> {
  const config = loadConfig(configPath)
  // The command line's faults over the config file's: its rules replace, its seed overrides.
  if (faults) config.faults = { ...config.faults, ...faults }
  const sandbox = await startSandbox({
    config,
    port,
    host,
    logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  })
  console.log(describeSandbox(sandbox, config))
  if (config.faults) {
    const rules = config.faults.rules?.length ?? 0
    console.log(
      `  faults: ${rules} rule(s), seed ${config.faults.seed ?? 1}; see ${sandbox.url}/_sandbox/faults`,
    )
  }
  return sandbox
}

function closeOnSignal(closers: Array<() => Promise<void>>): void {
  const stop = async () => {
    for (const close of closers) await close().catch(() => {})
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

export async function main(argv: string[]): Promise<void> {
  try {
    const { command, flags } = parseArgs(argv, COMMANDS)
    switch (command) {
      case 'up': {
        const ports = {
          sandbox: portFlag(flags, 'sandbox-port', 4010),
          pos: portFlag(flags, 'pos-port', 4020),
          shop: portFlag(flags, 'shop-port', 4030),
        }
        // The database opens (and migrates) while the sandbox starts: neither needs the other.
        const [sandbox, database] = await Promise.all([
          runSandbox(ports.sandbox, '127.0.0.1', flags.config),
          openUpDatabase(),
        ])
        // The till and the shop start side by side; each registers its own webhook with the sandbox.
        const [pos, shop] = await Promise.all([
          runPos({
            port: ports.pos,
            host: '127.0.0.1',
            vipps: sandboxSettings(sandbox.url, sandbox.ctx.config.merchants),
            database: database.pos,
          }),
          startDemoShop({
            sandboxUrl: sandbox.url,
            merchant: sandbox.ctx.config.merchants[0]!,
            port: ports.shop,
            ...(database.shop ? { database: database.shop } : {}),
          }),
        ])
        console.log(`\n${describePos(pos)}`)
        console.log(`\n${shop.describe()}`)
        console.log('\nkasse is up. Ctrl-C stops it.')
        closeOnSignal([shop.close, pos.close, database.close, sandbox.close])
        return
      }
      case 'pos': {
        const sandboxUrl = flags['sandbox-url']
        const fromEnv = vippsSettingsFromEnv()
        const vipps =
          fromEnv && sandboxUrl
            ? { ...fromEnv, baseUrl: sandboxUrl }
            : (fromEnv ?? (sandboxUrl ? sandboxSettings(sandboxUrl, defaultConfig().merchants) : undefined))
        const pos = await runPos({
          port: portFlag(flags, 'port', 4020),
          host: flags.host ?? '127.0.0.1',
          vipps,
          databaseUrl: flags['database-url'],
          dataDir: flags['data-dir'],
        })
        console.log(describePos(pos))
        closeOnSignal([pos.close])
        return
      }
      case 'sandbox': {
        const sandbox = await runSandbox(
          portFlag(flags, 'port', 4010),
          flags.host ?? '127.0.0.1',
          flags.config,
          faultsFromFlags(flags),
        )
        closeOnSignal([sandbox.close])
        return
      }
      case 'prepare': {
        await prepareEmbeddedDatabase()
        return
      }
      case undefined:
      case 'help':
        console.log(USAGE)
        return
      default:
        throw new UsageError(`unknown command '${command}'`)
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`kasse: ${error.message}\n\n${USAGE}`)
      process.exit(2)
    }
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      console.error(`kasse: ${(error as Error).message}: the port is taken; choose another with --port`)
      process.exit(1)
    }
    throw error
  }
}
