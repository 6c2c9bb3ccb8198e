import { describe, expect, it } from 'vitest'
import { failureSummary } from './run.ts'

describe('failureSummary', () => {
  it('keeps the message and the first error line of the child output it carries', () => {
    const message = [
      'kasse up did not print that it is up within 60000 ms:',
      'Vipps MobilePay sandbox  http://127.0.0.1:4010',
      "FastifyError [Error]: Plugin did not start in time: '@fastify/cookie'.",
      '    at plugin.js:127',
    ].join('\n')
    expect(failureSummary(message)).toBe(
      "kasse up did not print that it is up within 60000 ms: FastifyError [Error]: Plugin did not start in time: '@fastify/cookie'.",
    )
  })

  it('is the message itself when it has one line', () => {
    expect(failureSummary('prism could not be installed')).toBe('prism could not be installed')
  })
})
