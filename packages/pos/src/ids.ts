/**
 * Prefixed random identifiers (`sale_…`, `prd_…`): a glance at an id in a log
 * or a URL says what it names. 32 symbols so each character carries exactly 5
 * random bits (no modulo bias); 20 characters are 100 bits, enough that ids
 * made by several till processes at once never collide.
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

export type IdPrefix =
  | 'store'
  | 'till'
  | 'csh'
  | 'prd'
  | 'sale'
  | 'line'
  | 'pay'
  | 'rfd'
  | 'mbr'
  | 'pts'
  | 'enr'

/**
 * A new identifier with its prefix.
 *
 * @example
 * newId('sale') // 'sale_3k9x0c7m2q4v8w1z5t6r'
 */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(20)
  let id = `${prefix}_`
  for (const byte of bytes) id += ALPHABET[byte & 31]
  return id
}
