/**
 * Suite 3: `kasse up`, spawned as the real command, from start to every
 * service it prints answering its health URL; then the resident memory of each
 * of its processes idle and under the sandbox lifecycle load.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { TEMPLATE_DIR_VARIABLE } from '../../packages/storage/src/cluster-template.ts'
import { apiHeaders, ePaymentScenario, fetchAccessToken } from '../lib/epayment-load.ts'
import { Http1Pool } from '../lib/http1.ts'
import { runLoad } from '../lib/load.ts'
import {
  type Child,
  commandOf,
  cpuTimeMs,
  endedChildrenCpuTimeMs,
  freePort,
  processTree,
  rssMb,
} from '../lib/processes.ts'
import { cellsTable, checkTarget, formatValue } from '../lib/report.ts'
import { median } from '../lib/stats.ts'
import type { BenchContext, BenchSuite, LoadCell, SuiteResult } from './types.ts'

/**
 * The services `kasse up` starts: how to find each one's URL in what it prints,
 * and where it says it is ready. A service that is not printed is not waited
 * for, so a line may come before `kasse up` starts that service.
 */
export interface ServiceProbe {
  service: string
  url: RegExp
  healthPath: string
  /** The `kasse up` option that sets its port; the bench gives each a free one, so a running kasse is no obstacle. */
  portFlag: string
}

export const UP_SERVICES: ServiceProbe[] = [
  {
    service: 'sandbox',
    url: /Vipps MobilePay sandbox\s+(http:\/\/\S+)/,
    healthPath: '/_sandbox/health',
    portFlag: '--sandbox-port',
  },
  {
    service: 'till',
    url: /^Till \(cashier app\)\s+(http:\/\/\S+)/,
    healthPath: '/health',
    portFlag: '--pos-port',
  },
  // The line the shop's describe() gives `kasse up` to print (packages/shop/src/demo.ts).
  { service: 'shop', url: /^Web shop\s+(http:\/\/\S+)/, healthPath: '/health', portFlag: '--shop-port' },
]

/** The services a line `kasse up` printed names, with their URLs (no trailing slash). */
export function servicesPrinted(
  line: string,
  probes: readonly ServiceProbe[] = UP_SERVICES,
): Array<{ probe: ServiceProbe; url: string }> {
  return probes.flatMap((probe) => {
    const match = probe.url.exec(line)
    return match ? [{ probe, url: match[1]!.replace(/\/$/, '') }] : []
  })
}

/**
 * The port options of the probed services that this `kasse up` takes, from its
 * usage text: a service's option is passed only once `kasse up` knows it.
 */
async function upPortFlags(ctx: BenchContext, bin: string): Promise<string[]> {
  const help = ctx.children.spawn(process.execPath, [bin, 'help'], { cwd: ctx.root })
  let usage = ''
  help.process.stdout?.on('data', (chunk: Buffer) => {
    usage += chunk.toString('utf8')
  })
  await help.exited
  const upLine = usage.split('\n').find((line) => line.trim().startsWith('up ')) ?? ''
  return UP_SERVICES.map((probe) => probe.portFlag).filter((flag) => upLine.includes(flag))
}

/** `kasse up` prints this once every service has started. */
const UP_LINE = /kasse is up/

// Far past the 5 s target, so a slow start is measured rather than cut off; still bounded.
// A first start (creating the embedded database) took over 60 s at load average 19.
const READY_TIMEOUT_MS = 180_000

interface StartupRun {
  /** From spawn to every printed service healthy, ms. */
  readyMs: number
  /** From spawn to `kasse is up`, ms. */
  printedUpMs: number
  /**
   * CPU time (all threads) `kasse up` had used when ready, ms: its own work, which
   * others' load on a shared machine stretches far less than the wall time.
   */
  cpuMs: number | undefined
  services: Record<string, { url: string; healthyMs: number }>
}

/**
 * Spawns `kasse up` and resolves once it printed that it is up and every
 * service it printed answers 200 on its health URL. Health URLs are polled
 * from the moment their service is printed.
 */
async function startKasseUp(
  ctx: BenchContext,
  workDir: string,
  configPath: string,
  templatesDir: string,
): Promise<{ child: Child; run: StartupRun }> {
  const bin = join(ctx.root, 'packages', 'cli', 'bin', 'kasse.mjs')
  const ports: string[] = []
  for (const flag of await upPortFlags(ctx, bin)) ports.push(flag, String(await freePort()))
  // The embedded database's templates (packages/storage/src/cluster-template.ts) in the
  // bench's own folder: the cold run starts with none, as the first start after `npm ci` does.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', [TEMPLATE_DIR_VARIABLE]: templatesDir }
  // The embedded databases, as a developer's `npm start` has them, not a server someone configured.
  delete env.DATABASE_URL
  const started = performance.now()
  // Run from the bench's own folder: the till's and the shop's embedded databases
  // (.kasse/… under the working directory) land there, created by the first run and
  // opened by the later ones, as on a developer's first and later starts.
  const child = ctx.children.spawn(process.execPath, [bin, 'up', ...ports, '--config', configPath], {
    cwd: workDir,
    env,
  })
  const services: StartupRun['services'] = {}
  const polls: Promise<void>[] = []
  const polled = new Set<string>()
  let printedUpMs: number | undefined
  let buffer = ''
  const poll = async (service: string, url: string, healthUrl: string) => {
    const deadline = started + READY_TIMEOUT_MS
    while (performance.now() < deadline) {
      try {
        const response = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) })
        await response.arrayBuffer()
        if (response.status === 200) {
          services[service] = { url, healthyMs: performance.now() - started }
          return
        }
      } catch {
        // Not listening yet.
      }
      await sleep(10)
    }
    throw new Error(`${service} at ${healthUrl} not healthy within ${READY_TIMEOUT_MS} ms`)
  }
  const upPrinted = new Promise<void>((resolve, reject) => {
    child.process.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        for (const { probe, url } of servicesPrinted(line)) {
          if (!polled.has(probe.service)) {
            polled.add(probe.service)
            polls.push(poll(probe.service, url, `${url}${probe.healthPath}`))
          }
        }
        if (UP_LINE.test(line) && printedUpMs === undefined) {
          printedUpMs = performance.now() - started
          resolve()
        }
      }
    })
    void child.exited.then(({ code, signal }) =>
      reject(new Error(`kasse up exited (${code ?? signal}) before it was up:\n${child.output()}`)),
    )
    setTimeout(
      () =>
        reject(
          new Error(`kasse up did not print that it is up within ${READY_TIMEOUT_MS} ms:\n${child.output()}`),
        ),
      READY_TIMEOUT_MS,
    ).unref()
  })
  try {
    await upPrinted
    await Promise.all(polls)
  } catch (error) {
    await ctx.children.stop(child)
    throw error
  }
  if (polls.length === 0) {
    await ctx.children.stop(child)
    throw new Error(
      `kasse up printed none of the services the bench knows (${UP_SERVICES.map((p) => p.service).join(', ')})`,
    )
  }
  const readyMs = Math.max(printedUpMs!, ...Object.values(services).map((s) => s.healthyMs))
  const cpuMs = cpuTimeMs(child.pid)
  return { child, run: { readyMs, printedUpMs: printedUpMs!, cpuMs, services } }
}

/**
 * What `npm ci` adds for kasse after installing the packages: its postinstall
 * step, making the embedded database's templates into `templatesDir`.
 */
async function prepareAsInstall(
  ctx: BenchContext,
  templatesDir: string,
): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now()
  const cpuBefore = endedChildrenCpuTimeMs()
  const child = ctx.children.spawn(process.execPath, [join(ctx.root, 'scripts', 'postinstall.mjs')], {
    cwd: ctx.root,
    env: { ...process.env, [TEMPLATE_DIR_VARIABLE]: templatesDir },
  })
  const { code } = await child.exited
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`the postinstall step failed (${code}):\n${child.output()}`)
  const cpuAfter = endedChildrenCpuTimeMs()
  return {
    wallMs,
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore,
  }
}

interface ProcessMemory {
  pid: number
  command: string
  idleMb: number | undefined
  peakUnderLoadMb: number | undefined
  afterLoadMb: number | undefined
}

export const startupMemory: BenchSuite = {
  id: 'startup',
  title: '`kasse up`: start-up and memory',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const temp = mkdtempSync(join(tmpdir(), 'kasse-bench-up-'))
    // Rate limits off for the load below, as in the throughput suite; start-up is the same either way.
    const configPath = join(temp, 'sandbox.json')
    writeFileSync(configPath, JSON.stringify({ rateLimits: { enabled: false } }))
    const templatesDir = join(temp, 'templates')
    const coldDir = join(temp, 'cold')
    const workDir = join(temp, 'work')
    mkdirSync(coldDir)
    mkdirSync(workDir)
    const runs: StartupRun[] = []
    let cold: StartupRun | undefined
    let installStep: { wallMs: number; cpuMs: number } | undefined
    const memory: ProcessMemory[] = []
    const cells: LoadCell[] = []
    try {
      // Once as after `npm ci`: its postinstall step (scripts/postinstall.mjs runs `kasse
      // prepare`) makes the templates in the still empty folder, timed on its own as install
      // work; then the first start, in a folder of its own, copies its database from them.
      {
        installStep = await prepareAsInstall(ctx, templatesDir)
        ctx.log(`  npm ci's postinstall (kasse prepare): ${Math.round(installStep.wallMs)} ms`)
        const { child, run } = await startKasseUp(ctx, coldDir, configPath, templatesDir)
        cold = run
        ctx.log(`  kasse up, first start after npm ci: ready in ${Math.round(run.readyMs)} ms`)
        await ctx.children.stop(child, 10_000)
      }
      // Then the measured runs in a folder of their own: the first creates its database
      // from the templates (a developer's first start in a new checkout), the later ones open it.
      for (let i = 0; i < ctx.options.startupRuns; i++) {
        const last = i === ctx.options.startupRuns - 1
        const { child, run } = await startKasseUp(ctx, workDir, configPath, templatesDir)
        runs.push(run)
        ctx.log(`  kasse up run ${i + 1}: ready in ${Math.round(run.readyMs)} ms`)
        try {
          if (last) cells.push(...(await measureMemory(ctx, child, run, memory)))
        } finally {
          await ctx.children.stop(child, 10_000)
        }
      }
    } finally {
      rmSync(temp, { recursive: true, force: true })
    }

    const ready = runs.map((r) => r.readyMs / 1000)
    const slowest = ready.length > 0 ? Math.max(...ready) : undefined
    const cpu = runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs / 1000]))
    const slowestCpu = cpu.length > 0 ? Math.max(...cpu) : undefined
    const services = [...new Set(runs.flatMap((r) => Object.keys(r.services)))]
    return {
      id: this.id,
      title: this.title,
      cells,
      tables: [
        {
          title: 'Start-up: spawn to every service healthy',
          headers: [
            'run',
            'ready',
            '"kasse is up" printed',
            ...services.map((s) => `${s} healthy`),
            'CPU time to ready',
          ],
          rows: [
            ...(cold ? [{ run: cold, name: 'first after npm ci' }] : []),
            ...runs.map((run, i) => ({ run, name: String(i + 1) })),
          ].map(({ run, name }) => [
            name,
            formatValue(run.readyMs / 1000, 's'),
            formatValue(run.printedUpMs / 1000, 's'),
            ...services.map((s) => formatValue((run.services[s]?.healthyMs ?? Number.NaN) / 1000, 's')),
            formatValue(run.cpuMs === undefined ? undefined : run.cpuMs / 1000, 's'),
          ]),
        },
        {
          title: 'Resident memory of each `kasse up` process',
          headers: ['pid', 'process', 'idle', 'peak under load', 'after load'],
          rows: memory.map((m) => [
            String(m.pid),
            m.command,
            ...[m.idleMb, m.peakUnderLoadMb, m.afterLoadMb].map((mb) =>
              mb === undefined ? '—' : `${Math.round(mb)} MiB`,
            ),
          ]),
        },
        cellsTable('The load during the memory measurement', cells),
      ],
      targets: [
        checkTarget({
          id: 'kasse-up-ready',
          description: `kasse up ready, wall time (slowest of ${runs.length} runs: a new folder, then warm)`,
          measured: slowest,
          comparison: '<=',
          target: 5,
          unit: 's',
        }),
        checkTarget({
          id: 'kasse-up-ready-cpu',
          description: `kasse up ready, its CPU time (slowest of ${runs.length} runs)`,
          measured: slowestCpu,
          comparison: '<=',
          target: 5,
          unit: 's',
        }),
        checkTarget({
          id: 'kasse-up-ready-first-after-install',
          description:
            "kasse up ready, wall time, the first start after npm ci (and its postinstall's templates)",
          measured: cold ? cold.readyMs / 1000 : undefined,
          comparison: '<=',
          target: 5,
          unit: 's',
        }),
      ],
      notes: [
        `Ready: from spawning \`node packages/cli/bin/kasse.mjs up\` until it printed "kasse is up" and every service it printed (${services.join(', ')}) answered 200 on its health URL, polled every 10 ms. Median of the measured runs ${formatValue(median(ready), 's')}. "first after npm ci": a folder of its own, after the install's own step: \`npm ci\` runs scripts/postinstall.mjs, which makes the embedded database's templates (\`kasse prepare\`: an initdb in WebAssembly and the till's migrations, kept in node_modules/.cache/kasse; packages/storage/src/cluster-template.ts), run here into an empty templates folder and timed apart${installStep ? `: ${formatValue(installStep.wallMs / 1000, 's')}, ${formatValue(installStep.cpuMs / 1000, 's')} of CPU, added to the install` : ''}. The measured runs share those templates, the first of them creating its database in a new folder. The command runs a bundle of the TypeScript (packages/cli/build.mjs), built by the first start after a source changed; the bench builds it before timing (a fresh clone's first start also builds it, ~1–2 s).`,
        `Memory: VmRSS from /proc of each process in the tree of \`kasse up\`; idle 2 s after ready, peak sampled every 100 ms during ${ctx.options.cellMs} ms of lifecycle load at ${Math.max(...ctx.options.concurrency)} clients (after ${ctx.options.warmupMs} ms warm-up).`,
      ],
      data: { runs, memory, installStep },
    }
  },
}

/** Idle memory, then peak and final memory under lifecycle load, for each process of `kasse up`. */
async function measureMemory(
  ctx: BenchContext,
  child: Child,
  run: StartupRun,
  memory: ProcessMemory[],
): Promise<LoadCell[]> {
  await sleep(2000)
  const pids = processTree(child.pid)
  for (const pid of pids) {
    memory.push({
      pid,
      command: commandOf(pid),
      idleMb: rssMb(pid),
      peakUnderLoadMb: undefined,
      afterLoadMb: undefined,
    })
  }
  const sandboxUrl = run.services.sandbox?.url
  if (!sandboxUrl) return []
  const concurrency = Math.max(...ctx.options.concurrency)
  const token = await fetchAccessToken(sandboxUrl)
  const target = new Http1Pool(sandboxUrl)
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      for (const entry of memory) {
        const mb = rssMb(entry.pid)
        if (mb !== undefined && (entry.peakUnderLoadMb === undefined || mb > entry.peakUnderLoadMb))
          entry.peakUnderLoadMb = mb
      }
      await sleep(100)
    }
  })()
  try {
    const common = {
      target,
      headers: apiHeaders(token),
      concurrency,
      maxRequests: 2_000_000,
      serverPid: child.pid,
    }
    await runLoad({
      ...common,
      scenario: ePaymentScenario('lifecycle', `u${Date.now().toString(36)}w`),
      durationMs: ctx.options.warmupMs,
    })
    const result = await runLoad({
      ...common,
      scenario: ePaymentScenario('lifecycle', `u${Date.now().toString(36)}m`),
      durationMs: ctx.options.cellMs,
    })
    for (const entry of memory) entry.afterLoadMb = rssMb(entry.pid)
    return [{ suite: 'startup', target: 'kasse up', scenario: 'lifecycle', concurrency, ...result }]
  } finally {
    sampling = false
    await sampler
    target.close()
  }
}
