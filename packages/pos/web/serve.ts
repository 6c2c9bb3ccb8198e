/**
 * Serves the built cashier app (packages/pos/web/dist) from the till: the
 * page at `/`, its scripts and styles under `/assets/`. Vite names every
 * asset by its content's hash, so assets are cached for good and the page
 * never is: a new build reaches the till's screen on its next reload.
 *
 * Only `/` and `/assets/*` are taken, so /api, /docs and the till's 404s for
 * everything else stay as they are. The files are read per request, so a
 * rebuild while the till runs needs no restart.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Where `node packages/pos/web/build.mjs` puts the app. */
export const CASHIER_APP_DIST = fileURLToPath(new URL('./dist/', import.meta.url))

/**
 * The page's own policy: scripts and styles from the till only (no inline
 * script can run even if some text slipped into the page), the camera's
 * picture as a blob, receipts framed from the till itself, and no other site
 * may frame the till.
 */
export const CASHIER_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>kasse — till</title>
<body style="font-family: system-ui, sans-serif; padding: 2rem">
<h1>The cashier app is not built</h1>
<p>Build it with <code>node packages/pos/web/build.mjs</code> (<code>npm start</code> does it for you), then reload this page.</p>
</body></html>`

export interface RegisterCashierAppOptions {
  /** The built app's directory. Default: packages/pos/web/dist. */
  distDir?: string
}

/**
 * Serves the cashier app on a till's Fastify app. Call it once, beside the
 * /api routes; it registers in its own scope.
 *
 * @example
 * const { app } = await buildPosApp({ database })
 * await registerCashierApp(app)
 * // GET / → the cashier app; GET /assets/index-1a2b3c.js → its script
 */
export async function registerCashierApp(
  app: FastifyInstance,
  options: RegisterCashierAppOptions = {},
): Promise<void> {
  const distDir = options.distDir ?? CASHIER_APP_DIST
  const indexFile = join(distDir, 'index.html')

  await app.register(async function cashierApp(scope) {
    scope.get('/', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
      if (!existsSync(indexFile)) {
        return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE)
      }
      return reply
        .header('content-security-policy', CASHIER_APP_CSP)
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(readFileSync(indexFile))
    })

    // Looked up per request (a till started before the first build serves the
    // assets once they are there), and never a directory listing.
    await scope.register(fastifyStatic, {
      root: join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      cacheControl: false,
      setHeaders(reply) {
        reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('x-content-type-options', 'nosniff')
      },
    })
  })
}
