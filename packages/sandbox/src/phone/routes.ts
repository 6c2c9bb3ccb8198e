/**
 * The pages a person uses in the sandbox, served as plain files with no build
 * step: the test-user chooser (`/phone`), the simulated app (`/phone/:msisdn`)
 * and the landing page web orders send the browser to: `/landing` for ePayment
 * WEB_REDIRECT payments, `/landing/ecom` for eCom v2 orders.
 * The pages are clients of the control API; everything they do, a test can do
 * through `/_sandbox/...` too.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { SandboxContext } from '../context.ts'
import { ProblemError } from '../http/problem.ts'
import { userStreamRoutes } from './stream.ts'

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/**
 * The pages only load their own files and talk to their own origin; the QR code
 * is an SVG data: image. With this policy an injected string could not run even
 * if one slipped past textContent.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The landing page's URL carries the payment token; the merchant's returnUrl must not receive it.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

type Asset = { body: string; type: string }

/** Every file in assets/, read once, keyed by name; nothing outside that folder is reachable. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(ASSETS_DIR)) {
    const type = CONTENT_TYPES[extname(name)]
    if (type) assets.set(name, { body: readFileSync(join(ASSETS_DIR, name), 'utf8'), type })
  }
  return assets
}

export function phoneRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const assets = loadAssets()
  const send = (reply: FastifyReply, name: string) => {
    const asset = assets.get(name)
    if (!asset) throw new ProblemError(404, 'Not Found', `No sandbox file ${name}`)
    return reply.headers(PAGE_HEADERS).type(asset.type).send(asset.body)
  }

  app.get('/phone', async function userChooserPage(_request, reply) {
    return send(reply, 'users.html')
  })
  app.get('/phone/', async function userChooserPageSlash(_request, reply) {
    return send(reply, 'users.html')
  })
  app.get('/phone/:msisdn', async function phonePage(_request, reply) {
    return send(reply, 'phone.html')
  })
  app.get('/landing', async function landingPage(_request, reply) {
    return send(reply, 'landing.html')
  })
  // eCom v2 orders share the page; its script tells the two apart by the path.
  app.get('/landing/ecom', async function ecomLandingPage(_request, reply) {
    return send(reply, 'landing.html')
  })
  app.get('/phone/assets/:name', async function phoneAsset(request, reply) {
    const { name } = request.params as { name: string }
    // Pages are served at their routes; only scripts and styles are files here.
    if (name.endsWith('.html')) throw new ProblemError(404, 'Not Found', `No sandbox file ${name}`)
    return send(reply, name)
  })

  userStreamRoutes(app, ctx)
}
