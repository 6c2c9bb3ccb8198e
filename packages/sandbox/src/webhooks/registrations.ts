/**
 * Webhook registrations: who wants which events, at which URL, signed with which
 * secret. Each belongs to one MSN; the API only ever shows a merchant its own.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { MAX_WEBHOOKS_PER_EVENT, WEBHOOK_EVENT_TYPES } from '@kasse/vipps'
import type { Clock } from '../clock.ts'
import { invalidField, ProblemError } from '../http/problem.ts'
import { webhookUrlProblem } from './url-rules.ts'

export interface Registration {
  id: string
  msn: string
  url: string
  events: string[]
  /** The HMAC key for this registration's deliveries. */
  secret: string
  createdAt: number
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES)

export class Registrations {
  private readonly byId = new Map<string, Registration>()

  constructor(private readonly clock: Clock) {}

  /**
   * Registers `url` for `events` on behalf of `msn`, or throws the platform's 400.
   * A repeated event type in one request is kept once.
   */
  register(msn: string, url: string, events: readonly string[]): Registration {
    const urlProblem = webhookUrlProblem(url)
    if (urlProblem) throw invalidField('url', urlProblem)
    events.forEach((event, i) => {
      if (!KNOWN_EVENTS.has(event)) throw invalidField(`events[${i}]`, `${event} is not a known event type`)
    })
    const unique = [...new Set(events)]
    for (const event of unique) {
      if (this.subscribers(msn, event).length >= MAX_WEBHOOKS_PER_EVENT) {
        const reason = `at most ${MAX_WEBHOOKS_PER_EVENT} webhooks may be registered for ${event}`
        throw new ProblemError(
          400,
          'Bad Request',
          `events: ${reason}`,
          [{ name: 'events', reason }],
          'too-many-webhooks',
        )
      }
    }
    const registration: Registration = {
      id: randomUUID(),
      msn,
      url,
      events: unique,
      // As long as the platform's own (88 base64 characters); used as UTF-8 text, not decoded.
      secret: randomBytes(66).toString('base64'),
      createdAt: this.clock.now(),
    }
    this.byId.set(registration.id, registration)
    return registration
  }

  /** The registration with `id` if it belongs to `msn`; another merchant's is as unknown as none. */
  find(msn: string, id: string): Registration | undefined {
    const registration = this.byId.get(id)
    return registration?.msn === msn ? registration : undefined
  }

  get(id: string): Registration | undefined {
    return this.byId.get(id)
  }

  remove(id: string): void {
    this.byId.delete(id)
  }

  /** A merchant's registrations, oldest first. */
  list(msn: string): Registration[] {
    return this.all().filter((r) => r.msn === msn)
  }

  /** Every registration across merchants, oldest first. */
  all(): Registration[] {
    return [...this.byId.values()]
  }

  /** The registrations of `msn` that receive `eventType`. */
  subscribers(msn: string, eventType: string): Registration[] {
    return this.list(msn).filter((r) => r.events.includes(eventType))
  }

  reset(): void {
    this.byId.clear()
  }
}
