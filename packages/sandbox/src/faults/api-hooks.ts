/**
 * API faults, as two app-wide hooks. `onRequest` runs before every route's own
 * hooks (the gateway) and decides: latency is waited out there, a 5xx before
 * commit or a 429 is answered there and the route never runs. A fault after
 * commit lets the route run to the end, so the payment really is captured (or
 * created, or refunded), and `onSend` then swaps the answer for a 5xx or closes
 * the connection without one, which is what a lost response looks like to the
 * client. Its retry with the same idempotency key must then get the original
 * result, and that is exactly what these faults are for.
 *
 * In-process (`app.inject`) there is no connection to close: a dropped answer
 * arrives there as if nothing happened. Test drops over the wire.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { ECOM_ERRORS, refuse } from '../ecom/errors.ts'
import { GatewayRefusal, ProblemError } from '../http/problem.ts'
import type { ActiveRule, ApiRequestInfo, Faults } from './faults.ts'
import { type ApiFaultRule, isNeverFaulted, MAX_LATENCY_MS } from './rules.ts'

const firstHeader = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The merchant a request claims to act for: its MSN header, else its subscription key's merchant. */
function msnOf(ctx: SandboxContext, request: FastifyRequest): string | undefined {
  const msn = firstHeader(request, 'merchant-serial-number')
  if (msn) return msn
  const key = firstHeader(request, 'ocp-apim-subscription-key')
  return key ? ctx.directory.merchantBySubscriptionKey(key)?.msn : undefined
}

const TITLES: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

/** A 5xx in the API's own error format: eCom's error list on eCom, problem+json elsewhere. */
function serverError(path: string, status: number, what: string): { type: string; body: string } {
  if (path.startsWith('/ecomm/')) {
    const list = refuse({ ...ECOM_ERRORS.internal, status }, what).toList()
    return { type: 'application/json', body: JSON.stringify(list) }
  }
  const problem = new ProblemError(status, TITLES[status] ?? 'Server Error', what, [], 'injected-fault')
  return { type: 'application/problem+json', body: JSON.stringify(problem.toProblem()) }
}

/**
 * Registers the hooks that inject API faults. Routes under `/_sandbox`, `/phone`
 * and `/landing` are never faulted.
 */
export function registerApiFaults(app: FastifyInstance, ctx: SandboxContext, faults: Faults): void {
  /** Requests whose answer is to be withheld once the route has run. */
  const afterCommit = new WeakMap<FastifyRequest, { rule: ActiveRule<ApiFaultRule>; info: ApiRequestInfo }>()

  /** Answers the request when the fault says so (true), or lets it through to its route (false). */
  function applyFault(
    request: FastifyRequest,
    reply: FastifyReply,
    fault: ActiveRule<ApiFaultRule> | undefined,
    info: ApiRequestInfo,
  ): boolean {
    if (!fault) return false
    const rule = fault.rule
    switch (rule.kind) {
      case '5xx-before-commit': {
        faults.record(fault, { ...info, status: rule.status })
        const what = 'A fault injected before the operation: nothing was done'
        const answer = serverError(info.path, rule.status, what)
        reply.code(rule.status).type(answer.type).send(answer.body)
        return true
      }
      case '429-burst': {
        faults.record(fault, { ...info, status: 429 })
        const seconds = rule.retryAfterSeconds
        const message = `Rate limit is exceeded. Try again in ${seconds} seconds.`
        const refusal = new GatewayRefusal(429, message, seconds)
        reply.code(429).header('retry-after', String(seconds)).type('application/json').send(refusal.toBody())
        return true
      }
      case '5xx-after-commit':
      case 'drop-after-commit':
        afterCommit.set(request, { rule: fault, info })
        return false
      case 'latency':
        // Latency never ends the decision; it is waited out before this.
        return false
      default: {
        const unknown: never = rule
        throw new Error(`unknown API fault ${String(unknown)}`)
      }
    }
  }

  // Callback-style hooks: with no API rule a request pays one check, not a promise.
  app.addHook('onRequest', function injectApiFault(request, reply, done) {
    if (!faults.hasApiRules()) return done()
    const path = request.url.split('?', 1)[0]!
    if (isNeverFaulted(path)) return done()
    const info: ApiRequestInfo = { method: request.method, path, msn: msnOf(ctx, request) }
    const decision = faults.decideRequest(info)
    const proceed = () => {
      // An answered request must not go on to its route: done() is not called.
      if (!applyFault(request, reply, decision.fault, info)) done()
    }
    if (decision.latencyMs === 0) return proceed()
    for (const rule of decision.latencyRules) {
      if (rule.rule.kind === 'latency') faults.record(rule, { ...info, latencyMs: rule.rule.latencyMs })
    }
    // Several latency rules add up; the total is bounded like one rule's.
    setTimeout(proceed, Math.min(decision.latencyMs, MAX_LATENCY_MS))
  })

  app.addHook('onSend', function withholdCommittedAnswer(request, reply, payload, done) {
    const pending = afterCommit.get(request)
    if (!pending) return done(null, payload)
    afterCommit.delete(request)
    const { rule: fault, info } = pending
    const rule = fault.rule
    const committedStatus = reply.statusCode
    if (rule.kind === '5xx-after-commit') {
      faults.record(fault, { ...info, status: rule.status, committedStatus })
      // The route's own headers (Location, the idempotency echo) belong to the answer being withheld.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
      const answer = serverError(
        info.path,
        rule.status,
        'A fault injected after the operation: it was done, and this answer replaced its result',
      )
      reply.code(rule.status).type(answer.type)
      return done(null, answer.body)
    }
    faults.record(fault, { ...info, committedStatus })
    // The operation is done; the client hears nothing but a closed connection.
    reply.raw.destroy()
    done(null, payload)
  })
}
