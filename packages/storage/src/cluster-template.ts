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
 * Makes `dataDir` hold a fresh cluster copied from the machine's template
 * (made first if missing), unless it already holds a cluster or anything
 * else. Does nothing when there is nowhere to keep a template: PGlite then
 * runs initdb itself, as it always did.
 */
export async function createFromTemplate(dataDir: string, PGliteClass: PGliteClass): Promise<void> {
  if (!isEmptyDir(dataDir)) return
  const template = clusterTemplateDir()
  if (!template) return
  if (!existsSync(join(template, 'PG_VERSION'))) {
    try {
      await makeTemplate(template, PGliteClass)
    } catch {
      return
    }
  }
  // Copied beside it, then renamed into place: a copy cut off half-way never
  // looks like a cluster (PG_VERSION present, catalogues missing) to the next start.
  const staging = `${dataDir.replace(/[/\\]+$/, '')}.${process.pid}.new`
  rmSync(staging, { recursive: true, force: true })
  try {
    cpSync(template, staging, { recursive: true })
    rmSync(dataDir, { recursive: true, force: true })
    renameSync(staging, dataDir)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/** initdb's cluster, made in a folder of its own, closed cleanly, then renamed to `template`. */
async function makeTemplate(template: string, PGliteClass: PGliteClass): Promise<void> {
  const building = `${template}.${process.pid}.tmp`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(dirname(template), { recursive: true })
  try {
    const cluster = await PGliteClass.create(building)
    await cluster.close()
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
 * node_modules/.cache/kasse/pglite-<version>-cluster, in the node_modules that
 * holds the PGlite in use; undefined if PGlite is not found under a node_modules.
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
    return join(nodeModules, '.cache', 'kasse', `pglite-${version}-cluster`)
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
