/** A small, strict parser for `kasse <command> [--flag value]`: unknown flags are errors, not ignored. */
export interface ParsedArgs {
  command: string | undefined
  flags: Record<string, string>
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], known: Record<string, readonly string[]>): ParsedArgs {
  const [command, ...rest] = argv
  const flags: Record<string, string> = {}
  const allowed = command ? known[command] : undefined
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`)
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined]
    if (!allowed?.includes(name)) throw new UsageError(`unknown option --${name} for '${command}'`)
    const value = inline ?? rest[++i]
    if (value === undefined) throw new UsageError(`--${name} needs a value`)
    flags[name] = value
  }
  return { command, flags }
}

export function portFlag(flags: Record<string, string>, name: string, fallback: number): number {
  const raw = flags[name]
  if (raw === undefined) return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--${name} must be a port number`)
  return port
}
