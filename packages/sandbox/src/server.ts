/** Starts a sandbox listening on a port, for `kasse sandbox` and tests that cross the wire. */
import type { FastifyServerOptions } from 'fastify'
import { buildSandbox, type Sandbox } from './app.ts'
import type { SandboxClock } from './clock.ts'
import type { SandboxConfig } from './config.ts'

export interface StartSandboxOptions {
  config?: SandboxConfig
  /** 0 picks a free port. Default 4010. */
  port?: number
  host?: string
  logger?: FastifyServerOptions['logger']
  /** The platform's clock; the wall clock by default. Tests stand it still and move it. */
  clock?: SandboxClock
}

export interface RunningSandbox extends Sandbox {
  /** e.g. `http://127.0.0.1:4010` */
  url: string
  close(): Promise<void>
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1'
  const sandbox = buildSandbox({
    config: options.config,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  })
  await sandbox.app.listen({ port: options.port ?? 4010, host })
  const address = sandbox.app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
  sandbox.ctx.publicUrl = url
  return { ...sandbox, url, close: () => sandbox.app.close() }
}
