/**
 * Builds one sandbox: a Fastify app with every API module registered, and the
 * context that holds its state. Nothing listens until `startSandbox` (server.ts),
 * so tests drive it in-process with `app.inject`.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { accessTokenRoutes } from './accesstoken/routes.ts'
import { AccessTokens } from './accesstoken/tokens.ts'
import { SandboxClock } from './clock.ts'
import { loadConfig, type SandboxConfig } from './config.ts'
import type { SandboxContext } from './context.ts'
import { controlRoutes } from './control/routes.ts'
import { Directory } from './directory/directory.ts'
import { ecomRoutes } from './ecom/routes.ts'
import { epaymentRoutes } from './epayment/routes.ts'
import { SandboxEvents } from './events.ts'
import { faultRoutes } from './faults/routes.ts'
import { createHttpApp } from './http/setup.ts'
import { loginRoutes } from './login/routes.ts'
import { phoneRoutes } from './phone/routes.ts'
import { PersonalQrCodes } from './qr/personal-qr.ts'
import { qrRoutes } from './qr/routes.ts'
import { reportRoutes } from './report/routes.ts'
import { webhookRoutes } from './webhooks/routes.ts'

export interface BuildSandboxOptions {
  config?: SandboxConfig
  clock?: SandboxClock
  /** The origin the sandbox is reachable at; set by startSandbox once listening. */
  publicUrl?: string
  logger?: FastifyServerOptions['logger']
}

export interface Sandbox {
  app: FastifyInstance
  ctx: SandboxContext
}

/** The API modules, in registration order. Each adds its routes and control routes. */
type SandboxModule = (app: FastifyInstance, ctx: SandboxContext) => void
const modules: SandboxModule[] = [
  controlRoutes,
  accessTokenRoutes,
  epaymentRoutes,
  qrRoutes,
  phoneRoutes,
  webhookRoutes,
  reportRoutes,
  ecomRoutes,
  loginRoutes,
  faultRoutes,
  // one line per API module; keep them in this order
]

export function buildSandbox(options: BuildSandboxOptions = {}): Sandbox {
  const config = options.config ?? loadConfig()
  const clock = options.clock ?? new SandboxClock()
  const resets: Array<() => void> = []
  const directory = new Directory(config.merchants, config.users)
  const ctx: SandboxContext = {
    config,
    clock,
    directory,
    events: new SandboxEvents(),
    tokens: new AccessTokens(clock, config.accessTokenLifetimeMs),
    personalQr: new PersonalQrCodes(clock),
    publicUrl: options.publicUrl ?? 'http://127.0.0.1:4010',
    onReset: (reset) => {
      resets.push(reset)
    },
    reset: () => {
      clock.clearScheduled()
      directory.reset()
      ctx.personalQr.reset()
      for (const reset of resets) reset()
    },
  }
  const app = createHttpApp({ logger: options.logger ?? false })
  for (const register of modules) register(app, ctx)
  app.addHook('onClose', async () => clock.stop())
  return { app, ctx }
}
