/**
 * Faults in the control API (`/_sandbox/faults`): the rules in force, added,
 * removed, replaced as a set with a seed, and the log of every fault injected,
 * counted by kind and rule so a chaos test can print its figures. Registering
 * this module also installs the API fault hooks.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { FaultsConfig } from '../config.ts'
import type { SandboxContext } from '../context.ts'
import { ProblemError } from '../http/problem.ts'
import { registerApiFaults } from './api-hooks.ts'
import { faultsOf } from './faults.ts'
import {
  API_FAULT_KINDS,
  FAULT_TARGETS,
  type FaultKind,
  type FaultTarget,
  WEBHOOK_FAULT_KINDS,
} from './rules.ts'

const enumOf = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] })

const LogQuery = Type.Object({
  target: Type.Optional(enumOf(FAULT_TARGETS)),
  kind: Type.Optional(enumOf<FaultKind>([...API_FAULT_KINDS, ...WEBHOOK_FAULT_KINDS])),
  ruleId: Type.Optional(Type.String({ maxLength: 20 })),
  /** The newest this many entries. */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
})

const RuleParams = Type.Object({ id: Type.String({ maxLength: 20 }) })

/** Registers `/_sandbox/faults[/:id]`, `/_sandbox/faults/log` and the API fault hooks. */
export function faultRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const faults = faultsOf(ctx)
  registerApiFaults(app, ctx, faults)

  const notFound = (id: string) => new ProblemError(404, 'Not Found', `No fault rule has id ${id}`)
  const current = () => ({ seed: faults.seed, rules: faults.list() })

  app.get('/_sandbox/faults', async () => current())

  app.post('/_sandbox/faults', async (request, reply) => reply.code(201).send(faults.add(request.body)))

  app.put('/_sandbox/faults', async (request) => {
    faults.replace(request.body as FaultsConfig)
    return current()
  })

  app.delete('/_sandbox/faults', async (_request, reply) => {
    faults.clear()
    return reply.code(204).send()
  })

  app.get('/_sandbox/faults/log', { schema: { querystring: LogQuery } }, async (request) => {
    const query = request.query as { target?: FaultTarget; kind?: FaultKind; ruleId?: string; limit?: number }
    return faults.log(query)
  })

  app.delete('/_sandbox/faults/log', async (_request, reply) => {
    faults.clearLog()
    return reply.code(204).send()
  })

  app.get('/_sandbox/faults/:id', { schema: { params: RuleParams } }, async (request) => {
    const { id } = request.params as typeof RuleParams.static
    const rule = faults.get(id)
    if (!rule) throw notFound(id)
    return rule
  })

  app.delete('/_sandbox/faults/:id', { schema: { params: RuleParams } }, async (request, reply) => {
    const { id } = request.params as typeof RuleParams.static
    if (!faults.remove(id)) throw notFound(id)
    return reply.code(204).send()
  })
}
