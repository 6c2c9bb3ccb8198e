// Bundles the kasse command (packages/cli/src/main.ts and the @kasse/*
// packages it runs) into one plain JavaScript module in packages/cli/dist,
// which bin/kasse.mjs runs instead of compiling the TypeScript through tsx on
// every start: loading ~240 modules through tsx's loader thread was ~2.4 s of
// CPU of each `kasse up`, the bundle loads in a fraction of that.
//
//   node packages/cli/build.mjs          build if a source changed
//   node packages/cli/build.mjs --force  build anyway
//
// The bundle is never stale: every start hashes the files the last build read
// (their names and contents, as esbuild's metafile lists them, plus the
// lockfile, the tsconfig and this script) and builds again when the hash
// differs or a file is gone. A changed file that adds an import changes its
// own hash, so new files are found too. Nothing here is committed (dist/ is
// ignored). Dependencies in node_modules stay outside the bundle and load as
// they always did; the lockfile's hash covers their versions.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const CLI_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT_DIR = join(CLI_DIR, '..', '..')

/**
 * What to build from where: the repository's command by default; tests build
 * a small project of their own the same way.
 *
 * @typedef {{ root: string, entry: string, distDir: string }} Project
 * @type {Project}
 */
export const KASSE_COMMAND = {
  root: ROOT_DIR,
  entry: join(CLI_DIR, 'src', 'main.ts'),
  distDir: join(CLI_DIR, 'dist'),
}

/** Files that shape the bundle besides the sources esbuild reads (those missing are skipped). */
function alwaysHashed(root) {
  return [
    fileURLToPath(import.meta.url),
    ...['package-lock.json', 'tsconfig.json', 'tsconfig.base.json'].map((file) => join(root, file)),
  ]
}

/** The hash of the files' names (relative to the root) and contents; undefined if a source is gone. */
function hashOf(root, sources) {
  const hash = createHash('sha256')
  const always = alwaysHashed(root)
  for (const file of [...always, ...sources]) {
    let contents
    try {
      contents = readFileSync(file)
    } catch {
      if (always.includes(file)) continue
      return undefined
    }
    hash.update(relative(root, file)).update('\0').update(contents).update('\0')
  }
  return hash.digest('hex')
}

/** The bundle the manifest names, if the files it was built from are unchanged. */
function upToDateBundle({ root, distDir }) {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(join(distDir, 'kasse.json'), 'utf8'))
  } catch {
    return undefined
  }
  const bundle = join(distDir, manifest.bundle)
  if (!existsSync(bundle)) return undefined
  const sources = manifest.inputs.map((input) => join(root, input))
  return hashOf(root, sources) === manifest.hash ? bundle : undefined
}

/** esbuild, the one tsx brings along (kasse does not depend on it directly). */
function loadEsbuild() {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))
  return fromTsx('esbuild')
}

/**
 * The @kasse/* packages' TypeScript goes into the bundle; every other bare
 * import (node_modules, node: builtins) stays an import, resolved at run time
 * from where it always was.
 */
const keepDependenciesOutside = {
  name: 'kasse-dependencies-outside',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      return args.path.startsWith('@kasse/') ? undefined : { path: args.path, external: true }
    })
  },
}

/**
 * Modules find their own files (migrations, assets) from `import.meta.url`;
 * in the bundle each keeps its source file's URL, so those paths stay as they
 * are in the repository.
 */
const keepModuleUrls = {
  name: 'kasse-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes('import.meta.url')) return undefined
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }
    })
  },
}

/**
 * Builds the bundle unless the last one is up to date (or `force`); resolves
 * with its path. Checking costs reading and hashing the sources (~1.2 MB):
 * a few tens of milliseconds. Written under names of its own and renamed into place, so
 * two commands starting at once (the bench starts several) never read half a
 * bundle; the bundle's name carries its hash, so a manifest never names a
 * bundle built from other sources.
 *
 * @param {{ force?: boolean, project?: Project }} [options]
 * @returns {Promise<string>}
 */
export async function ensureCliBuilt(options = {}) {
  const project = options.project ?? KASSE_COMMAND
  const { root, entry, distDir } = project
  if (!options.force) {
    const bundle = upToDateBundle(project)
    if (bundle) return bundle
  }
  const esbuild = loadEsbuild()
  mkdirSync(distDir, { recursive: true })
  const staging = join(distDir, `kasse.${process.pid}.tmp.mjs`)
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      outfile: staging,
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      // Class and function names as in the source (error names, logs), as tsx keeps them.
      keepNames: true,
      // For stack traces into the TypeScript: node --enable-source-maps. Not on by
      // default: Node then reads every loaded module's map (PGlite's too), ~0.2 s.
      sourcemap: 'inline',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [keepDependenciesOutside, keepModuleUrls],
    })
    const sources = Object.keys(result.metafile.inputs)
      .map((input) => resolve(root, input))
      .sort()
    const hash = hashOf(root, sources)
    const name = `kasse-${hash.slice(0, 16)}.mjs`
    renameSync(staging, join(distDir, name))
    const manifest = { hash, bundle: name, inputs: sources.map((source) => relative(root, source)) }
    const manifestPath = join(distDir, 'kasse.json')
    const manifestStaging = `${manifestPath}.${process.pid}.tmp`
    writeFileSync(manifestStaging, `${JSON.stringify(manifest, null, 1)}\n`)
    renameSync(manifestStaging, manifestPath)
    // Bundles of earlier sources: a running command has read its own already.
    for (const file of readdirSync(distDir)) {
      if (/^kasse-[0-9a-f]{16}\.mjs$/.test(file) && file !== name)
        rmSync(join(distDir, file), { force: true })
    }
    return join(distDir, name)
  } finally {
    rmSync(staging, { force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureCliBuilt({ force: process.argv.includes('--force') }).then(
    (bundle) => console.log(`kasse: the command is built: ${relative(process.cwd(), bundle)}`),
    (error) => {
      console.error(`kasse: the command did not build: ${error instanceof Error ? error.message : error}`)
      process.exit(1)
    },
  )
}
