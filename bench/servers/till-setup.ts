/**
 * Prepares the till's database for the checkout suite before the till starts
 * (lib/till-data.ts): the demo store and catalogue, and one till and cashier
 * per concurrent checkout.
 *
 *   node --import tsx bench/servers/till-setup.ts <data-dir> <tills>
 *
 * Runs in its own process and exits: an embedded data directory belongs to one
 * process at a time, and the till opens it next.
 */
import { openDatabase } from '@kasse/pos'
import { prepareBenchTills } from '../lib/till-data.ts'

const [dataDir, count] = process.argv.slice(2)
const tills = Number(count)
if (!dataDir || !Number.isInteger(tills) || tills < 1) {
  console.error('usage: till-setup.ts <data-dir> <tills>')
  process.exit(2)
}

const database = await openDatabase({ dataDir })
try {
  await prepareBenchTills(database, tills)
  process.stdout.write(`${JSON.stringify({ tills })}\n`)
} finally {
  await database.close()
}
