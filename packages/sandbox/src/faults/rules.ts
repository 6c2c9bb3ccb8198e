/**
 * Fault rules: what may go wrong, where, and how often. A rule is plain JSON, the
 * same in a `--faults` file and in `POST /_sandbox/faults`, and is checked here
 * field by field, so a mistyped rule is refused naming the field rather than
 * silently never firing.
 *
 * API rules match requests to the Vipps MobilePay APIs by merchant (MSN) and
 * endpoint (`POST /epayment/v1/payments/:reference/capture`); webhook rules match
 * deliveries by merchant, event and reference. The control API (`/_sandbox`) and
 * the phone and landing pages are never faulted: a test must always be able to
 * steer the sandbox and act as the customer.
 */
import { epaymentWebhookEventType, PAYMENT_EVENT_NAMES, type PaymentEventName } from '@kasse/vipps'
import { invalidField } from '../http/problem.ts'

export const API_FAULT_KINDS = [
  'latency',
  '5xx-before-commit',
  '5xx-after-commit',
  'drop-after-commit',
  '429-burst',
] as const
export type ApiFaultKind = (typeof API_FAULT_KINDS)[number]

export const WEBHOOK_FAULT_KINDS = ['drop', 'duplicate', 'delay', 'reorder', 'bad-signature'] as const
export type WebhookFaultKind = (typeof WEBHOOK_FAULT_KINDS)[number]

export type FaultKind = ApiFaultKind | WebhookFaultKind

/**
 * eCom's calls to the merchant, as a webhook rule's `event` names them: the
 * payment callback, express checkout's shipping details request and the
 * consent removal. A rule without `event` applies to these as well.
 */
export const ECOM_CALL_EVENTS = [
  'ecom.payment-callback',
  'ecom.shipping-details',
  'ecom.consent-removal',
] as const
export type EcomCallEvent = (typeof ECOM_CALL_EVENTS)[number]
export const FAULT_TARGETS = ['api', 'webhooks'] as const
export type FaultTarget = (typeof FAULT_TARGETS)[number]

/** The 5xx statuses a fault may answer with. */
export const FAULT_STATUSES = [500, 502, 503, 504] as const
export type FaultStatus = (typeof FAULT_STATUSES)[number]

/** Added latency is real time, so it is bounded: a rule cannot hang a client for minutes. */
export const MAX_LATENCY_MS = 30_000
/** Delays and holds are sandbox time (the clock can be advanced past them); at most a week. */
export const MAX_HOLD_MS = 7 * 24 * 3600_000

/** Path prefixes no rule touches: the control API and the pages a person uses. */
const NEVER_FAULTED = new Set(['_sandbox', 'phone', 'landing'])

interface RuleBase {
  /** Only requests or deliveries for this MSN; absent: any merchant. */
  msn?: string
  /** The chance (0 to 1) that a matching request or delivery is faulted. Default 1. */
  probability: number
  /** The rule fires at most this many times (a 429 burst counts once); absent: no limit. */
  times?: number
}

export type ApiFaultRule = RuleBase & {
  target: 'api'
  /** `METHOD /path` or `/path` (any method); `:name` or `{name}` is any one segment, a final `*` the rest. */
  endpoint?: string
} & (
    | { kind: 'latency'; latencyMs: number }
    | { kind: '5xx-before-commit' | '5xx-after-commit'; status: FaultStatus }
    | { kind: 'drop-after-commit' }
    | { kind: '429-burst'; requests: number; retryAfterSeconds: number }
  )

export type WebhookFaultRule = RuleBase & {
  target: 'webhooks'
  /**
   * The event type (`epayments.payment.authorized.v1`); a bare name (`AUTHORIZED`) is accepted and stored as its type.
   * Or one of eCom's calls to the merchant (`ecom.payment-callback`, …).
   */
  event?: string
  /** Only deliveries for this payment reference (an eCom orderId). */
  reference?: string
} & (
    | { kind: 'drop' | 'duplicate' | 'bad-signature' }
    | { kind: 'delay'; delayMs: number }
    | {
        kind: 'reorder'
        /** Longest wait (sandbox time) for a later event to overtake the held one before it goes anyway. */
        holdMs: number
      }
  )

export type FaultRule = ApiFaultRule | WebhookFaultRule

/** True for the kinds that belong to API requests. */
export function isApiKind(kind: string): kind is ApiFaultKind {
  return (API_FAULT_KINDS as readonly string[]).includes(kind)
}

function isWebhookKind(kind: string): kind is WebhookFaultKind {
  return (WEBHOOK_FAULT_KINDS as readonly string[]).includes(kind)
}

/** The fields each kind takes beyond the common ones; anything else is refused as a likely typo. */
function kindFields(kind: FaultKind): readonly string[] {
  switch (kind) {
    case 'latency':
      return ['latencyMs']
    case '5xx-before-commit':
    case '5xx-after-commit':
      return ['status']
    case '429-burst':
      return ['requests', 'retryAfterSeconds']
    case 'delay':
      return ['delayMs']
    case 'reorder':
      return ['holdMs']
    case 'drop-after-commit':
    case 'drop':
    case 'duplicate':
    case 'bad-signature':
      return []
    default:
      return unreachable(kind)
  }
}

const COMMON_FIELDS = ['target', 'kind', 'msn', 'probability', 'times'] as const
const TARGET_FIELDS: Record<FaultTarget, readonly string[]> = {
  api: ['endpoint'],
  webhooks: ['event', 'reference'],
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function integerField(rule: Json, at: string, name: string, min: number, max: number): number | undefined {
  const value = rule[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(`${at}${name}`, `must be an integer from ${min} to ${max}`)
  }
  return value
}

function requiredInteger(rule: Json, at: string, name: string, min: number, max: number): number {
  const value = integerField(rule, at, name, min, max)
  if (value === undefined) throw invalidField(`${at}${name}`, `is required for a ${String(rule.kind)} rule`)
  return value
}

function stringField(rule: Json, at: string, name: string, maxLength: number): string | undefined {
  const value = rule[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidField(`${at}${name}`, `must be a string of 1 to ${maxLength} characters`)
  }
  return value
}

/**
 * Checks one rule as given in JSON and returns it with its defaults filled in,
 * or throws a 400 naming the field (prefixed with `at`, e.g. `rules[2].`).
 *
 * @example
 * parseFaultRule({ kind: '5xx-after-commit', endpoint: 'POST /epayment/v1/payments/:reference/capture' })
 * // → { target: 'api', kind: '5xx-after-commit', endpoint: …, status: 500, probability: 1 }
 */
export function parseFaultRule(input: unknown, at = ''): FaultRule {
  if (!isObject(input)) throw invalidField(at.replace(/\.$/, '') || '(root)', 'must be a JSON object')
  const kind = input.kind
  if (typeof kind !== 'string' || !(isApiKind(kind) || isWebhookKind(kind))) {
    throw invalidField(
      `${at}kind`,
      `must be one of ${[...API_FAULT_KINDS, ...WEBHOOK_FAULT_KINDS].join(', ')}`,
    )
  }
  const target: FaultTarget = isApiKind(kind) ? 'api' : 'webhooks'
  if (input.target !== undefined && input.target !== target) {
    const reason =
      typeof input.target === 'string' && (FAULT_TARGETS as readonly string[]).includes(input.target)
        ? `${kind} is a fault of target ${target}, not ${input.target}`
        : `must be one of ${FAULT_TARGETS.join(', ')}`
    throw invalidField(`${at}target`, reason)
  }
  const allowed = new Set<string>([...COMMON_FIELDS, ...TARGET_FIELDS[target], ...kindFields(kind)])
  for (const field of Object.keys(input)) {
    if (!allowed.has(field)) throw invalidField(`${at}${field}`, `is not a field of a ${kind} rule`)
  }

  const msn = stringField(input, at, 'msn', 6)
  if (msn !== undefined && !/^[0-9]{4,6}$/.test(msn)) throw invalidField(`${at}msn`, 'must be 4 to 6 digits')
  const probability = input.probability ?? 1
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw invalidField(`${at}probability`, 'must be a number from 0 to 1')
  }
  const times = integerField(input, at, 'times', 1, 1_000_000)
  const base: RuleBase = { probability, ...(msn ? { msn } : {}), ...(times ? { times } : {}) }

  if (target === 'api') {
    const endpoint = stringField(input, at, 'endpoint', 500)
    if (endpoint !== undefined) {
      const problem = endpointProblem(endpoint)
      if (problem) throw invalidField(`${at}endpoint`, problem)
    }
    const api = { ...base, target, ...(endpoint ? { endpoint } : {}) } as const
    switch (kind as ApiFaultKind) {
      case 'latency':
        return {
          ...api,
          kind: 'latency',
          latencyMs: requiredInteger(input, at, 'latencyMs', 1, MAX_LATENCY_MS),
        }
      case '5xx-before-commit':
      case '5xx-after-commit': {
        const status = input.status ?? 500
        if (!(FAULT_STATUSES as readonly unknown[]).includes(status)) {
          throw invalidField(`${at}status`, `must be one of ${FAULT_STATUSES.join(', ')}`)
        }
        return {
          ...api,
          kind: kind as '5xx-before-commit' | '5xx-after-commit',
          status: status as FaultStatus,
        }
      }
      case 'drop-after-commit':
        return { ...api, kind: 'drop-after-commit' }
      case '429-burst':
        return {
          ...api,
          kind: '429-burst',
          requests: integerField(input, at, 'requests', 1, 10_000) ?? 3,
          retryAfterSeconds: integerField(input, at, 'retryAfterSeconds', 0, 3600) ?? 1,
        }
      default:
        return unreachable(kind as never)
    }
  }

  const event = stringField(input, at, 'event', 100)
  const reference = stringField(input, at, 'reference', 100)
  const eventType = event === undefined ? undefined : webhookEventType(event)
  if (event !== undefined && eventType === undefined) {
    throw invalidField(
      `${at}event`,
      `must be an ePayment event type or name (${PAYMENT_EVENT_NAMES.join(', ')}) or an eCom call (${ECOM_CALL_EVENTS.join(', ')})`,
    )
  }
  const webhook = {
    ...base,
    target,
    ...(eventType ? { event: eventType } : {}),
    ...(reference ? { reference } : {}),
  } as const
  switch (kind as WebhookFaultKind) {
    case 'drop':
    case 'duplicate':
    case 'bad-signature':
      return { ...webhook, kind: kind as 'drop' | 'duplicate' | 'bad-signature' }
    case 'delay':
      return { ...webhook, kind: 'delay', delayMs: requiredInteger(input, at, 'delayMs', 1, MAX_HOLD_MS) }
    case 'reorder':
      return {
        ...webhook,
        kind: 'reorder',
        holdMs: integerField(input, at, 'holdMs', 1, MAX_HOLD_MS) ?? 30_000,
      }
    default:
      return unreachable(kind as never)
  }
}

/** `AUTHORIZED` or `epayments.payment.authorized.v1` → the event type; an eCom call as it is; undefined when neither. */
function webhookEventType(event: string): string | undefined {
  if ((ECOM_CALL_EVENTS as readonly string[]).includes(event)) return event
  const byName = PAYMENT_EVENT_NAMES.find((name) => name === event.toUpperCase())
  if (byName) return epaymentWebhookEventType(byName as PaymentEventName)
  return PAYMENT_EVENT_NAMES.map(epaymentWebhookEventType).find((type) => type === event)
}

/** A parsed endpoint: the method (undefined: any) and the path segments (null: any one segment). */
export interface EndpointPattern {
  method: string | undefined
  segments: Array<string | null>
  /** A final `*`: any further segments, or none. */
  rest: boolean
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', '*']

/** Reads `METHOD /path/:param/*`; throws on what endpointProblem refuses. */
export function parseEndpoint(endpoint: string): EndpointPattern {
  const problem = endpointProblem(endpoint)
  if (problem) throw new Error(`endpoint ${endpoint}: ${problem}`)
  const [first, second] = endpoint.trim().split(/\s+/)
  const path = second ?? first!
  const method = second === undefined || first === '*' ? undefined : first!.toUpperCase()
  const parts = path.split('/').slice(1)
  const rest = parts.at(-1) === '*'
  if (rest) parts.pop()
  return { method, segments: parts.map((p) => (isParam(p) ? null : safeDecode(p))), rest }
}

const isParam = (segment: string) => /^:[^/]+$/.test(segment) || /^\{[^/{}]+\}$/.test(segment)

/** Why `endpoint` is not a usable pattern, or undefined. */
function endpointProblem(endpoint: string): string | undefined {
  const words = endpoint.trim().split(/\s+/)
  if (words.length > 2) return 'must be "METHOD /path" or "/path"'
  const [first, second] = words
  if (second !== undefined && !METHODS.includes(first!.toUpperCase())) {
    return `the method must be one of ${METHODS.join(', ')}`
  }
  const path = second ?? first!
  if (!path.startsWith('/')) return 'the path must start with /'
  const parts = path.split('/').slice(1)
  if (parts.slice(0, -1).includes('*')) return '* may only be the last segment'
  if (parts[0] !== undefined && NEVER_FAULTED.has(parts[0])) {
    return `/${parts[0]} is never faulted (the control API and pages must stay reliable)`
  }
  return undefined
}

/** True when the request path (without its query) is one no fault may touch. */
export function isNeverFaulted(path: string): boolean {
  const first = path.split('/')[1] ?? ''
  return NEVER_FAULTED.has(first)
}

/** Whether `method path` (the path as requested, without its query) matches the pattern. */
export function endpointMatches(pattern: EndpointPattern, method: string, path: string): boolean {
  if (pattern.method !== undefined && pattern.method !== method.toUpperCase()) return false
  const parts = path.split('/').slice(1)
  if (pattern.rest ? parts.length < pattern.segments.length : parts.length !== pattern.segments.length) {
    return false
  }
  return pattern.segments.every((segment, i) => segment === null || segment === safeDecode(parts[i]!))
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function unreachable(value: never): never {
  throw new Error(`unknown fault kind ${String(value)}`)
}
