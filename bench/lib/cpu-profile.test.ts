import { describe, expect, it } from 'vitest'
import { areaOf, type CpuProfile, summarizeProfile } from './cpu-profile.ts'

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
})

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('validate', 'file:///repo/node_modules/ajv/dist/core.js', 9) },
    { id: 4, callFrame: frame('create', 'file:///repo/packages/sandbox/src/epayment/service.ts', 99) },
  ],
  samples: [2, 3, 4, 3, 2],
  timeDeltas: [1000, 1000, 2000, 1000, 5000],
  startTime: 0,
  endTime: 10_000,
}

describe('summarizeProfile', () => {
  it('sums self time per function from the sample timeline, idle apart', () => {
    const summary = summarizeProfile(profile)
    expect(summary.totalMs).toBe(10)
    expect(summary.idleMs).toBe(6)
    expect(summary.busyMs).toBe(4)
    expect(summary.functions.map((f) => [f.name, f.where, f.selfMs, f.share])).toEqual([
      ['validate', 'ajv/dist/core.js:10', 2, 0.5],
      ['create', 'packages/sandbox/src/epayment/service.ts', 2, 0.5],
    ])
  })

  it('groups self time by package and by source folder', () => {
    const areas = summarizeProfile(profile).areas.map((a) => a.name)
    expect(areas).toEqual(['ajv', 'packages/sandbox/src/epayment'])
  })
})

describe('areaOf', () => {
  it('names scoped packages, Node internals and the garbage collector', () => {
    expect(areaOf('file:///r/node_modules/@fastify/ajv-compiler/index.js', 'f')).toBe('@fastify/ajv-compiler')
    expect(areaOf('node:internal/http', 'f')).toBe('node internals')
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)')
  })
})
