/**
 * Starting the servers under test as child processes of the bench, each known
 * by PID and stopped through `Children`.
 */
import { join } from 'node:path'
import type { BenchContext } from '../suites/types.ts'
import { ensurePrism, preparePrismSpec } from './prism.ts'
import type { Child } from './processes.ts'
import { freePort, waitForHttp } from './processes.ts'

export interface RunningServer {
  name: string
  url: string
  pid: number
  stop(): Promise<void>
}

/** Reads the first line the child prints, `{"url": …}`, within a deadline. */
function announcedUrl(child: Child, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const timer = setTimeout(() => {
      reject(new Error(`no URL announced within ${timeoutMs} ms:\n${child.output()}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const line = buffer.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      child.process.stdout?.off('data', onData)
      try {
        resolve((JSON.parse(line) as { url: string }).url)
      } catch (error) {
        reject(error)
      }
    }
    child.process.stdout?.on('data', onData)
    void child.exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code ?? signal}) before listening:\n${child.output()}`))
    })
  })
}

/**
 * One of the bench's own servers (bench/servers/*.ts), run from TypeScript
 * through tsx as the packages are; `nodeArgs` go to node (e.g. `--cpu-prof`).
 */
export async function startBenchServer(
  ctx: BenchContext,
  name: 'sandbox' | 'bare-http',
  nodeArgs: readonly string[] = [],
): Promise<RunningServer> {
  const script = join(
    ctx.root,
    'bench',
    'servers',
    name === 'sandbox' ? 'sandbox-server.ts' : 'bare-server.ts',
  )
  const child = ctx.children.spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: ctx.root,
  })
  const url = await announcedUrl(child, 30_000)
  return { name, url, pid: child.pid, stop: () => ctx.children.stop(child, 10_000) }
}

/** Prism 5.14.2 mocking the official ePayment spec, static mode (the examples), logging warnings only. */
export async function startPrism(ctx: BenchContext): Promise<RunningServer> {
  const entry = ensurePrism(ctx.root, ctx.log)
  const spec = preparePrismSpec(ctx.root)
  const port = await freePort()
  // Warnings only, as the sandbox runs: Prism's info log of every request would be its main cost.
  const args = [entry, 'mock', '-h', '127.0.0.1', '-p', String(port), '-v', 'warn', spec.path]
  const child = ctx.children.spawn(process.execPath, args, { cwd: ctx.root })
  const url = `http://127.0.0.1:${port}`
  try {
    // Prism answers an unknown path with 404 once it listens.
    await Promise.race([
      waitForHttp(`${url}/`, { timeoutMs: 60_000 }),
      child.exited.then(({ code }) => {
        throw new Error(`Prism exited (${code}) before listening:\n${child.output()}`)
      }),
    ])
  } catch (error) {
    await ctx.children.stop(child)
    spec.cleanup()
    throw error
  }
  return {
    name: 'prism',
    url,
    pid: child.pid,
    stop: async () => {
      await ctx.children.stop(child)
      spec.cleanup()
    },
  }
}
