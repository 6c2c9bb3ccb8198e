/**
 * Recognising the database's refusals, on either backend. drizzle wraps driver
 * errors (and both drivers name the violated constraint), so the cause chain
 * is walked.
 */

interface PgErrorFields {
  code?: unknown
  constraint?: unknown
  cause?: unknown
}

function* causes(error: unknown): Generator<PgErrorFields> {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    yield current as PgErrorFields
    current = (current as PgErrorFields).cause
  }
}

/** True if `error` is PostgreSQL's unique_violation (23505), optionally of the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const fields of causes(error)) {
    if (fields.code === '23505') return constraint === undefined || fields.constraint === constraint
  }
  return false
}

/** The SQLSTATE of a database error, if `error` is one (for logs: never the query's parameters). */
export function sqlState(error: unknown): string | undefined {
  for (const fields of causes(error)) {
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) return fields.code
  }
  return undefined
}
