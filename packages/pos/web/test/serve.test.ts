/**
 * Serving the built cashier app: the page never cached and under its content
 * policy, the hashed assets cached for good, a clear page when the app is not
 * built, and nothing else taken from the server.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { CASHIER_APP_CSP, registerCashierApp } from '../serve.ts'

const dirs: string[] = []
const apps: FastifyInstance[] = []

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function appServing(build: 'built' | 'not built'): Promise<FastifyInstance> {
  const distDir = mkdtempSync(join(tmpdir(), 'kasse-web-dist-'))
  dirs.push(distDir)
  if (build === 'built') {
    mkdirSync(join(distDir, 'assets'))
    writeFileSync(
      join(distDir, 'index.html'),
      '<!doctype html><title>till</title><script src="/assets/app-1a2b.js"></script>',
    )
    writeFileSync(join(distDir, 'assets', 'app-1a2b.js'), 'console.log("till")')
  }
  const app = Fastify()
  apps.push(app)
  app.get('/api/ping', async () => ({ pong: true }))
  await registerCashierApp(app, { distDir })
  return app
}

describe('registerCashierApp', () => {
  it('serves the page at / uncached, under the content policy', async () => {
    const app = await appServing('built')
    const page = await app.inject({ method: 'GET', url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['content-security-policy']).toBe(CASHIER_APP_CSP)
    expect(page.body).toContain('/assets/app-1a2b.js')
  })

  it('serves the assets, named by their content, cached for good', async () => {
    const app = await appServing('built')
    const script = await app.inject({ method: 'GET', url: '/assets/app-1a2b.js' })
    expect(script.statusCode).toBe(200)
    expect(script.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/)
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(script.body).toBe('console.log("till")')
    expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).not.toBe(200)
  })

  it('says how to build the app when it is not built, and serves it once it is, without a restart', async () => {
    const app = await appServing('not built')
    const page = await app.inject({ method: 'GET', url: '/' })
    expect(page.statusCode).toBe(503)
    expect(page.body).toContain('The cashier app is not built')
    expect(page.body).toContain('node packages/pos/web/build.mjs')

    const distDir = dirs[0]!
    mkdirSync(join(distDir, 'assets'))
    writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>till</title>')
    writeFileSync(join(distDir, 'assets', 'app-9f8e.js'), '1')
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/assets/app-9f8e.js' })).statusCode).toBe(200)
  })

  it('leaves every other path to the server', async () => {
    const app = await appServing('built')
    expect((await app.inject({ method: 'GET', url: '/api/ping' })).json()).toEqual({ pong: true })
    expect((await app.inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(404)
    expect((await app.inject({ method: 'GET', url: '/elsewhere' })).statusCode).toBe(404)
  })
})
