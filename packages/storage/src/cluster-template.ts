/**
 * A new embedded data directory starts as a copy of an empty cluster made once
 * per machine and PGlite version, instead of running initdb every time.
 *
 * PGlite creates a cluster by running initdb in WebAssembly (a second
 * PostgreSQL instance, the bootstrap of every system catalogue, then a copy of
 * the result into the data directory): 5–8 s of CPU, most of a first `kasse
 * up`. The cluster initdb makes depends only on PGlite's build, so the first
 * one made on a machine is kept under node_modules/.cache (beside the PGlite
 * it came from, gone with it) and later data directories are copied from it:
 * a few hundred milliseconds of file copying. A copy is the same cluster
 * initdb would have made; the application's migrations and data come after,
 * as before.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'

type PGliteClass = typeof PGlite

/**
 * What a template may hold beyond the empty cluster: an application's
 * migrations, applied once to a copy of the cluster and kept beside it, so a
 * new data directory starts migrated (its history table says so, and the
 * application's migrator finds nothing left to do). Applying the till's
 * migrations to a new cluster is ~0.5 s of CPU, all of it the same every time.
 */
export interface TemplateContents {
  /** Names the contents: changes whenever they would (the migrations' names and checksums). */
  key: string
  /** Brings a copy of the empty cluster, in `dir`, to these contents. */
  prepare(dir: string): Promise<void>
}

/**
 * Makes `dataDir` hold a fresh cluster copied from the machine's template
 * (made first if missing), with `contents` if given, unless it already holds
 * a cluster or anything else. Does nothing when there is nowhere to keep a
 * template: PGlite then runs initdb itself, as it always did.
 */
export async function createFromTemplate(
  dataDir: string,
  PGliteClass: PGliteClass,
  contents?: TemplateContents,
): Promise<void> {
  if (!isEmptyDir(dataDir)) return
  const empty = clusterTemplateDir()
  if (!empty) return
  try {
    await ensureTemplate(empty, async (dir) => {
      const cluster = await PGliteClass.create(dir)
      await cluster.close()
    })
  } catch {
    return
  }
  let source = empty
  if (contents) {
    const prepared = `${empty}-${contents.key}`
    try {
      await ensureTemplate(prepared, async (dir) => {
        copyCluster(empty, dir)
        await contents.prepare(dir)
      })
      source = prepared
      removeOtherVersions(empty, prepared)
    } catch {
      // The empty cluster serves; the application prepares its copy itself.
    }
  }
  copyCluster(source, dataDir)
}

/**
 * Makes the template `template` with `make` unless it exists: made in a folder
 * of its own, then renamed, so no one ever copies a template half made.
 */
async function ensureTemplate(template: string, make: (dir: string) => Promise<void>): Promise<void> {
  if (existsSync(join(template, 'PG_VERSION'))) return
  const building = `${template}.${process.pid}.tmp`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(dirname(template), { recursive: true })
  try {
    await make(building)
    try {
      renameSync(building, template)
    } catch (error) {
      // Another process made the same template first; theirs serves as well.
      if (!existsSync(join(template, 'PG_VERSION'))) throw error
    }
  } finally {
    rmSync(building, { recursive: true, force: true })
  }
}

/**
 * Copies a cluster into `target` (empty or missing): copied beside it, then
 * renamed into place, so a copy cut off half-way never looks like a cluster
 * (PG_VERSION present, catalogues missing) to the next start.
 */
function copyCluster(source: string, target: string): void {
  const staging = `${target.replace(/[/\\]+$/, '')}.${process.pid}.new`
  rmSync(staging, { recursive: true, force: true })
  try {
    cpSync(source, staging, { recursive: true })
    rmSync(target, { recursive: true, force: true })
    renameSync(staging, target)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/** Templates of earlier migrations of the same application: 40 MB each, never used again. */
function removeOtherVersions(empty: string, current: string): void {
  const prefix = current.slice(0, current.lastIndexOf('-') + 1)
  for (const name of readdirSync(dirname(empty))) {
    const path = join(dirname(empty), name)
    if (path !== current && path.startsWith(prefix) && /-[0-9a-f]{16}$/.test(name)) {
      rmSync(path, { recursive: true, force: true })
    }
  }
}

/**
 * Where the templates are kept instead of node_modules/.cache/kasse: the bench
 * points it at an empty folder to time a start with no templates yet, as the
 * first one after `npm ci` is.
 */
export const TEMPLATE_DIR_VARIABLE = 'KASSE_PGLITE_TEMPLATES'

/**
 * node_modules/.cache/kasse/pglite-<version>-cluster, in the node_modules that
 * holds the PGlite in use (or under KASSE_PGLITE_TEMPLATES); undefined if
 * PGlite is not found under a node_modules.
 */
export function clusterTemplateDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
    const marker = `${sep}node_modules${sep}`
    const at = entry.lastIndexOf(marker)
    if (at < 0) return undefined
    const nodeModules = entry.slice(0, at + marker.length)
    const manifest = join(nodeModules, '@electric-sql', 'pglite', 'package.json')
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
    const folder = process.env[TEMPLATE_DIR_VARIABLE] || join(nodeModules, '.cache', 'kasse')
    return join(folder, `pglite-${version}-cluster`)
  } catch {
    return undefined
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0
  } catch {
    return false
  }
}
