/**
 * PINs, hashed with scrypt (memory-hard, in Node's standard library). A PIN
 * has few possible values, so the hash alone cannot protect it against a
 * stolen database; what protects it at the till is the attempt limit. The
 * hash keeps it from being read off a screen, a backup or a log.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

/** What a PIN may be: 4 to 8 digits, as on a card terminal. */
export const PIN_PATTERN = '^[0-9]{4,8}$'

const COST = { N: 16_384, r: 8, p: 1 } as const
const KEY_LENGTH = 32

function derive(pin: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

/**
 * Hashes a PIN for storage as `scrypt$N$r$p$salt$hash` (salt and hash base64url),
 * so the cost can be raised later without breaking stored hashes.
 */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(pin, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** True if `pin` is the one `stored` was made from. Constant time in the comparison. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(pin, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/**
 * A hash no PIN matches, checked when the staff number is unknown so that the
 * answer takes as long as for a known one and does not tell which numbers exist.
 */
export const UNMATCHABLE_PIN_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`
