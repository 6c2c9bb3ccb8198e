/**
 * The faults control API in-process: rules added, listed, removed, cleared and
 * replaced; every refusal names its field; configured faults come back on reset.
 */
import { describe, expect, it } from 'vitest'
import { type TestSandbox, testSandbox } from '../../test/helpers.ts'
import { defaultConfig } from '../config.ts'

async function sandboxWithFaults(faults?: { seed?: number; rules?: unknown[] }) {
  return testSandbox(faults ? { config: { ...defaultConfig(), faults } } : {})
}

/** Any JSON value, even a bare string or null, as the body of a call to `/_sandbox/faults`. */
const sendJson = (sb: TestSandbox, method: 'POST' | 'PUT', body: unknown) =>
  sb.app.inject({
    method,
    url: '/_sandbox/faults',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  })

describe('/_sandbox/faults', () => {
  it('adds, lists, shows, removes and clears rules', async () => {
    const sb = await sandboxWithFaults()
    const added = await sb.app.inject({
      method: 'POST',
      url: '/_sandbox/faults',
      payload: {
        kind: '5xx-after-commit',
        endpoint: 'POST /epayment/v1/payments/:reference/capture',
        probability: 0.5,
        times: 3,
      },
    })
    expect(added.statusCode).toBe(201)
    expect(added.json()).toEqual({
      id: 'f1',
      target: 'api',
      kind: '5xx-after-commit',
      endpoint: 'POST /epayment/v1/payments/:reference/capture',
      status: 500,
      probability: 0.5,
      times: 3,
      triggered: 0,
      injected: 0,
      exhausted: false,
    })
    await sb.app.inject({
      method: 'POST',
      url: '/_sandbox/faults',
      payload: { target: 'webhooks', kind: 'reorder', event: 'created' },
    })

    const listed = (await sb.app.inject({ method: 'GET', url: '/_sandbox/faults' })).json()
    expect(listed.seed).toBe(1)
    expect(listed.rules.map((r: { id: string }) => r.id)).toEqual(['f1', 'f2'])
    expect(listed.rules[1]).toMatchObject({
      kind: 'reorder',
      event: 'epayments.payment.created.v1',
      holdMs: 30_000,
    })
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/f2' })).json().kind).toBe('reorder')

    expect((await sb.app.inject({ method: 'DELETE', url: '/_sandbox/faults/f1' })).statusCode).toBe(204)
    expect((await sb.app.inject({ method: 'DELETE', url: '/_sandbox/faults/f1' })).statusCode).toBe(404)
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/f1' })).statusCode).toBe(404)
    expect((await sb.app.inject({ method: 'DELETE', url: '/_sandbox/faults' })).statusCode).toBe(204)
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults' })).json().rules).toEqual([])
  })

  it('replaces the set with a seed, numbering from f1 and emptying the log', async () => {
    const sb = await sandboxWithFaults()
    await sb.app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { kind: '5xx-before-commit' } })
    await sb.app.inject({ method: 'POST', url: '/qr/v1/exchange' })
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json().total).toBe(1)

    const replaced = await sb.app.inject({
      method: 'PUT',
      url: '/_sandbox/faults',
      payload: {
        seed: 99,
        rules: [
          { kind: 'latency', latencyMs: 5 },
          { kind: 'drop', target: 'webhooks' },
        ],
      },
    })
    expect(replaced.statusCode).toBe(200)
    expect(replaced.json().seed).toBe(99)
    expect(replaced.json().rules.map((r: { id: string; kind: string }) => [r.id, r.kind])).toEqual([
      ['f1', 'latency'],
      ['f2', 'drop'],
    ])
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json()).toEqual({
      seed: 99,
      total: 0,
      byKind: {},
      byRule: {},
      entries: [],
    })
  })

  it('counts by kind and rule, filters the log and clears it', async () => {
    const sb = await sandboxWithFaults({
      rules: [
        { kind: '5xx-before-commit', endpoint: 'POST /qr/v1/exchange', status: 503 },
        { kind: '429-burst', endpoint: 'GET /epayment/*', requests: 2 },
      ],
    })
    await sb.app.inject({ method: 'POST', url: '/qr/v1/exchange' })
    await sb.app.inject({ method: 'GET', url: '/epayment/v1/payments/a' })
    await sb.app.inject({ method: 'GET', url: '/epayment/v1/payments/b/events' })

    const log = (await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json()
    expect(log).toMatchObject({
      total: 3,
      byKind: { '5xx-before-commit': 1, '429-burst': 2 },
      byRule: { f1: 1, f2: 2 },
    })
    expect(log.entries.map((e: { seq: number; status: number }) => [e.seq, e.status])).toEqual([
      [1, 503],
      [2, 429],
      [3, 429],
    ])
    const filtered = (
      await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log?kind=429-burst&limit=1' })
    ).json()
    expect(filtered.entries).toEqual([
      expect.objectContaining({ seq: 3, path: '/epayment/v1/payments/b/events' }),
    ])
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log?kind=nope' })).statusCode).toBe(
      400,
    )

    expect((await sb.app.inject({ method: 'DELETE', url: '/_sandbox/faults/log' })).statusCode).toBe(204)
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json().total).toBe(0)
  })

  it('starts with the configured faults and restores them on reset', async () => {
    const sb = await sandboxWithFaults({ seed: 5, rules: [{ kind: '5xx-before-commit', times: 1 }] })
    expect((await sb.app.inject({ method: 'POST', url: '/qr/v1/exchange' })).statusCode).toBe(500)
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/f1' })).json()).toMatchObject({
      exhausted: true,
    })
    await sb.app.inject({
      method: 'POST',
      url: '/_sandbox/faults',
      payload: { kind: 'latency', latencyMs: 1 },
    })

    await sb.app.inject({ method: 'POST', url: '/_sandbox/reset' })

    const after = (await sb.app.inject({ method: 'GET', url: '/_sandbox/faults' })).json()
    expect(after.seed).toBe(5)
    expect(after.rules).toEqual([expect.objectContaining({ id: 'f1', triggered: 0, exhausted: false })])
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults/log' })).json().total).toBe(0)
  })

  it('refuses a configured set that is wrong, naming the field', async () => {
    await expect(
      testSandbox({ config: { ...defaultConfig(), faults: { rules: [{ kind: 'latency' }] } } }),
    ).rejects.toThrow('faults.rules[0].latencyMs: is required for a latency rule')
  })

  it.each([
    [{ kind: 'explode' }, 'kind'],
    [{}, 'kind'],
    [{ kind: 'latency' }, 'latencyMs'],
    [{ kind: 'latency', latencyMs: 60_000 }, 'latencyMs'],
    [{ kind: 'latency', latencyMs: 1.5 }, 'latencyMs'],
    [{ kind: 'drop', target: 'api' }, 'target'],
    [{ kind: 'drop-after-commit', target: 'elsewhere' }, 'target'],
    [{ kind: '5xx-before-commit', status: 404 }, 'status'],
    [{ kind: '5xx-before-commit', probability: 2 }, 'probability'],
    [{ kind: '5xx-before-commit', probability: '0.5' }, 'probability'],
    [{ kind: '5xx-before-commit', times: 0 }, 'times'],
    [{ kind: '5xx-before-commit', msn: '12' }, 'msn'],
    [{ kind: '5xx-before-commit', endpoint: 'epayment' }, 'endpoint'],
    [{ kind: '5xx-before-commit', endpoint: 'FETCH /epayment' }, 'endpoint'],
    [{ kind: '5xx-before-commit', endpoint: 'POST /_sandbox/reset' }, 'endpoint'],
    [{ kind: '5xx-before-commit', endpoint: '/epayment/*/payments' }, 'endpoint'],
    [{ kind: '5xx-before-commit', event: 'CREATED' }, 'event'],
    [{ kind: 'drop', event: 'SHIPPED' }, 'event'],
    [{ kind: 'delay' }, 'delayMs'],
    [{ kind: '429-burst', requests: 0 }, 'requests'],
    [{ kind: '429-burst', retryAfterSeconds: -1 }, 'retryAfterSeconds'],
    ['drop', '(root)'],
    [null, '(root)'],
    [[{ kind: 'drop' }], '(root)'],
  ])('refuses %j naming %s', async (rule, field) => {
    const sb = await sandboxWithFaults()
    const response = await sendJson(sb, 'POST', rule)
    expect(response.statusCode).toBe(400)
    expect(response.json().extraDetails).toEqual([expect.objectContaining({ name: field })])
  })

  it.each([
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 32 }, 'seed'],
    [{ rules: {} }, 'rules'],
    [{ rules: [{ kind: 'drop' }, { kind: 'latency' }] }, 'rules[1].latencyMs'],
    [{ rule: [] }, 'rule'],
    [[], '(root)'],
  ])('refuses the set %j naming %s, and keeps the set it had', async (set, field) => {
    const sb = await sandboxWithFaults({ rules: [{ kind: 'drop' }] })
    const response = await sendJson(sb, 'PUT', set)
    expect(response.statusCode).toBe(400)
    expect(response.json().extraDetails).toEqual([expect.objectContaining({ name: field })])
    expect((await sb.app.inject({ method: 'GET', url: '/_sandbox/faults' })).json().rules).toHaveLength(1)
  })
})
