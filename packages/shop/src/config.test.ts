import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadShopConfig, ShopConfigError } from './config.ts'

const ENV = {
  SHOP_VIPPS_BASE_URL: 'http://127.0.0.1:4010',
  SHOP_VIPPS_CLIENT_ID: 'id',
  SHOP_VIPPS_CLIENT_SECRET: 'secret',
  SHOP_VIPPS_SUBSCRIPTION_KEY: 'key',
  SHOP_VIPPS_MSN: '123456',
  SHOP_ADMIN_USER: 'admin',
  SHOP_ADMIN_PASSWORD: 'pw',
}

describe('the shop’s configuration', () => {
  it('comes from the environment', () => {
    const config = loadShopConfig({
      env: { ...ENV, SHOP_PUBLIC_URL: 'https://butikk.example.no/', DATABASE_URL: 'postgres://db/shop' },
    })
    expect(config).toMatchObject({
      shopName: 'Kasse Nettbutikk',
      vipps: { baseUrl: 'http://127.0.0.1:4010', msn: '123456' },
      publicUrl: 'https://butikk.example.no',
      databaseUrl: 'postgres://db/shop',
    })
  })

  it('refuses to start without a credential or the admin login, naming the setting', () => {
    for (const missing of Object.keys(ENV)) {
      const env = { ...ENV, [missing]: ' ' }
      const error = (() => {
        try {
          loadShopConfig({ env })
        } catch (e) {
          return e
        }
      })()
      expect(error, missing).toBeInstanceOf(ShopConfigError)
      expect((error as ShopConfigError).setting).toBe(missing)
    }
    expect(() => loadShopConfig({ env: { ...ENV, SHOP_VIPPS_BASE_URL: 'somewhere' } })).toThrow(
      /test, production or a URL/,
    )
  })

  it('reads a JSON file, which the environment overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kasse-shop-config-'))
    try {
      const file = join(dir, 'shop.json')
      writeFileSync(
        file,
        JSON.stringify({
          shopName: 'Fjellbutikken',
          vipps: {
            baseUrl: 'test',
            clientId: 'f-id',
            clientSecret: 'f-secret',
            subscriptionKey: 'f-key',
            msn: '654321',
          },
          admin: { username: 'fil', password: 'fil-pw' },
        }),
      )
      const config = loadShopConfig({ env: { SHOP_CONFIG: file, SHOP_ADMIN_PASSWORD: 'env-pw' } })
      expect(config).toMatchObject({
        shopName: 'Fjellbutikken',
        vipps: { baseUrl: 'test', msn: '654321' },
        admin: { username: 'fil', password: 'env-pw' },
      })
      writeFileSync(file, '[1, 2]')
      expect(() => loadShopConfig({ env: { SHOP_CONFIG: file } })).toThrow(/not a JSON object/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
