/**
 * Tills as real child processes (till-process.ts), for tests that SIGKILL
 * one, run two against one database, or read all a till logs: start one and
 * wait until it listens, kill it without warning, stop it politely, and keep
 * everything it wrote to stdout and stderr.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TillProcessSettings, TillReady } from './till-process.ts'

const TILL_PROCESS = fileURLToPath(new URL('./till-process.ts', import.meta.url))

export interface TillProcess {
  url: string
  webhookUrl: string | undefined
  /** The claimer id this process writes into the database's work claims. */
  claimer: string
  pid: number
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** SIGKILL: no shutdown, no claims handed back, whatever was in flight cut off. */
  kill(): Promise<void>
  /** SIGTERM: the till closes (finishes its sweep, hands back its claims). */
  stop(): Promise<void>
  /** Settles when the process ends, however it ends. */
  exited: Promise<void>
}

/** Starts a till process and resolves once it listens; rejects if it exits first. */
export async function spawnTill(
  settings: TillProcessSettings,
  startTimeoutMs = 60_000,
): Promise<TillProcess> {
  const child: ChildProcess = fork(TILL_PROCESS, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KASSE_TEST_TILL: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const chunks: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = await new Promise<TillReady>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the till process did not start within ${startTimeoutMs} ms:\n${chunks.join('')}`))
    }, startTimeoutMs)
    child.on('message', (message: TillReady) => {
      if (message?.ready) {
        clearTimeout(timer)
        resolve(message)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the till process ended before it listened (${code ?? signal}):\n${chunks.join('')}`))
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
