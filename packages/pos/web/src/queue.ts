/**
 * Runs tasks one after another, in the order they were given. Every change
 * to the sale goes through one queue: a scanner can send the next barcode
 * before the till has answered the last, and the till must add them in the
 * order they were scanned, each answer being the whole sale as it then is.
 *
 * @example
 * const run = serialQueue()
 * run(() => api('POST', `/api/sales/${id}/lines`, { barcode: a }))
 * run(() => api('POST', `/api/sales/${id}/lines`, { barcode: b })) // starts when the first has ended
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return function enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task)
    // A failed task is its caller's to report; the next one runs regardless.
    tail = run.catch(() => undefined)
    return run
  }
}
