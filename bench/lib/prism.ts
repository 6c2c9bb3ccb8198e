/**
 * Prism, the baseline a developer would pick instead of the sandbox: installed
 * on demand into bench/.tools (ignored by git and biome, outside the lockfile),
 * so `npm ci` and CI never download it, and pointed at the official ePayment
 * spec read from ../shared/specs.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const PRISM_VERSION = '5.14.2'

/** `../shared/specs` beside the repository, or KASSE_SPECS_DIR (as the contract tests). */
export function specsDir(root: string): string {
  return process.env.KASSE_SPECS_DIR ?? resolve(root, '..', 'shared', 'specs')
}

/** The Prism CLI's entry script, installing Prism first if it is not there yet. */
export function ensurePrism(root: string, log: (line: string) => void): string {
  const prefix = join(root, 'bench', '.tools')
  const packageDir = join(prefix, 'node_modules', '@stoplight', 'prism-cli')
  const entry = join(packageDir, 'dist', 'index.js')
  const installed = existsSync(entry)
    ? (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version
    : undefined
  if (installed === PRISM_VERSION) return entry
  log(`installing @stoplight/prism-cli@${PRISM_VERSION} into bench/.tools (first run only)`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `@stoplight/prism-cli@${PRISM_VERSION}`,
    ],
    { cwd: root, stdio: 'inherit' },
  )
  if (result.status !== 0 || !existsSync(entry)) {
    throw new Error(`could not install @stoplight/prism-cli@${PRISM_VERSION} (npm exited ${result.status})`)
  }
  return entry
}

/** Where epayment-v1.yaml points for the receipt schema; the same version is in ../shared/specs. */
const ORDER_MANAGEMENT_URL =
  'https://raw.githubusercontent.com/vippsas/vipps-order-management-api/2.3.24/docs/swagger.yaml'

/**
 * The ePayment spec as Prism should read it here: the same document, with its
 * one remote `$ref` (the receipt schema, on GitHub) pointed at the local copy
 * of that exact version, because Prism would otherwise fetch it and fail with
 * no network. Written to a temporary directory outside the repository, removed
 * by `cleanup`.
 */
export function preparePrismSpec(root: string): { path: string; cleanup: () => void } {
  const dir = specsDir(root)
  const source = join(dir, 'epayment-v1.yaml')
  const receipt = join(dir, 'order-management-2.3.24.yaml')
  for (const file of [source, receipt]) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: the bench reads the official specs from ../shared/specs (or KASSE_SPECS_DIR)`,
      )
    }
  }
  const text = readFileSync(source, 'utf8')
  if (!text.includes(ORDER_MANAGEMENT_URL)) {
    throw new Error(`${source} no longer refers to ${ORDER_MANAGEMENT_URL}; update bench/lib/prism.ts`)
  }
  const temp = mkdtempSync(join(tmpdir(), 'kasse-bench-prism-'))
  const path = join(temp, 'epayment-v1.yaml')
  writeFileSync(path, text.replaceAll(ORDER_MANAGEMENT_URL, receipt))
  return { path, cleanup: () => rmSync(temp, { recursive: true, force: true }) }
}
