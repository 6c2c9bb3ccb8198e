// Builds the cashier web app (packages/pos/web) into packages/pos/web/dist with
// Vite, which the till serves at /. It builds only when the app's sources
// changed since the last build: `npm start` and the test run call it every
// time, and most times it does nothing.
//
//   node packages/pos/web/build.mjs          build if the sources changed
//   node packages/pos/web/build.mjs --force  build anyway
//
// "Changed" is decided by a hash of the sources (and the lockfile, for the
// versions of Preact and Vite), kept in dist/.build-hash, rather than by file
// times: a checkout, a deleted file or a copied tree all change the hash, and
// only a real change does.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const WEB_DIR = dirname(fileURLToPath(import.meta.url))
export const DIST_DIR = join(WEB_DIR, 'dist')
const ROOT_DIR = join(WEB_DIR, '..', '..', '..')
const HASH_FILE = '.build-hash'

/** Every file the built app depends on, in a stable order. */
function sourceFiles() {
  const files = [
    join(WEB_DIR, 'index.html'),
    fileURLToPath(import.meta.url),
    join(ROOT_DIR, 'package-lock.json'),
  ]
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else files.push(path)
    }
  }
  walk(join(WEB_DIR, 'src'))
  return files.filter((file) => existsSync(file))
}

/** The hash of the sources' names and contents. */
export function sourceHash() {
  const hash = createHash('sha256')
  for (const file of sourceFiles()) {
    hash.update(relative(WEB_DIR, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

function builtHash(dir = DIST_DIR) {
  try {
    if (!statSync(join(dir, 'index.html')).isFile()) return undefined
    return readFileSync(join(dir, HASH_FILE), 'utf8').trim()
  } catch {
    return undefined
  }
}

/** True if dist is missing or was built from other sources than these. */
export function isStale() {
  return builtHash() !== sourceHash()
}

/**
 * Builds the app unless dist is up to date (or `force`). Resolves with
 * whether it built. Builds into a directory of its own and swaps it in, so a
 * second build running at the same moment (npm start beside npm test) never
 * leaves a half-written dist.
 *
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<boolean>}
 */
export async function ensureCashierAppBuilt(options = {}) {
  const log = options.log ?? ((line) => console.log(line))
  const hash = sourceHash()
  if (!options.force && builtHash() === hash) return false

  log('kasse: building the cashier app (packages/pos/web)…')
  const { build } = await import('vite')
  const staging = `${DIST_DIR}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  try {
    await build({
      configFile: false,
      root: WEB_DIR,
      base: '/',
      logLevel: 'warn',
      clearScreen: false,
      // Preact's JSX, compiled by Vite's own transform (no Babel plugin needed for a static build).
      oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
      build: {
        outDir: staging,
        emptyOutDir: true,
        assetsDir: 'assets',
        sourcemap: false,
        reportCompressedSize: false,
      },
    })
    writeFileSync(join(staging, HASH_FILE), `${hash}\n`)
    rmSync(DIST_DIR, { recursive: true, force: true })
    try {
      renameSync(staging, DIST_DIR)
    } catch (error) {
      // Another build swapped its dist in first; if it built the same sources, that is ours too.
      if (builtHash() !== hash) throw error
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  log(`kasse: cashier app built into ${relative(process.cwd(), DIST_DIR) || DIST_DIR}`)
  return true
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureCashierAppBuilt({ force: process.argv.includes('--force') }).catch((error) => {
    console.error(`kasse: the cashier app did not build: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  })
}
