/**
 * The sandbox's fault set: the rules in force, the seeded dice each rule rolls,
 * and the log of every fault injected. The HTTP hooks (api-hooks.ts) and the
 * webhook transport (webhook-transport.ts) ask it what to do; it decides, counts
 * and remembers, and never touches a request itself.
 */
import type { Clock } from '../clock.ts'
import type { FaultsConfig } from '../config.ts'
import type { SandboxContext } from '../context.ts'
import { invalidField } from '../http/problem.ts'
import { MAX_SEED, seededRandom, streamSeed } from './prng.ts'
import {
  type ApiFaultRule,
  type EndpointPattern,
  endpointMatches,
  type FaultKind,
  type FaultRule,
  type FaultTarget,
  parseEndpoint,
  parseFaultRule,
  type WebhookFaultRule,
} from './rules.ts'

/** The seed when none is given: runs are reproducible by default. */
export const DEFAULT_FAULT_SEED = 1
/** Log entries kept; the counts go on past it. */
const KEEP_LOG_ENTRIES = 10_000

/**
 * Checks a fault set as given in JSON (a seed and rules), throwing a 400 naming
 * the first bad field, prefixed with `at`. Returns the seed (the default when
 * absent) and the rules as given, each known to parse.
 */
export function checkFaultsConfig(config: unknown, at = ''): { seed: number; rules: unknown[] } {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw invalidField(at.replace(/\.$/, '') || '(root)', 'must be a JSON object with seed and rules')
  }
  const { seed = DEFAULT_FAULT_SEED, rules = [] } = config as FaultsConfig
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw invalidField(`${at}seed`, `must be an integer from 0 to ${MAX_SEED}`)
  }
  if (!Array.isArray(rules)) throw invalidField(`${at}rules`, 'must be an array of fault rules')
  for (const key of Object.keys(config)) {
    if (key !== 'seed' && key !== 'rules')
      throw invalidField(`${at}${key}`, 'is not a field; use seed and rules')
  }
  rules.forEach((rule, i) => {
    parseFaultRule(rule, `${at}rules[${i}].`)
  })
  return { seed, rules }
}

/** A rule in force, with its id and what it has done so far. */
export type FaultRuleView = FaultRule & {
  id: string
  /** Times the rule fired (a 429 burst counts once). */
  triggered: number
  /** Faulty answers or deliveries it caused (each 429 of a burst counts). */
  injected: number
  /** True once `times` is reached: the rule stays listed but no longer fires. */
  exhausted: boolean
  /** 429-burst: requests still to be refused in the current burst. */
  burstRemaining?: number
}

/** One injected fault, as `GET /_sandbox/faults/log` lists it. */
export interface FaultLogEntry {
  seq: number
  /** Sandbox time, ISO 8601. */
  at: string
  ruleId: string
  target: FaultTarget
  kind: FaultKind
  msn?: string
  /** API faults: the request. */
  method?: string
  path?: string
  /** The status the client got (a 5xx, a 429), when it got one. */
  status?: number
  /** After-commit faults: the status of the answer that was withheld. */
  committedStatus?: number
  latencyMs?: number
  /** Webhook faults: the delivery. */
  eventType?: string
  reference?: string
  url?: string
  delayMs?: number
  /** What the receiver answered the request(s) that did go out, where it matters (duplicate, reorder). */
  receiverStatuses?: Array<number | string>
}

/** A request to an API, as the matcher sees it. */
export interface ApiRequestInfo {
  method: string
  /** The path as requested, without the query. */
  path: string
  msn: string | undefined
}

/** A webhook request on its way out, as the matcher sees it. */
export interface DeliveryInfo {
  msn: string | undefined
  reference: string | undefined
  eventType: string | undefined
  url: string
}

/** What to do to one API request: latency to add first, then at most one fault. */
export interface ApiDecision {
  latencyMs: number
  latencyRules: ActiveRule<ApiFaultRule>[]
  fault?: ActiveRule<ApiFaultRule>
}

export interface ActiveRule<R extends FaultRule = FaultRule> {
  readonly id: string
  readonly rule: R
  readonly pattern: EndpointPattern | undefined
  readonly random: () => number
  triggered: number
  injected: number
  burstRemaining: number
}

/**
 * The rules in force and the fault log of one sandbox.
 *
 * @example
 * const faults = new Faults(clock, { seed: 7, rules: [{ kind: 'drop-after-commit', probability: 0.1 }] })
 * faults.decideRequest({ method: 'POST', path: '/epayment/v1/payments', msn: '123456' })
 */
export class Faults {
  private rules: ActiveRule[] = []
  private nextOrdinal = 1
  private currentSeed = DEFAULT_FAULT_SEED
  private entries: FaultLogEntry[] = []
  private total = 0
  private byKind: Partial<Record<FaultKind, number>> = {}
  private byRule: Record<string, number> = {}
  private readonly resetListeners: Array<() => void> = []

  constructor(
    private readonly clock: Clock,
    private readonly configured: FaultsConfig = {},
  ) {
    this.replace(configured, 'faults.')
  }

  get seed(): number {
    return this.currentSeed
  }

  list(): FaultRuleView[] {
    return this.rules.map(view)
  }

  get(id: string): FaultRuleView | undefined {
    const rule = this.rules.find((r) => r.id === id)
    return rule && view(rule)
  }

  /** Adds a rule after the others (rules are tried in order). Throws a 400 naming a bad field. */
  add(input: unknown, at = ''): FaultRuleView {
    const rule = parseFaultRule(input, at)
    const ordinal = this.nextOrdinal++
    const active: ActiveRule = {
      id: `f${ordinal}`,
      rule,
      pattern: rule.target === 'api' && rule.endpoint ? parseEndpoint(rule.endpoint) : undefined,
      random: seededRandom(streamSeed(this.currentSeed, ordinal)),
      triggered: 0,
      injected: 0,
      burstRemaining: 0,
    }
    this.rules.push(active)
    return view(active)
  }

  remove(id: string): boolean {
    const before = this.rules.length
    this.rules = this.rules.filter((r) => r.id !== id)
    return this.rules.length < before
  }

  /** Removes every rule; the log stays. */
  clear(): void {
    this.rules = []
  }

  /**
   * Replaces the whole set: a new seed (or the default), these rules numbered
   * from f1, and an empty log, so a run can be repeated exactly. All-or-nothing:
   * one bad rule leaves the set as it was.
   */
  replace(config: FaultsConfig, at = ''): void {
    const { seed, rules } = checkFaultsConfig(config, at)
    this.currentSeed = seed
    this.rules = []
    this.nextOrdinal = 1
    for (const rule of rules) this.add(rule)
    this.clearLog()
    for (const listener of this.resetListeners) listener()
  }

  /** Back to the configured faults (sandbox reset): the configured seed and rules, an empty log. */
  reset(): void {
    this.replace(this.configured)
  }

  /** Called whenever the set is replaced or reset, for state kept outside (held webhooks). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener)
  }

  /** False when no rule targets the APIs, so requests can skip the matching altogether. */
  hasApiRules(): boolean {
    return this.rules.some((r) => r.rule.target === 'api')
  }

  /** False when no rule targets webhooks and merchant calls, so deliveries can skip the matching. */
  hasDeliveryRules(): boolean {
    return this.rules.some((r) => r.rule.target === 'webhooks')
  }

  /**
   * Rolls the dice for one API request, in rule order: every firing latency
   * rule adds its latency, and the first other rule that fires is the fault.
   * A 429 burst under way refuses the request without a roll.
   */
  decideRequest(request: ApiRequestInfo): ApiDecision {
    const decision: ApiDecision = { latencyMs: 0, latencyRules: [] }
    for (const active of this.rules) {
      if (active.rule.target !== 'api') continue
      const rule = active as ActiveRule<ApiFaultRule>
      if (!this.matchesRequest(rule, request)) continue
      if (rule.rule.kind === '429-burst' && rule.burstRemaining > 0) {
        rule.burstRemaining--
        decision.fault = rule
        break
      }
      if (!this.fires(rule)) continue
      if (rule.rule.kind === 'latency') {
        decision.latencyMs += rule.rule.latencyMs
        decision.latencyRules.push(rule)
        continue
      }
      if (rule.rule.kind === '429-burst') rule.burstRemaining = rule.rule.requests - 1
      decision.fault = rule
      break
    }
    return decision
  }

  /**
   * Rolls the dice for one webhook request: the first matching rule that fires.
   * `reorderable` is false while an earlier event of the same payment is already
   * held back, so two reorders never hold each other forever.
   */
  decideDelivery(delivery: DeliveryInfo, reorderable: boolean): ActiveRule<WebhookFaultRule> | undefined {
    for (const active of this.rules) {
      if (active.rule.target !== 'webhooks') continue
      const rule = active as ActiveRule<WebhookFaultRule>
      const r = rule.rule
      if (r.msn !== undefined && r.msn !== delivery.msn) continue
      if (r.event !== undefined && r.event !== delivery.eventType) continue
      if (r.reference !== undefined && r.reference !== delivery.reference) continue
      if (r.kind === 'reorder' && !reorderable) continue
      if (this.fires(rule)) return rule
    }
    return undefined
  }

  /** Counts and logs one injected fault. */
  record(
    rule: ActiveRule,
    details: Omit<FaultLogEntry, 'seq' | 'at' | 'ruleId' | 'target' | 'kind'>,
  ): FaultLogEntry {
    rule.injected++
    this.total++
    this.byKind[rule.rule.kind] = (this.byKind[rule.rule.kind] ?? 0) + 1
    this.byRule[rule.id] = (this.byRule[rule.id] ?? 0) + 1
    const entry: FaultLogEntry = {
      seq: this.total,
      at: new Date(this.clock.now()).toISOString(),
      ruleId: rule.id,
      target: rule.rule.target,
      kind: rule.rule.kind,
      ...details,
    }
    this.entries.push(entry)
    if (this.entries.length > KEEP_LOG_ENTRIES) this.entries.splice(0, this.entries.length - KEEP_LOG_ENTRIES)
    return entry
  }

  /** The counts since the last reset, and the newest `limit` entries matching the filter, oldest first. */
  log(filter: { target?: FaultTarget; kind?: FaultKind; ruleId?: string; limit?: number } = {}) {
    const entries = this.entries.filter(
      (e) =>
        (filter.target === undefined || e.target === filter.target) &&
        (filter.kind === undefined || e.kind === filter.kind) &&
        (filter.ruleId === undefined || e.ruleId === filter.ruleId),
    )
    return {
      seed: this.currentSeed,
      total: this.total,
      byKind: { ...this.byKind },
      byRule: { ...this.byRule },
      entries: filter.limit === undefined ? entries : entries.slice(-filter.limit),
    }
  }

  clearLog(): void {
    this.entries = []
    this.total = 0
    this.byKind = {}
    this.byRule = {}
  }

  private matchesRequest(rule: ActiveRule<ApiFaultRule>, request: ApiRequestInfo): boolean {
    if (rule.rule.msn !== undefined && rule.rule.msn !== request.msn) return false
    return rule.pattern === undefined || endpointMatches(rule.pattern, request.method, request.path)
  }

  /** One roll of the rule's own dice, unless it has fired its `times`. */
  private fires(rule: ActiveRule): boolean {
    if (rule.rule.times !== undefined && rule.triggered >= rule.rule.times) return false
    // Rolled even at probability 1, so the n-th matching request gets the same roll
    // whatever the probability: raising it only adds faults to a run, never moves them.
    if (rule.random() >= rule.rule.probability) return false
    rule.triggered++
    return true
  }
}

function view(active: ActiveRule): FaultRuleView {
  return {
    id: active.id,
    ...active.rule,
    triggered: active.triggered,
    injected: active.injected,
    exhausted: active.rule.times !== undefined && active.triggered >= active.rule.times,
    ...(active.rule.kind === '429-burst' ? { burstRemaining: active.burstRemaining } : {}),
  }
}

const perSandbox = new WeakMap<SandboxContext, Faults>()

/**
 * The fault set of a sandbox, made on first use from `ctx.config.faults` and
 * restored by `POST /_sandbox/reset`. Kept beside the context rather than in it
 * so the modules that never fault need not know about it.
 */
export function faultsOf(ctx: SandboxContext): Faults {
  let faults = perSandbox.get(ctx)
  if (!faults) {
    const created = new Faults(ctx.clock, ctx.config.faults)
    ctx.onReset(() => created.reset())
    perSandbox.set(ctx, created)
    faults = created
  }
  return faults
}
