/**
 * Access tokens: JWTs signed with a key of this sandbox instance, carrying the
 * merchant's client_id and an expiry on the sandbox clock. Stateless to verify;
 * a token that verified once is remembered, so the calls after it pay a lookup
 * and the expiry check instead of an HMAC and a JSON parse.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.ts'

export interface TokenClaims {
  /** The client_id the token was issued to. */
  sub: string
  iat: number
  nbf: number
  exp: number
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')
const HEADER = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))

/** Verified tokens kept; a client caches its token for an hour, so a handful is typical. */
const MAX_VERIFIED = 10_000

export class AccessTokens {
  private readonly key = randomBytes(32)
  // The signing key never changes, so a signature that verified stays valid; only expiry is rechecked.
  private readonly verified = new Map<string, TokenClaims>()

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
  ) {}

  issue(clientId: string): { token: string; claims: TokenClaims } {
    const now = Math.floor(this.clock.now() / 1000)
    const claims: TokenClaims = {
      sub: clientId,
      iat: now,
      nbf: now,
      exp: now + Math.floor(this.lifetimeMs / 1000),
    }
    const body = `${HEADER}.${b64url(JSON.stringify(claims))}`
    return { token: `${body}.${this.sign(body)}`, claims }
  }

  /** The token's claims if it was issued here and has not expired on the sandbox clock. */
  verify(token: string): TokenClaims | undefined {
    const known = this.verified.get(token)
    if (known) return this.unexpired(known)
    const parts = token.split('.')
    if (parts.length !== 3) return undefined
    const [header, payload, signature] = parts as [string, string, string]
    const expected = Buffer.from(this.sign(`${header}.${payload}`))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
    let claims: TokenClaims
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      return undefined
    }
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear()
    this.verified.set(token, claims)
    return this.unexpired(claims)
  }

  private unexpired(claims: TokenClaims): TokenClaims | undefined {
    return claims.exp * 1000 > this.clock.now() ? claims : undefined
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url')
  }
}
