// Run by `npm install` and `npm ci`: prepares what the first `kasse up` would
// otherwise make while the user waits (`kasse prepare`: the command's bundle
// and the embedded database's templates, kept in node_modules/.cache/kasse and
// gone with node_modules). It never fails the install: if it cannot prepare,
// the first start makes them instead, as it always could.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const result = spawnSync(process.execPath, [join(root, 'packages/cli/bin/kasse.mjs'), 'prepare'], {
  cwd: root,
  stdio: 'inherit',
})
if (result.status !== 0) {
  console.warn(
    `kasse: could not prepare the embedded database (${result.error?.message ?? `exit ${result.status ?? result.signal}`}); the first \`npm start\` will make it`,
  )
}
