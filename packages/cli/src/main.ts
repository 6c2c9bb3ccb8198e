/**
 * `kasse`: one command for the whole system.
 *
 *   kasse up        everything on one machine: the sandbox and the web shop
 *   kasse sandbox   the local Vipps MobilePay platform
 */
import { loadConfig, type RunningSandbox, type SandboxConfig, startSandbox } from '@kasse/sandbox'
import { startDemoShop } from '@kasse/shop'
import { parseArgs, portFlag, UsageError } from './args.ts'

const COMMANDS = {
  up: ['sandbox-port', 'shop-port', 'config'],
  sandbox: ['port', 'host', 'config'],
  help: [],
} as const

const USAGE = `usage: kasse <command> [options]

  up        [--sandbox-port 4010] [--shop-port 4030] [--config sandbox.json]   run everything, print the URLs
  sandbox   [--port 4010] [--host 127.0.0.1] [--config sandbox.json]
            the local Vipps MobilePay platform
  bench     [--suites sandbox,startup] [--quick] [--profile]   benchmarks (bench/README.md)
`

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

async function runSandbox(
  port: number,
  host: string,
  configPath: string | undefined,
): Promise<RunningSandbox> {
  const config = loadConfig(configPath)
  const sandbox = await startSandbox({
    config,
    port,
    host,
    logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  })
  console.log(describeSandbox(sandbox, config))
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
  if (argv[0] === 'bench') return (await import('./bench.ts')).bench(argv.slice(1))
  try {
    const { command, flags } = parseArgs(argv, COMMANDS)
    switch (command) {
      case 'up': {
        const sandbox = await runSandbox(portFlag(flags, 'sandbox-port', 4010), '127.0.0.1', flags.config)
        const shop = await startDemoShop({
          sandboxUrl: sandbox.url,
          merchant: sandbox.ctx.config.merchants[0]!,
          port: portFlag(flags, 'shop-port', 4030),
        })
        console.log(`\n${shop.describe()}`)
        console.log('\nkasse is up. Ctrl-C stops it.')
        closeOnSignal([shop.close, sandbox.close])
        return
      }
      case 'sandbox': {
        const sandbox = await runSandbox(
          portFlag(flags, 'port', 4010),
          flags.host ?? '127.0.0.1',
          flags.config,
        )
        closeOnSignal([sandbox.close])
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
