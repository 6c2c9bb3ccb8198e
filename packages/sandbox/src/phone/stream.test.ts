import { request as httpRequest, type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testSandbox } from '../../test/helpers.ts'
import { buildSandbox } from '../app.ts'
import { createHttpApp } from '../http/setup.ts'
import { userStreamRoutes } from './stream.ts'

/** An open SSE connection and everything it has received so far. */
interface OpenStream {
  response: IncomingMessage
  text: () => string
  events: () => Array<{ event: string; data: unknown }>
  close: () => void
}

function openStream(url: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { accept: 'text/event-stream' } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
      })
      response.on('error', () => {})
      resolve({
        response,
        text: () => text,
        events: () =>
          text
            .split('\n\n')
            .filter((block) => block.includes('event: '))
            .map((block) => ({
              event: /event: (.*)/.exec(block)![1]!,
              data: JSON.parse(/data: (.*)/.exec(block)![1]!),
            })),
        close: () => request.destroy(),
      })
    })
    request.on('error', reject)
    request.end()
  })
}

/** Counts the 'phone.changed' listeners the stream holds, through the bus's own subscribe. */
function countListeners(events: { on: (...args: never[]) => () => void }) {
  let active = 0
  const original = events.on.bind(events)
  vi.spyOn(events, 'on').mockImplementation(((name: 'phone.changed', listener: () => void) => {
    const off = (original as (n: string, l: () => void) => () => void)(name, listener)
    active++
    let removed = false
    return () => {
      if (!removed) active--
      removed = true
      off()
    }
  }) as never)
  return () => active
}

const toClose: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of toClose.splice(0)) await close()
})

describe('GET /_sandbox/users/:msisdn/stream', () => {
  it('sends an event on connect and one each time the phone changes, only for that number', async () => {
    const sandbox = await testSandbox()
    const url = await sandbox.app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(`${url}/_sandbox/users/4712345678/stream`)
    toClose.push(async () => stream.close())

    expect(stream.response.statusCode).toBe(200)
    expect(stream.response.headers['content-type']).toContain('text/event-stream')
    await vi.waitFor(() => expect(stream.events()).toHaveLength(1))
    expect(stream.events()[0]).toEqual({ event: 'changed', data: { msisdn: '4712345678' } })

    sandbox.ctx.events.emit('phone.changed', { msisdn: '4791234567' })
    sandbox.ctx.events.emit('phone.changed', { msisdn: '4712345678' })
    await vi.waitFor(() => expect(stream.events()).toHaveLength(2))
    // The other user's change came first and was not sent to this phone.
    expect(stream.events().every((e) => (e.data as { msisdn: string }).msisdn === '4712345678')).toBe(true)
  })

  it('stops listening when the client disconnects', async () => {
    const sandbox = await testSandbox()
    const active = countListeners(sandbox.ctx.events)
    const url = await sandbox.app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(`${url}/_sandbox/users/4712345678/stream`)
    await vi.waitFor(() => expect(stream.events()).toHaveLength(1))
    expect(active()).toBe(1)

    stream.close()

    await vi.waitFor(() => expect(active()).toBe(0))
    // A change after the disconnect reaches nobody and breaks nothing.
    sandbox.ctx.events.emit('phone.changed', { msisdn: '4712345678' })
  })

  it('ends open streams when the sandbox closes, so closing never hangs on a browser', async () => {
    const sandbox = await testSandbox()
    const url = await sandbox.app.listen({ port: 0, host: '127.0.0.1' })
    const stream = await openStream(`${url}/_sandbox/users/4712345678/stream`)
    const ended = new Promise((resolve) => stream.response.on('close', resolve))
    await sandbox.app.close()
    await ended
  })

  it('sends keep-alive comments while nothing changes', async () => {
    // A sandbox's context with only the stream route, on a fast keep-alive.
    const sandbox = buildSandbox()
    toClose.push(() => sandbox.app.close())
    const { ctx } = sandbox
    const app = createHttpApp()
    userStreamRoutes(app, ctx, { keepAliveMs: 20 })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    toClose.push(() => app.close())
    const stream = await openStream(`${url}/_sandbox/users/4712345678/stream`)
    await vi.waitFor(() => expect(stream.text()).toContain(': keep-alive\n\n'))
    stream.close()
  })

  it('answers 404 for a number no test user has', async () => {
    const sandbox = await testSandbox()
    const response = await sandbox.app.inject({ method: 'GET', url: '/_sandbox/users/4700000000/stream' })
    expect(response.statusCode).toBe(404)
    expect(response.json().detail).toContain('4700000000')
  })
})
