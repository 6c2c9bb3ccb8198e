/**
 * Builds one till server: a Fastify app with every module's routes under
 * /api, the OpenAPI document at /docs, and the context holding the domain
 * services. Nothing listens until `startPos` (server.ts), so tests drive it
 * in-process with `app.inject`.
 */
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { sessionRoutes } from './cashiers/routes.ts'
import { Cashiers, DEFAULT_SIGN_IN_POLICY, type SignInPolicy } from './cashiers/service.ts'
import { catalogueRoutes } from './catalogue/routes.ts'
import { Catalogue } from './catalogue/service.ts'
import { type Clock, systemClock } from './clock.ts'
import type { PosContext } from './context.ts'
import { customerRoutes } from './customers/routes.ts'
import type { PosDatabase } from './db/database.ts'
import { CSRF_HEADER, requireSignedIn, SESSION_COOKIE } from './http/auth.ts'
import { createHttpApp } from './http/setup.ts'
import { saleRoutes } from './sales/routes.ts'
import { Sales } from './sales/service.ts'

export interface BuildPosAppOptions {
  /** An open, migrated database (see openDatabase). The app does not close it. */
  database: PosDatabase
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** Mark the session cookie Secure; turn on behind HTTPS. Default false. */
  cookieSecure?: boolean
  /** The Vipps MobilePay API base URL (the sandbox's in development). */
  vippsBaseUrl?: string
  signInPolicy?: Partial<SignInPolicy>
}

export interface PosApp {
  app: FastifyInstance
  ctx: PosContext
}

/** The modules whose routes live under /api, in registration order. */
type PosModule = (api: FastifyInstance, ctx: PosContext) => void
const modules: PosModule[] = [sessionRoutes, catalogueRoutes, saleRoutes, customerRoutes]

/**
 * Builds the till's HTTP app on an open database.
 *
 * @example
 * const database = await openDatabase({ inMemory: true })
 * const { app } = await buildPosApp({ database, clock: new ManualClock() })
 * const response = await app.inject({ method: 'GET', url: '/docs/json' })
 */
export async function buildPosApp(options: BuildPosAppOptions): Promise<PosApp> {
  const clock = options.clock ?? systemClock
  const db = options.database.db
  const cashiers = new Cashiers(db, clock, { ...DEFAULT_SIGN_IN_POLICY, ...options.signInPolicy })
  const catalogue = new Catalogue(db, clock)
  const ctx: PosContext = {
    database: options.database,
    db,
    clock,
    config: { cookieSecure: options.cookieSecure ?? false, vippsBaseUrl: options.vippsBaseUrl },
    cashiers,
    catalogue,
    sales: new Sales(db, clock, catalogue),
  }

  const app = createHttpApp({ logger: options.logger })
  await app.register(cookie)
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kasse till API',
        version: '0.1.0',
        description:
          'The till: sign-in, catalogue, sales. Amounts are integers in minor units (øre) of the store currency; VAT rates are percent. Errors are `{error: {code, message, field?}}`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER },
        },
      },
      tags: [
        { name: 'session', description: 'Signing in and out at a till' },
        { name: 'catalogue', description: 'Products' },
        { name: 'sales', description: 'The till’s current sale and its cart' },
        { name: 'customers', description: 'Identifying the customer' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }))

  await app.register(
    async (api) => {
      requireSignedIn(api, ctx)
      for (const register of modules) register(api, ctx)
    },
    { prefix: '/api' },
  )
  return { app, ctx }
}
