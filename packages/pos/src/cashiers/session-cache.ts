/**
 * The signed-in actors this process has looked up lately, so a till's requests
 * do not each read the session, cashier, till and store again.
 *
 * What stays exact: a session that ends on this process (sign-out, another
 * cashier signing in at the till) is forgotten at once, and a session's expiry
 * is checked on every use against the till's clock. What another process (or a
 * script on the database) changes — a sign-out there, a cashier deactivated —
 * is seen within `ACTOR_STALENESS_MS`: an entry older than that is read again. A bound rather than a check per request,
 * because the cheapest check is still a statement, and the statement was the
 * cost to save; a few seconds is less than a cashier needs to walk from one
 * till to another.
 */
import type { Clock } from '../clock.ts'
import { isFresh, type ReadAt, readNow } from '../staleness.ts'
import type { Actor } from './store.ts'

/** How long a looked-up actor is used before its session is read again. */
export const ACTOR_STALENESS_MS = 2_000

/** A bound on the entries kept: a process serves a store's tills, not thousands. */
const MAX_ENTRIES = 1_000

interface Entry {
  actor: Actor
  readAt: ReadAt
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>()
  /** Counts what was forgotten, so a read that began before a sign-out is not kept after it. */
  private forgotten = 0

  constructor(private readonly clock: Clock) {}

  /** The actor of a live session read within the bound, or undefined if it must be read. */
  get(sessionId: string): Actor | undefined {
    const entry = this.entries.get(sessionId)
    if (!entry) return undefined
    const fresh =
      isFresh(entry.readAt, this.clock, ACTOR_STALENESS_MS) &&
      entry.actor.expiresAt.getTime() > this.clock.now()
    if (fresh) return entry.actor
    this.entries.delete(sessionId)
    return undefined
  }

  /** Where forgetting stands now: pass it to `remember` for a read that begins now. */
  get mark(): number {
    return this.forgotten
  }

  /** Keeps an actor read from the database, unless a session was forgotten since the read began (`mark`). */
  remember(actor: Actor, mark: number): void {
    if (mark !== this.forgotten) return
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
    this.entries.set(actor.sessionId, { actor, readAt: readNow(this.clock) })
  }

  forgetSession(sessionId: string): void {
    this.forgotten++
    this.entries.delete(sessionId)
  }

  /** Forgets every session at the till: signing in there ends the one open before. */
  forgetTill(tillId: string): void {
    this.forgotten++
    for (const [sessionId, entry] of this.entries) {
      if (entry.actor.tillId === tillId) this.entries.delete(sessionId)
    }
  }
}
