/**
 * Unguessable tokens for URLs the sandbox hands out (a payment's landing and
 * QR links), from the operating system's CSPRNG, drawn from a pool the way
 * Node's own `randomUUID` does: one call into the CSPRNG fills it for the next
 * few hundred tokens. A call per token cost a few µs each, on every create.
 */
import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 8 * 1024
const pool = Buffer.allocUnsafe(POOL_BYTES)
let used = POOL_BYTES

/**
 * `bytes` random bytes as base64url; every byte is used once and never again.
 *
 * @example
 * randomToken(18) // 'q3LJ4Xw8Vf0mJ9cE1dY2uA5o' (24 characters)
 */
export function randomToken(bytes: number): string {
  if (bytes > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} bytes per token`)
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool)
    used = 0
  }
  const token = pool.toString('base64url', used, used + bytes)
  used += bytes
  return token
}
