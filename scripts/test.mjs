// Runs the whole test suite and ends with the plain summary line CI reads:
// "N passed, N failed". Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const resultsDir = join(root, '.test-results')
const resultsFile = join(resultsDir, 'vitest.json')
mkdirSync(resultsDir, { recursive: true })
rmSync(resultsFile, { force: true })

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
)

let passed = 0
let failed = 0
try {
  const report = JSON.parse(readFileSync(resultsFile, 'utf8'))
  passed = report.numPassedTests
  // A file that fails to load has no tests of its own; count it as a failure.
  failed =
    report.numFailedTests +
    (report.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length
} catch {
  failed = Math.max(1, failed)
}
if (run.status !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && run.status === 0 ? 0 : 1)
