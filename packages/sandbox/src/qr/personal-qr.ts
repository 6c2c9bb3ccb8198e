/**
 * Users' personal QR codes, in the platform's two formats (research/vipps-api.md §4):
 *
 * - version 1.0 carries the phone number in the URL's last path segment:
 *   `https://qr.vipps.no/28/2/01/031/4791234567?v=1`
 * - version 2.0 is an opaque token the platform issues and may replace at any time:
 *   `https://qr.vipps.no/p/<token>`. The sandbox issues one per user on first use and
 *   rotates it on request; a rotated-out code no longer resolves.
 *
 * Merchants pass the scanned content verbatim, to the QR exchange or as ePayment's
 * `customer.personalQr`; both resolve it here.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'

export interface ResolvedPersonalQr {
  msisdn: string
  version: '1.0' | '2.0'
  /** When a 2.0 code was issued, UTC seconds. */
  timestamp?: number
}

const V1 = /^https:\/\/qr\.vipps\.no\/(?:[0-9]+\/)+(\d{10,15})\/?(?:\?v=1)?$/
const V2 = /^https:\/\/qr\.vipps\.no\/p\/([A-Za-z0-9_-]{16,64})$/

/** The version 1.0 code for a number, as older apps show it. */
export const personalQrV1 = (msisdn: string) => `https://qr.vipps.no/28/2/01/031/${msisdn}?v=1`

export class PersonalQrCodes {
  private byToken = new Map<string, { msisdn: string; issuedAt: number }>()
  private currentToken = new Map<string, string>()

  constructor(private readonly clock: Clock) {}

  /** The code the user's app shows now (version 2.0), issued on first use. */
  current(msisdn: string): string {
    const token = this.currentToken.get(msisdn) ?? this.issue(msisdn)
    return `https://qr.vipps.no/p/${token}`
  }

  /** Replaces the user's code; the old one stops resolving. Returns the new content. */
  rotate(msisdn: string): string {
    const old = this.currentToken.get(msisdn)
    if (old) this.byToken.delete(old)
    this.issue(msisdn)
    return this.current(msisdn)
  }

  /** The person behind scanned content, or undefined when it is no personal code (or a revoked one). */
  resolve(content: string): ResolvedPersonalQr | undefined {
    const trimmed = content.trim()
    const v1 = V1.exec(trimmed)
    if (v1) return { msisdn: v1[1]!, version: '1.0' }
    const v2 = V2.exec(trimmed)
    const issued = v2 ? this.byToken.get(v2[1]!) : undefined
    if (issued)
      return { msisdn: issued.msisdn, version: '2.0', timestamp: Math.floor(issued.issuedAt / 1000) }
    return undefined
  }

  reset(): void {
    this.byToken.clear()
    this.currentToken.clear()
  }

  private issue(msisdn: string): string {
    const token = randomBytes(18).toString('base64url')
    this.byToken.set(token, { msisdn, issuedAt: this.clock.now() })
    this.currentToken.set(msisdn, token)
    return token
  }
}
