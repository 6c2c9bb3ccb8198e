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
import { registerCashierApp } from '../web/serve.ts'
import { sessionRoutes } from './cashiers/routes.ts'
import { Cashiers, DEFAULT_SIGN_IN_POLICY, type SignInPolicy } from './cashiers/service.ts'
import { catalogueRoutes } from './catalogue/routes.ts'
import { Catalogue } from './catalogue/service.ts'
import { type Clock, systemClock } from './clock.ts'
import { clubRoutes } from './club/routes.ts'
import { Club } from './club/service.ts'
import type { PosContext } from './context.ts'
import { customerRoutes } from './customers/routes.ts'
import { Customers } from './customers/service.ts'
import { whichDue } from './db/claims.ts'
import type { PosDatabase } from './db/database.ts'
import { endOfDayRoutes } from './endofday/routes.ts'
import { EndOfDay } from './endofday/service.ts'
import { CSRF_HEADER, requireSignedIn, SESSION_COOKIE } from './http/auth.ts'
import { createHttpApp } from './http/setup.ts'
import { journalRoutes } from './journal/routes.ts'
import { Journal } from './journal/service.ts'
import { LiveEvents } from './live/hub.ts'
import { liveRoutes } from './live/routes.ts'
import { VippsPlatform, type VippsSettings } from './payments/platform.ts'
import { paymentRoutes } from './payments/routes.ts'
import { newClaimerId, Payments, type PaymentTimings, type WorkLog } from './payments/service.ts'
import { BackgroundWorker } from './payments/worker.ts'
import { Receipts } from './receipts/service.ts'
import { reconciliationRoutes } from './reconciliation/routes.ts'
import { Reconciliation } from './reconciliation/service.ts'
import { refundRoutes } from './refunds/routes.ts'
import { Refunds } from './refunds/service.ts'
import { saleRoutes } from './sales/routes.ts'
import { Sales } from './sales/service.ts'
import { webhookRoutes } from './webhooks/routes.ts'
import { Webhooks } from './webhooks/service.ts'

export interface BuildPosAppOptions {
  /** An open, migrated database (see openDatabase). The app does not close it. */
  database: PosDatabase
  clock?: Clock
  logger?: FastifyServerOptions['logger']
  /** Mark the session cookie Secure; turn on behind HTTPS. Default false. */
  cookieSecure?: boolean
  /**
   * Where and as whom the till calls Vipps MobilePay. Without it the till
   * runs, but payment requests and QR exchanges answer 503 PAYMENTS_NOT_CONFIGURED.
   */
  vipps?: VippsSettings
  /** @deprecated the base URL is part of `vipps`; kept for callers that only say where the sandbox is. */
  vippsBaseUrl?: string
  signInPolicy?: Partial<SignInPolicy>
  /** Polling and sweeping cadence (tests shorten or step it). */
  paymentTimings?: Partial<PaymentTimings>
  /** This process's name in the database's work claims. Default: pid and a random part. */
  claimer?: string
  /**
   * Run the background worker (polls, captures, the sweeper). startPos turns
   * it on; in-process tests step the work themselves with `ctx.payments.sweep()`.
   */
  backgroundWork?: boolean
}

export interface PosApp {
  app: FastifyInstance
  ctx: PosContext
}

/** The modules whose routes live under /api, in registration order. */
type PosModule = (api: FastifyInstance, ctx: PosContext) => void
const modules: PosModule[] = [
  sessionRoutes,
  catalogueRoutes,
  journalRoutes,
  saleRoutes,
  customerRoutes,
  paymentRoutes,
  refundRoutes,
  clubRoutes,
  liveRoutes,
  endOfDayRoutes,
  reconciliationRoutes,
]

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
  const app = createHttpApp({ logger: options.logger })
  const log: WorkLog = app.log
  const claimer = options.claimer ?? newClaimerId()
  const cashiers = new Cashiers(db, clock, { ...DEFAULT_SIGN_IN_POLICY, ...options.signInPolicy })
  const catalogue = new Catalogue(db, clock)
  const sales = new Sales(db, clock, catalogue)
  const platform = new VippsPlatform(options.vipps, clock)
  const live = new LiveEvents(options.database)
  const club = new Club(db, clock, platform, live, { claimer, log })
  const payments = new Payments(db, clock, sales, platform, live, log, {
    claimer,
    timings: options.paymentTimings,
    points: club,
  })
  const refunds = new Refunds(db, clock, sales, platform, live, log, claimer, club)
  const webhooks = new Webhooks(db, clock, platform, log)
  const worker = new BackgroundWorker(
    [payments, payments.releases, refunds, club.enrolments, webhooks],
    log,
    undefined,
    (checks) => whichDue(db, checks),
  )
  payments.useWorker(worker)
  const ctx: PosContext = {
    database: options.database,
    db,
    clock,
    config: {
      cookieSecure: options.cookieSecure ?? false,
      vippsBaseUrl: options.vipps?.baseUrl ?? options.vippsBaseUrl,
    },
    cashiers,
    catalogue,
    sales,
    customers: new Customers(sales, platform),
    platform,
    payments,
    refunds,
    receipts: new Receipts(db, sales, refunds),
    journal: new Journal(db, clock),
    endOfDay: new EndOfDay(db, clock),
    reconciliation: new Reconciliation(db, clock, platform, payments),
    webhooks,
    club,
    live,
    worker,
  }

  await live.start()
  app.addHook('onClose', async () => {
    // Finish the calls under way, then hand back this process's claims so
    // another process (or the next start) takes over without waiting out a lease.
    await worker.stop()
    await payments.releaseClaims()
    await refunds.releaseClaims()
    await club.enrolments.releaseClaims()
    await live.close()
  })

  await app.register(cookie)
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kasse till API',
        version: '0.1.0',
        description:
          'The till: sign-in, catalogue, sales, the customer, the customer club, Vipps MobilePay payment requests, live events, refunds, the journal and receipts. Amounts are integers in minor units (øre) of the store currency; VAT rates are percent. Errors are `{error: {code, message, field?}}`.',
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
        {
          name: 'club',
          description:
            'The store’s customer club: membership check, enrolment by consent on the phone (Login CIBA), members, consents and points',
        },
        { name: 'payments', description: 'The Vipps MobilePay payment request for a sale' },
        { name: 'live', description: 'Server-Sent Events for the cashier’s screen' },
        { name: 'refunds', description: 'Refunds and return receipts (manager)' },
        { name: 'journal', description: 'The sales journal' },
        { name: 'webhooks', description: 'Deliveries from Vipps MobilePay' },
        { name: 'end of day', description: 'Z reports and closing the business day (manager)' },
        {
          name: 'reconciliation',
          description: 'Settlement reconciliation and the in-flight check against the platform (manager)',
        },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true }))
  await registerCashierApp(app)

  await webhookRoutes(app, ctx)
  await app.register(
    async (api) => {
      requireSignedIn(api, ctx)
      for (const register of modules) register(api, ctx)
    },
    { prefix: '/api' },
  )
  if (options.backgroundWork) app.addHook('onReady', async () => worker.start())
  return { app, ctx }
}
