/**
 * The till's webhook registration with Vipps MobilePay and the verification
 * of what arrives.
 *
 * One registration per MSN and public URL, kept in the database with its
 * secret (the platform shows a secret once). Till processes behind one public
 * URL (a chain's load balancer) share it: the platform allows five webhooks
 * per event, and one delivery per event is all the tills need, since any
 * process can act on it. Processes with URLs of their own (a laptop, tests)
 * each get theirs. At start a process confirms its registration is still
 * known to the platform (a restarted sandbox forgets) and registers anew if
 * not, under an advisory lock so processes starting together register once.
 */
import {
  type EPaymentWebhookEvent,
  epaymentWebhookEventType,
  PAYMENT_EVENT_NAMES,
  verifyWebhook,
  type WebhookRejection,
} from '@kasse/vipps'
import { and, eq, sql } from 'drizzle-orm'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { store, webhookRegistration } from '../db/schema.ts'
import { describeForLog } from '../payments/errors.ts'
import type { VippsPlatform } from '../payments/platform.ts'
import type { WorkLog } from '../payments/service.ts'
import { isFresh, type ReadAt, readNow } from '../staleness.ts'

/** The path the till receives webhooks on. */
export const WEBHOOK_PATH = '/webhooks/vipps'

/**
 * Every ePayment event but CREATED: the till acts on some and records all it
 * gets. CREATED never tells the till anything: it made the payment itself,
 * and a create whose answer was lost is looked up before anything else. It
 * cost a delivery, a signature check and a transaction per checkout. (A
 * registration made before, with CREATED, still serves: it has every event
 * wanted, and a CREATED that comes is recorded and changes nothing.)
 */
export const WEBHOOK_EVENTS = PAYMENT_EVENT_NAMES.filter((name) => name !== 'CREATED').map(
  epaymentWebhookEventType,
)

export type RegistrationRow = typeof webhookRegistration.$inferSelect

/**
 * How long the registrations read are used: a secret renewed by another
 * process verifies at once (a delivery that does not verify reads them
 * again), and the secret it replaced stops verifying within this.
 */
export const REGISTRATIONS_STALENESS_MS = 30_000

export type Verification =
  | { ok: true; registration: RegistrationRow }
  | { ok: false; reason: WebhookRejection | 'no-registration' }

export class Webhooks {
  /** The URL this process registers, once known (after it listens). */
  private url: string | undefined
  private retryAt = 0
  /**
   * The stored registrations as last read, so a delivery is not a query. This
   * process forgets them when it registers; a registration made or renewed by
   * another process shows as a delivery that does not verify, and is read
   * then; and they are read again after REGISTRATIONS_STALENESS_MS.
   */
  private known: { rows: RegistrationRow[]; readAt: ReadAt } | undefined
  /** Counts registrations made here, so a read that began before one is not kept after it. */
  private registered = 0

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly platform: VippsPlatform,
    private readonly log: WorkLog,
  ) {}

  /**
   * Makes sure every store's MSN has a live registration for `url` (the
   * till's public webhook URL) and remembers the URL, so that a failure now
   * (the platform down at start) is retried by the background worker.
   */
  async registerAt(url: string): Promise<boolean> {
    this.url = url
    return this.registerAll()
  }

  /** The worker's hook: retries a registration that failed, once a minute. */
  async sweep(): Promise<number> {
    if (this.url === undefined || this.retryAt === 0 || this.clock.now() < this.retryAt) return 0
    await this.registerAll()
    return 0
  }

  private async registerAll(): Promise<boolean> {
    if (!this.url || !this.platform.configured) return false
    const msns = (await this.db.selectDistinct({ msn: store.msn }).from(store)).map((row) => row.msn)
    try {
      for (const msn of msns) await this.ensureRegistered(msn, this.url)
      this.retryAt = 0
      return true
    } catch (error) {
      this.retryAt = this.clock.now() + 60_000
      this.log.warn(
        { err: describeForLog(error) },
        'webhook registration failed; polling covers until it succeeds',
      )
      return false
    }
  }

  /** Registers `url` for `msn` unless a registration the platform still knows is stored. */
  async ensureRegistered(msn: string, url: string): Promise<RegistrationRow> {
    const client = this.platform.clientFor(msn)
    try {
      return await this.registerInTransaction(client, msn, url)
    } finally {
      this.known = undefined
      this.registered++
    }
  }

  private registerInTransaction(
    client: ReturnType<VippsPlatform['clientFor']>,
    msn: string,
    url: string,
  ): Promise<RegistrationRow> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`kasse-webhook ${msn} ${url}`}))`)
      const [stored] = await tx
        .select()
        .from(webhookRegistration)
        .where(and(eq(webhookRegistration.msn, msn), eq(webhookRegistration.url, url)))
      const listed = await client.webhooks.list()
      const now = new Date(this.clock.now())
      const known = stored && listed.find((w) => w.id === stored.id && w.url === url)
      if (stored && known && WEBHOOK_EVENTS.every((event) => known.events.includes(event))) {
        const [confirmed] = await tx
          .update(webhookRegistration)
          .set({ confirmedAt: now })
          .where(eq(webhookRegistration.id, stored.id))
          .returning()
        return confirmed!
      }
      // Registrations for this URL whose secret is not here (a lost answer, a
      // wiped database) could never be verified; they would only fail deliveries.
      for (const other of listed) {
        if (other.url === url) await client.webhooks.delete(other.id)
      }
      const created = await client.webhooks.register({ url, events: [...WEBHOOK_EVENTS] })
      if (stored) await tx.delete(webhookRegistration).where(eq(webhookRegistration.id, stored.id))
      const [row] = await tx
        .insert(webhookRegistration)
        .values({
          id: created.id,
          msn,
          url,
          secret: created.secret,
          events: [...WEBHOOK_EVENTS],
          createdAt: now,
          confirmedAt: now,
        })
        .returning()
      return row!
    })
  }

  /**
   * Checks a delivery against the registrations for the path it arrived on
   * (the URL each was registered with is what the platform signed). One that
   * does not verify against the registrations known here is checked again
   * against those stored now: another process may have renewed the secret.
   */
  async verify(
    rawBody: string,
    headers: Record<string, string | string[] | undefined>,
    pathAndQuery: string,
  ): Promise<Verification> {
    const known =
      this.known && isFresh(this.known.readAt, this.clock, REGISTRATIONS_STALENESS_MS)
        ? this.known.rows
        : undefined
    const verification = this.verifyAgainst(
      known ?? (await this.readRegistrations()),
      rawBody,
      headers,
      pathAndQuery,
    )
    if (verification.ok || known === undefined) return verification
    return this.verifyAgainst(await this.readRegistrations(), rawBody, headers, pathAndQuery)
  }

  private async readRegistrations(): Promise<RegistrationRow[]> {
    const registeredBefore = this.registered
    const readAt = readNow(this.clock)
    const rows = await this.db.select().from(webhookRegistration)
    if (registeredBefore === this.registered) this.known = { rows, readAt }
    return rows
  }

  private verifyAgainst(
    registrations: RegistrationRow[],
    rawBody: string,
    headers: Record<string, string | string[] | undefined>,
    pathAndQuery: string,
  ): Verification {
    const candidates = registrations.filter((registration) => {
      const registered = new URL(registration.url)
      return `${registered.pathname}${registered.search}` === pathAndQuery
    })
    let reason: WebhookRejection | 'no-registration' = 'no-registration'
    for (const registration of candidates) {
      const result = verifyWebhook(rawBody, headers, registration.secret, registration.url, {
        now: new Date(this.clock.now()),
      })
      if (result.ok) return { ok: true, registration }
      reason = result.reason
    }
    return { ok: false, reason }
  }
}

/** True if the event belongs to the registration's merchant. */
export function isForRegistration(event: EPaymentWebhookEvent, registration: RegistrationRow): boolean {
  return event.msn === registration.msn
}
