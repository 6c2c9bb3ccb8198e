// Makes `npm start` and `npm test` work on a fresh clone: installs the locked
// dependencies once if they are missing, and does nothing otherwise.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  console.log('kasse: installing dependencies (npm ci) — first run only')
  const result = spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
