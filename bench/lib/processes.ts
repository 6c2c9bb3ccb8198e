/**
 * The processes the bench starts, and what it reads about them. Every child is
 * spawned through `Children`, which remembers its PID, so that on success, on
 * error and on Ctrl-C the bench stops exactly the processes it started, by PID,
 * and nothing else on the machine.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A child with the tail of what it printed, for the error message when it fails. */
export interface Child {
  pid: number
  process: ChildProcess
  /** The last lines of stdout and stderr. */
  output(): string
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const TAIL_LINES = 40

export class Children {
  private readonly live = new Map<number, Child>()
  private signalsInstalled = false

  /**
   * Spawns a child whose stdout and stderr are read (never left to fill a pipe
   * and stall it), and tracks its PID until it exits.
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options })
    if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`)
    const pid = child.pid
    const tail: string[] = []
    const keep = (chunk: Buffer) => {
      tail.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        this.live.delete(pid)
        resolve({ code, signal })
      })
    })
    const tracked: Child = { pid, process: child, output: () => tail.join('\n'), exited }
    this.live.set(pid, tracked)
    this.installSignalHandlers()
    return tracked
  }

  /** Asks the child to stop (SIGTERM), and kills it (SIGKILL) if it has not exited in time. */
  async stop(child: Child, timeoutMs = 5000): Promise<void> {
    if (!this.live.has(child.pid)) return
    signal(child.pid, 'SIGTERM')
    const timedOut = Symbol('timeout')
    const result = await Promise.race([child.exited, sleep(timeoutMs, timedOut)])
    if (result === timedOut) {
      signal(child.pid, 'SIGKILL')
      await child.exited
    }
  }

  /** Stops every child still running. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((child) => this.stop(child)))
  }

  /** PIDs of the children still running. */
  pids(): number[] {
    return [...this.live.keys()]
  }

  private installSignalHandlers(): void {
    if (this.signalsInstalled) return
    this.signalsInstalled = true
    const interrupt = (name: NodeJS.Signals) => {
      console.error(`\nbench: ${name}, stopping ${this.live.size} child process(es)`)
      void this.stopAll().finally(() => process.exit(130))
    }
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    // Last resort when the bench dies on an exception: no child outlives it.
    process.once('exit', () => {
      for (const pid of this.live.keys()) signal(pid, 'SIGKILL')
    })
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    // ESRCH: it exited meanwhile, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** A free TCP port on 127.0.0.1, for a command that wants one named. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return address.port
}

/**
 * Polls a URL until it answers with the wanted status, within a deadline.
 * Each poll has its own short timeout, so a server that accepts and hangs is not waited on forever.
 */
export async function waitForHttp(
  url: string,
  { timeoutMs = 30_000, intervalMs = 20, ok = (status: number) => status < 500 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (ok(response.status)) return
      last = `status ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await sleep(intervalMs)
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`)
}

/** Resident memory of a process in MiB, from /proc (Linux); undefined when it cannot be read. */
export function rssMb(pid: number): number | undefined {
  return statusKb(pid, 'VmRSS')
}

/** The most resident memory the process has had, in MiB (Linux's high-water mark). */
export function peakRssMb(pid: number): number | undefined {
  return statusKb(pid, 'VmHWM')
}

function statusKb(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may itself hold
 * spaces and parentheses): index 1 is the parent, 11–14 utime, stime, cutime,
 * cstime in clock ticks. Undefined when it cannot be read (Linux only; the
 * process may have ended).
 */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** CPU time (user + system) the process has used, in ms (Linux); undefined when it cannot be read. */
export function cpuTimeMs(pid: number): number | undefined {
  const fields = statFields(pid)
  if (!fields) return undefined
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1000
}

/**
 * CPU time of this process's children that have ended and been waited for
 * (and of theirs, as each waited for its own), in ms (Linux): what a child run
 * to its end used, read before and after.
 */
export function endedChildrenCpuTimeMs(): number | undefined {
  const fields = statFields('self')
  if (!fields) return undefined
  return ((Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND) * 1000
}

/**
 * CPU time of a process and all its descendants, including the children it
 * has already reaped (a PostgreSQL server: the postmaster and its backends).
 */
export function treeCpuTimeMs(root: number): number | undefined {
  let total = 0
  for (const pid of processTree(root)) {
    const fields = statFields(pid)
    if (!fields) {
      if (pid === root) return undefined
      continue
    }
    // utime, stime, and for the root also cutime and cstime: its children that ended.
    total += Number(fields[11]) + Number(fields[12])
    if (pid === root) total += Number(fields[13]) + Number(fields[14])
  }
  return (total / CLOCK_TICKS_PER_SECOND) * 1000
}

/** The parent of a process (Linux); undefined when it cannot be read. */
export function parentOf(pid: number): number | undefined {
  const fields = statFields(pid)
  return fields ? Number(fields[1]) : undefined
}

// USER_HZ is 100 on every Linux the bench runs on (x86-64 and arm64 alike).
const CLOCK_TICKS_PER_SECOND = 100

/** The process and all its descendants, parents first (Linux; just the process elsewhere). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return [root]
  }
  for (const name of entries) {
    const fields = statFields(name)
    // Undefined: the process ended while we looked.
    if (!fields) continue
    const ppid = Number(fields[1])
    const list = children.get(ppid) ?? []
    list.push(Number(name))
    children.set(ppid, list)
  }
  const tree: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.shift()!
    tree.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return tree
}

/** The command line of a process, shortened for a table (Linux). */
export function commandOf(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    return args.map((arg) => (arg.includes('/') ? arg.split('/').slice(-2).join('/') : arg)).join(' ')
  } catch {
    return `pid ${pid}`
  }
}
