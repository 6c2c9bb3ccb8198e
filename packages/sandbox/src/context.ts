/**
 * Everything a sandbox module needs, passed explicitly: configuration, the
 * clock, the directory of merchants and users, the event bus and the token
 * issuer. One context per sandbox instance, so tests can run many side by side.
 */
import type { AccessTokens } from './accesstoken/tokens.ts'
import type { SandboxClock } from './clock.ts'
import type { SandboxConfig } from './config.ts'
import type { Directory } from './directory/directory.ts'
import type { SandboxEvents } from './events.ts'
import type { PersonalQrCodes } from './qr/personal-qr.ts'

export interface SandboxContext {
  readonly config: SandboxConfig
  readonly clock: SandboxClock
  readonly directory: Directory
  readonly events: SandboxEvents
  readonly tokens: AccessTokens
  /** Users' personal QR codes, resolved by the QR exchange and by ePayment's `customer.personalQr`. */
  readonly personalQr: PersonalQrCodes
  /** The sandbox's public origin (e.g. `http://127.0.0.1:4010`), for URLs it hands out. */
  publicUrl: string
  /** Registers a module's own reset, run by `POST /_sandbox/reset`. */
  onReset(reset: () => void): void
  /** Forgets every payment, webhook and delivery and restores the seeded merchants and users. */
  reset(): void
}
