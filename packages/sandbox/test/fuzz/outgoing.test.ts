/**
 * Hostile values that come back out: what a merchant gives the sandbox and the
 * sandbox later sends on (eCom's authToken as the callbacks' Authorization
 * header). A value no HTTP request can carry is refused where it comes in, and
 * the transport turns whatever node refuses to send into a failed attempt, never
 * a rejection that would take the process down.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ecom, initiateBody } from '../../src/ecom/test-helpers.ts'
import { httpTransport } from '../../src/webhooks/transport.ts'
import { testSandbox } from '../helpers.ts'
import { fuzzRuns, nastyString } from './support.ts'

let receiverUrl = ''
const received: string[] = []
const server = createServer((request, response) => {
  received.push(String(request.headers.authorization))
  request.resume()
  request.on('end', () => response.writeHead(204).end())
})
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const sendable = (value: string) => /^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(value)

describe('eCom authToken', () => {
  it.each([
    ['line\r\nX-Injected: 1'],
    ['nul\u0000'],
    ['emoji 😀'],
    ['bell\u0007'],
  ])('refuses %j, which no callback could carry, naming merchantInfo.authToken', async (authToken) => {
    const sb = await testSandbox()
    const response = await ecom(sb, {
      url: '/ecomm/v2/payments',
      body: initiateBody({ merchantInfo: { authToken } }),
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual([expect.objectContaining({ errorCode: 'merchantInfo.authToken' })])
  })

  it('takes any token a header can carry, and sends it back as the callback’s Authorization', async () => {
    const sb = await testSandbox()
    const callbackPrefix = receiverUrl.replace(/\/hooks$/, '')
    await fc.assert(
      fc.asyncProperty(
        nastyString().filter((s) => s.length <= 255),
        async (authToken) => {
          const body = initiateBody({ merchantInfo: { authToken } }, callbackPrefix)
          const response = await ecom(sb, { url: '/ecomm/v2/payments', body })
          expect(response.statusCode).toBeLessThan(500)
          const refusedForToken =
            response.statusCode === 400 && response.body.includes('merchantInfo.authToken')
          expect(refusedForToken).toBe(!sendable(authToken))
          if (response.statusCode !== 200) return
          const { orderId } = response.json() as { orderId: string }
          const approved = await ecom(sb, {
            url: `/ecomm/v2/integration-test/payments/${orderId}/approve`,
            body: { customerPhoneNumber: '12345678' },
          })
          expect(approved.statusCode, approved.body).toBeLessThan(300)
          // The callback goes out from the sandbox's scheduler. On the wire the token is its UTF-8
          // bytes, which node's server reads as Latin-1 and trims of outer spaces and tabs.
          const onTheWire = Buffer.from(authToken, 'utf8')
            .toString('latin1')
            .replace(/^[ \t]+|[ \t]+$/g, '')
          await until(() => received.includes(onTheWire), `the callback for ${orderId} arrives`)
        },
      ),
      { numRuns: fuzzRuns(40) },
    )
  })
})

/** Polls until `condition` holds, failing after a bound; never asserts how long it took. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting until ${what}`)
}

describe('the webhook transport', () => {
  it('answers a header or URL node will not send with a failed attempt, never a rejection', async () => {
    const signal = new AbortController().signal
    await fc.assert(
      fc.asyncProperty(nastyString(), fc.boolean(), async (value, inUrl) => {
        const result = await httpTransport(
          {
            url: inUrl ? `${value}://nowhere` : receiverUrl,
            body: '{}',
            headers: { authorization: value, 'content-type': 'application/json' },
          },
          { timeoutMs: 5_000, signal },
        )
        if (!inUrl && sendable(value)) expect(result).toMatchObject({ kind: 'response', statusCode: 204 })
        else if (!inUrl) expect(result).toMatchObject({ kind: 'error', error: 'network-error' })
        else expect(['response', 'error']).toContain(result.kind)
      }),
      { numRuns: fuzzRuns(60) },
    )
    expect(received.length).toBeGreaterThan(0)
  })
})
