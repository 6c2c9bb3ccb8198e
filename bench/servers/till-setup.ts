/**
 * Prepares the till's database for the checkout suite before the till starts
 * (lib/till-data.ts): the demo store and catalogue, and one till and cashier
 * per concurrent checkout.
 *
 *   node --import tsx bench/servers/till-setup.ts --data-dir <dir> <tills>
 *   node --import tsx bench/servers/till-setup.ts --database-url <postgres://…> <tills>
 *
 * Runs in its own process and exits: an embedded data directory belongs to one
 * process at a time, and the till opens it next.
 */
import { openDatabase } from '@kasse/pos'
import { prepareBenchTills } from '../lib/till-data.ts'

const [flag, location, count] = process.argv.slice(2)
const tills = Number(count)
if (
  !location ||
  (flag !== '--data-dir' && flag !== '--database-url') ||
  !Number.isInteger(tills) ||
  tills < 1
) {
  console.error('usage: till-setup.ts (--data-dir <dir> | --database-url <url>) <tills>')
  process.exit(2)
}

const database = await openDatabase(flag === '--data-dir' ? { dataDir: location } : { databaseUrl: location })
try {
  await prepareBenchTills(database, tills)
  process.stdout.write(`${JSON.stringify({ tills })}\n`)
} finally {
  await database.close()
}
