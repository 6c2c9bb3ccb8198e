/**
 * The sandbox as the bench's server under test, in its own process so the
 * load generator and the server never share an event loop. Prints one JSON
 * line `{"url": …}` when listening; stops cleanly on SIGTERM or SIGINT, or when
 * the bench's end of stdin closes (the bench died), so `--cpu-prof` can write
 * its profile on the way out.
 */
import { loadConfig, startSandbox } from '@kasse/sandbox'

const config = loadConfig()
// The platform's per-reference rate limits (5 writes and 120 reads a minute per
// operation and reference) are behaviour the sandbox models, not cost it should
// be measured by; each lifecycle uses its own reference anyway, so no request
// would be refused, and the limiter's bookkeeping would only blur what is measured.
config.rateLimits.enabled = false

// Same log level as `kasse sandbox`, so the bench measures what developers run.
const sandbox = await startSandbox({ config, port: 0, host: '127.0.0.1', logger: { level: 'warn' } })
process.stdout.write(`${JSON.stringify({ url: sandbox.url, pid: process.pid })}\n`)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await sandbox.close().catch(() => {})
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
