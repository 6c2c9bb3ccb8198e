/**
 * Talking to the till: JSON in and out, the session's CSRF token on every
 * request that changes something, and every failure turned into an ApiError
 * with a message the cashier can read (the till's own, or ours when the till
 * cannot be reached at all).
 */
import type { ErrorBody } from './api-types.ts'

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the till did not answer. */
    readonly status: number,
    /** The till's stable code (UNKNOWN_BARCODE, WRONG_PIN…), or NETWORK. */
    readonly code: string,
    message: string,
    /** The request field that is wrong, when the till named one. */
    readonly field?: string,
    /** Seconds to wait, from Retry-After (a locked till). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

let csrfToken: string | undefined

/** Remembers the session's CSRF token (from sign-in or GET /api/session); undefined forgets it. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/**
 * Dispatched on window when the till answers that nobody is signed in (the
 * session ended or was taken over at another screen), so the app can show
 * the sign-in screen from wherever the request was made.
 */
export const SIGNED_OUT_EVENT = 'kasse:signed-out'

/**
 * One request to the till's API. Resolves with the parsed body (undefined
 * for 204); rejects with an ApiError.
 *
 * @example
 * const sale = await api<Sale>('POST', `/api/sales/${id}/lines`, { barcode })
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-kasse-csrf'] = csrfToken
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The till server does not answer. Check its connection and try again.')
  }
  const text = await response.text()
  const parsed = parseJson(text)
  if (response.ok) return parsed as T
  const error = isErrorBody(parsed) ? parsed.error : undefined
  if (error?.code === 'NOT_SIGNED_IN' && path !== '/api/session') {
    window.dispatchEvent(new Event(SIGNED_OUT_EVENT))
  }
  const retryAfter = Number(response.headers.get('retry-after'))
  throw new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `The till answered ${response.status} ${response.statusText}`.trim(),
    error?.field,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  )
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false
  const error = (value as { error: unknown }).error
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  )
}

/** The message to show for anything a request threw. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message
  console.error(error)
  return 'Something went wrong in the till app; try again.'
}
