/**
 * `GET /_sandbox/users/:msisdn/stream`: Server-Sent Events that tell an open
 * phone page (or landing page) when what the user's phone shows has changed, so
 * it refetches instead of polling. One `changed` event on connect, one per
 * 'phone.changed' for that number, keep-alive comments in between.
 */
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { userOr404 } from '../qr/routes.ts'

export interface UserStreamOptions {
  /** How often a comment line keeps idle proxies from closing the stream. Default 15 s. */
  keepAliveMs?: number
}

const changedEvent = (msisdn: string) => `event: changed\ndata: ${JSON.stringify({ msisdn })}\n\n`

/**
 * Registers the stream route. Open streams are ended when the app closes, so
 * a browser left open never holds the sandbox up.
 *
 * @example
 * userStreamRoutes(app, ctx, { keepAliveMs: 50 }) // a test that wants to see keep-alives
 */
export function userStreamRoutes(
  app: FastifyInstance,
  ctx: SandboxContext,
  options: UserStreamOptions = {},
): void {
  const keepAliveMs = options.keepAliveMs ?? 15_000
  const open = new Set<ServerResponse>()

  app.addHook('preClose', async () => {
    for (const response of open) response.end()
  })

  app.get('/_sandbox/users/:msisdn/stream', async function streamPhoneChanges(request, reply) {
    const { msisdn } = userOr404(ctx, request)
    reply.hijack()
    const response = reply.raw
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells a buffering reverse proxy (nginx) to pass events through at once.
      'x-accel-buffering': 'no',
    })
    // A reconnecting browser waits this long; short, as the sandbox restarts often.
    response.write('retry: 2000\n\n')
    response.write(changedEvent(msisdn))
    open.add(response)

    const stopListening = ctx.events.on('phone.changed', (change) => {
      if (change.msisdn === msisdn) response.write(changedEvent(msisdn))
    })
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), keepAliveMs)
    keepAlive.unref()

    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clearInterval(keepAlive)
      stopListening()
      open.delete(response)
    }
    // 'close' fires when the client goes away and when we end the stream ourselves.
    response.on('close', close)
    request.raw.on('close', close)
  })
}
