/**
 * Servers as real child processes — a till (till-process.ts) or a web shop
 * (shop-process.ts) — for tests that SIGKILL one, run two against one
 * database, or read all one logs: start one and wait until it listens, kill
 * it without warning, stop it politely, and keep everything it wrote to
 * stdout and stderr.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ShopProcessSettings } from './shop-process.ts'
import type { TillProcessSettings, TillReady } from './till-process.ts'

/** A server process that has started listening: what it said when ready, and how to end it. */
export type ServerProcess<Ready> = Ready & {
  pid: number
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** SIGKILL: no shutdown, no claims handed back, whatever was in flight cut off. */
  kill(): Promise<void>
  /** SIGTERM: the server closes (a till finishes its sweep and hands back its claims). */
  stop(): Promise<void>
  /** Settles when the process ends, however it ends. */
  exited: Promise<void>
}

export type TillProcess = ServerProcess<TillReady>
export type ShopProcess = ServerProcess<{ url: string }>

/** Starts a till process and resolves once it listens; rejects if it exits first. */
export function spawnTill(settings: TillProcessSettings): Promise<TillProcess> {
  return spawnServer<TillReady>('./till-process.ts', { KASSE_TEST_TILL: JSON.stringify(settings) })
}

/** Starts a web shop process and resolves once it listens. */
export function spawnShop(settings: ShopProcessSettings): Promise<ShopProcess> {
  return spawnServer<{ url: string }>('./shop-process.ts', { KASSE_TEST_SHOP: JSON.stringify(settings) })
}

/** Forks `script` (beside this file) under tsx and waits for its `{ready: true, …}` message. */
async function spawnServer<Ready>(
  script: string,
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<ServerProcess<Ready>> {
  const child: ChildProcess = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const chunks: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} did not start within ${startTimeoutMs} ms:\n${chunks.join('')}`))
    }, startTimeoutMs)
    child.on('message', (message: Ready & { ready?: boolean }) => {
      if (message?.ready) {
        clearTimeout(timer)
        resolve(message)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${script} ended before it listened (${code ?? signal}):\n${chunks.join('')}`))
    })
  })
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return {
    ...ready,
    pid: child.pid!,
    output: () => chunks.join(''),
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    exited,
  }
}
