/**
 * Access tokens (`POST /accesstoken/get`), cached per credentials and shared by
 * every call: fetched once however many calls want one at the same moment,
 * refreshed before they expire on the client's own clock, and dropped when the
 * platform says one is no longer good (a 401), so the next call gets a new one.
 */
import { createHash } from 'node:crypto'

export interface IssuedToken {
  accessToken: string
  /** On the client's clock, in ms since the epoch. */
  expiresAt: number
  lifetimeMs: number
}

/**
 * Where tokens live between calls. One per client by default; pass one cache
 * to several clients (e.g. a till's ePayment and Login clients) to share them.
 */
export class AccessTokenCache {
  private readonly tokens = new Map<string, IssuedToken>()
  private readonly pending = new Map<string, Promise<IssuedToken>>()

  /**
   * The cached token for `key` if it has more than `marginMs` left; else the one
   * being fetched; else a new fetch, shared by everyone who asks meanwhile.
   */
  async get(
    key: string,
    now: () => number,
    marginMs: number,
    fetchToken: () => Promise<IssuedToken>,
  ): Promise<IssuedToken> {
    const cached = this.tokens.get(key)
    if (cached) {
      const margin = Math.min(marginMs, cached.lifetimeMs / 2)
      if (now() < cached.expiresAt - margin) return cached
    }
    const inFlight = this.pending.get(key)
    if (inFlight) return inFlight
    const fetching = fetchToken()
      .then((token) => {
        this.tokens.set(key, token)
        return token
      })
      .finally(() => this.pending.delete(key))
    this.pending.set(key, fetching)
    return fetching
  }

  /**
   * Forgets `accessToken` if it is still the cached one. Many calls that failed
   * with the same stale token thus cause one refresh, not many.
   */
  invalidate(key: string, accessToken: string): void {
    if (this.tokens.get(key)?.accessToken === accessToken) this.tokens.delete(key)
  }

  clear(): void {
    this.tokens.clear()
  }
}

/** The cache key: a hash, so the secret is never a readable map key. */
export function tokenCacheKey(baseUrl: string, parts: readonly string[]): string {
  return createHash('sha256')
    .update([baseUrl, ...parts].join('\u0000'))
    .digest('base64url')
}
