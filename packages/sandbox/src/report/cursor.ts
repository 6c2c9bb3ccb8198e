/**
 * Opaque cursors for the Report API's pages. A cursor names a position in an
 * append-only list (entries are never edited or removed), so it stays valid:
 * the same cursor gives the same page, and later pages once more entries come.
 * It carries the sandbox's generation, so a cursor kept across a reset is
 * refused instead of silently skipping entries of the new ledgers.
 */
import { invalidField } from '../http/problem.ts'

/** Where a page starts. `scope` says which list: a feed, one date's report, or the ledger list. */
export interface CursorPosition {
  scope: string
  position: number
}

interface Wire {
  /** Generation: changes on every reset. */
  g: string
  s: string
  p: number
}

/** A cursor for `position` in the list named `scope`, in generation `generation`. */
export function encodeCursor(generation: string, { scope, position }: CursorPosition): string {
  const wire: Wire = { g: generation, s: scope, p: position }
  return Buffer.from(JSON.stringify(wire)).toString('base64url')
}

/**
 * The position a cursor names, checked against where it is used: a cursor of
 * another ledger, topic or date, of another generation, or past the end of its
 * list is a 400 naming `cursor`.
 *
 * @example
 * const start = cursor ? decodeCursor(cursor, generation, `feed:${ledgerId}:funds`, entries.length) : 0
 */
export function decodeCursor(text: string, generation: string, scope: string, length: number): number {
  let wire: Partial<Wire> | undefined
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Wire>
  } catch {
    wire = undefined
  }
  if (!wire || typeof wire !== 'object' || typeof wire.s !== 'string' || typeof wire.g !== 'string') {
    throw invalidField('cursor', 'is not a cursor this API gave out')
  }
  if (wire.g !== generation) {
    throw invalidField('cursor', 'was given out before the sandbox was reset; start again without a cursor')
  }
  if (wire.s !== scope) throw invalidField('cursor', 'belongs to another ledger, topic or date')
  const position = wire.p
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0 || position > length) {
    throw invalidField('cursor', 'points outside the list it was given out for')
  }
  return position
}
