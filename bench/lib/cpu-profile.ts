/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and sums self time
 * per function and per area of code, from the sample timeline, so the bench can
 * say where a server spends its CPU without opening a profiler UI.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface SelfTime {
  name: string
  /** Where it is: a package or a file in the repository. */
  where: string
  selfMs: number
  /** Share of the busy (non-idle) time. */
  share: number
}

export interface ProfileSummary {
  totalMs: number
  idleMs: number
  busyMs: number
  functions: SelfTime[]
  areas: SelfTime[]
}

/** The area a script belongs to: a package in node_modules, a source folder of the repo, or Node itself. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules) return modules[1]!
  const repo = /\/(packages\/[^/]+\/src\/[^/]+|bench\/[^/]+|packages\/[^/]+\/[^/]+)/.exec(url)
  if (repo) return repo[1]!.replace(/\.ts$/, '')
  return url.replace(/^file:\/\//, '')
}

function shortLocation(url: string, line: number): string {
  if (url === '') return ''
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('node_modules/')
  const short =
    modules >= 0
      ? path.slice(modules + 'node_modules/'.length)
      : path.replace(/^.*?\/(packages|bench)\//, '$1/')
  // tsx compiles TypeScript without keeping line numbers, so a .ts line would mislead.
  return short.endsWith('.ts') ? short : `${short}:${line + 1}`
}

/** Self time by function and by area, largest first; idle time is reported apart. */
export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfById = new Map<number, number>()
  // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  }
  const functions = new Map<string, { name: string; where: string; selfMs: number }>()
  const areas = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0
  for (const [id, ms] of selfById) {
    const node = byId.get(id)
    if (!node) continue
    totalMs += ms
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idleMs += ms
      continue
    }
    const name = functionName || '(anonymous)'
    const where = shortLocation(url, lineNumber)
    const key = `${name} ${where}`
    const entry = functions.get(key) ?? { name, where, selfMs: 0 }
    entry.selfMs += ms
    functions.set(key, entry)
    const area = areaOf(url, name)
    areas.set(area, (areas.get(area) ?? 0) + ms)
  }
  const busyMs = totalMs - idleMs
  const share = (ms: number) => (busyMs > 0 ? ms / busyMs : 0)
  return {
    totalMs,
    idleMs,
    busyMs,
    functions: [...functions.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((f) => ({ ...f, share: share(f.selfMs) })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, selfMs]) => ({ name: where, where, selfMs, share: share(selfMs) })),
  }
}

/** The summary as markdown tables. */
export function profileMarkdown(summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`
  const lines = [
    `Busy ${(summary.busyMs / 1000).toFixed(2)} s of ${(summary.totalMs / 1000).toFixed(2)} s profiled (idle ${pct(summary.totalMs > 0 ? summary.idleMs / summary.totalMs : 0)}).`,
    '',
    '| self time | share of busy | function | where |',
    '|---:|---:|---|---|',
    ...summary.functions.map(
      (f) => `| ${f.selfMs.toFixed(0)} ms | ${pct(f.share)} | \`${f.name}\` | ${f.where} |`,
    ),
    '',
    '| self time | share of busy | area |',
    '|---:|---:|---|',
    ...summary.areas.map((a) => `| ${a.selfMs.toFixed(0)} ms | ${pct(a.share)} | ${a.name} |`),
  ]
  return `${lines.join('\n')}\n`
}
