/**
 * A webhook inbox inside the sandbox, for developers trying the platform without
 * a receiver of their own: register `{publicUrl}/_sandbox/inbox/<name>` as a
 * webhook URL, and every delivery to it is kept with its headers, its raw body and
 * whether its signature verifies against the registration's secret.
 */
import { verifyWebhook } from '@kasse/vipps'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { invalidField } from '../http/problem.ts'
import type { Registrations } from './registrations.ts'

/** The newest deliveries kept per inbox; older ones fall off. */
const KEEP_PER_INBOX = 100
const NAME = /^[A-Za-z0-9_-]{1,64}$/

export interface InboxEntry {
  receivedAt: string
  headers: Record<string, string>
  body: string
  /** The parsed body, when it is JSON. */
  json?: unknown
  /** `ok`, or why the signature did not verify against any registration for this URL. */
  signature: string
}

export function webhookInboxRoutes(
  app: FastifyInstance,
  ctx: SandboxContext,
  registrations: Registrations,
): void {
  const inboxes = new Map<string, InboxEntry[]>()
  ctx.onReset(() => inboxes.clear())

  const inboxName = (params: unknown) => {
    const { name } = params as { name: string }
    if (!NAME.test(name)) throw invalidField('name', 'must be 1 to 64 letters, digits, - or _')
    return name
  }

  // Its own scope, so the body stays the exact bytes that were signed.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

    scope.post('/_sandbox/inbox/:name', async (request) => {
      const name = inboxName(request.params)
      const body = typeof request.body === 'string' ? request.body : ''
      const url = `${ctx.publicUrl}/_sandbox/inbox/${name}`
      const now = new Date(ctx.clock.now())
      const secrets = registrations
        .all()
        .filter((r) => r.url === url)
        .map((r) => r.secret)
      const verdicts = secrets.map((secret) => verifyWebhook(body, request.headers, secret, url, { now }))
      const signature = verdicts.some((v) => v.ok)
        ? 'ok'
        : (verdicts.map((v) => (v.ok ? 'ok' : v.reason))[0] ?? 'no webhook is registered for this URL')
      const entry: InboxEntry = {
        receivedAt: now.toISOString(),
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
        body,
        signature,
      }
      try {
        entry.json = JSON.parse(body)
      } catch {
        // Not JSON: the raw body is all there is.
      }
      const entries = inboxes.get(name) ?? []
      entries.unshift(entry)
      entries.length = Math.min(entries.length, KEEP_PER_INBOX)
      inboxes.set(name, entries)
      return { received: true }
    })
  })

  app.get('/_sandbox/inbox/:name', async (request) => ({
    deliveries: inboxes.get(inboxName(request.params)) ?? [],
  }))

  app.delete('/_sandbox/inbox/:name', async (request, reply) => {
    inboxes.delete(inboxName(request.params))
    return reply.code(204).send()
  })
}
