/**
 * The till's live events (GET /api/events, Server-Sent Events): the payment
 * attempt as it moves (waiting, approved, declined…), a club enrolment as the
 * customer answers it on their phone, and the sale when the till changes it. On connecting the till sends the current sale and its
 * payment, so a screen that reconnects, or is reloaded, catches up at once.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Enrolment, PaymentAttempt, Sale } from './api-types.ts'

export type LiveState = 'connecting' | 'live' | 'offline'

export interface LiveHandlers {
  onPayment(attempt: PaymentAttempt): void
  onSale(sale: Sale): void
  onEnrolment(enrolment: Enrolment): void
}

/** EventSource retries by itself after a dropped stream, but not after a refusal (401, 404): we do. */
const RECONNECT_AFTER_REFUSAL_MS = 5_000

export function useLiveEvents(handlers: LiveHandlers): LiveState {
  const latest = useRef(handlers)
  latest.current = handlers
  const [state, setState] = useState<LiveState>('connecting')

  useEffect(() => {
    let source: EventSource | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    let closed = false

    const connect = () => {
      source = new EventSource('/api/events')
      source.addEventListener('open', () => setState('live'))
      source.addEventListener('error', () => {
        if (source?.readyState === EventSource.CLOSED) {
          setState('offline')
          if (!closed) retry = setTimeout(connect, RECONNECT_AFTER_REFUSAL_MS)
        } else {
          setState('connecting')
        }
      })
      source.addEventListener('payment', (event) => {
        const attempt = parse<{ attempt?: PaymentAttempt }>(event)?.attempt
        if (attempt) latest.current.onPayment(attempt)
      })
      source.addEventListener('sale', (event) => {
        const sale = parse<{ sale?: Sale }>(event)?.sale
        if (sale) latest.current.onSale(sale)
      })
      source.addEventListener('enrolment', (event) => {
        const enrolment = parse<{ enrolment?: Enrolment }>(event)?.enrolment
        if (enrolment) latest.current.onEnrolment(enrolment)
      })
    }
    connect()
    return () => {
      closed = true
      clearTimeout(retry)
      source?.close()
    }
  }, [])

  return state
}

function parse<T>(event: Event): T | undefined {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T
  } catch {
    return undefined
  }
}
