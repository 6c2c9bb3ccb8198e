import { describe, expect, it } from 'vitest'
import { servicesPrinted } from './startup-memory.ts'

describe('servicesPrinted', () => {
  it('finds the sandbox and the shop in the lines kasse up prints, with their health paths', () => {
    const sandbox = servicesPrinted('Vipps MobilePay sandbox  http://127.0.0.1:4010')
    expect(sandbox.map(({ probe, url }) => [probe.service, `${url}${probe.healthPath}`])).toEqual([
      ['sandbox', 'http://127.0.0.1:4010/_sandbox/health'],
    ])
    const shop = servicesPrinted('Web shop                 http://127.0.0.1:4020/')
    expect(shop.map(({ probe, url }) => [probe.service, `${url}${probe.healthPath}`])).toEqual([
      ['shop', 'http://127.0.0.1:4020/health'],
    ])
  })

  it('takes the lines under a service for none', () => {
    expect(servicesPrinted('  phone simulator        http://127.0.0.1:4010/phone')).toEqual([])
    expect(servicesPrinted('  order admin            http://127.0.0.1:4020/admin  (login a / b)')).toEqual([])
  })
})
