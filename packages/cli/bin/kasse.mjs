#!/usr/bin/env node
// The packages are TypeScript. The commands that run the system (up, pos,
// sandbox) run them bundled into plain JavaScript (packages/cli/build.mjs,
// rebuilt whenever a source changed), which starts in a fraction of the time
// tsx takes to compile them module by module; `kasse bench` and anything the
// bundle cannot serve run from source through tsx.
import { pathToFileURL } from 'node:url'

const argv = process.argv.slice(2)

async function fromSource() {
  const { register } = await import('tsx/esm/api')
  register()
  if (argv[0] === 'bench') return (await import('../src/bench.ts')).bench(argv.slice(1))
  return (await import('../src/main.ts')).main(argv)
}

async function fromBundle() {
  const { ensureCliBuilt } = await import('../build.mjs')
  let bundle
  try {
    bundle = await ensureCliBuilt()
  } catch (error) {
    console.error(
      `kasse: could not bundle the command (${error instanceof Error ? error.message : error}); running it from source`,
    )
    return fromSource()
  }
  return (await import(pathToFileURL(bundle).href)).main(argv)
}

await (argv[0] === 'bench' ? fromSource() : fromBundle())
