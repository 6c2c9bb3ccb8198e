import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSandbox } from '@kasse/sandbox'
import { expect, it } from 'vitest'
import { startDemoShop } from './demo.ts'

// A new embedded cluster on disk takes seconds to create; the default 20 s is tight on a busy machine.
it(
  'starts the shop wired to a sandbox with its merchant keys, registers the webhook and says how to sign in',
  { timeout: 60_000 },
  async () => {
    const sandbox = await startSandbox({ port: 0 })
    const dataDir = mkdtempSync(join(tmpdir(), 'kasse-shop-demo-'))
    try {
      const demo = await startDemoShop({
        sandboxUrl: sandbox.url,
        merchant: sandbox.ctx.config.merchants[0]!,
        port: 0,
        env: { SHOP_DATA_DIR: join(dataDir, 'shop-data') },
      })
      try {
        expect(demo.describe()).toContain(`Web shop                 ${demo.shop.url}`)
        expect(demo.describe()).toContain(`/admin  (login admin / ${demo.admin.password})`)
        expect(demo.admin.password).toMatch(/^[\w-]{12}$/)
        expect((await fetch(`${demo.shop.url}/health`)).status).toBe(200)
        const front = await fetch(`${demo.shop.url}/`)
        expect(await front.text()).toContain('Kaffekopp i steintøy')
        const hooks = await (await fetch(`${sandbox.url}/_sandbox/webhooks`)).json()
        expect(JSON.stringify(hooks)).toContain(`${demo.shop.url}/vipps/webhooks/epayment`)
      } finally {
        await demo.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
      await sandbox.close()
    }
  },
)
