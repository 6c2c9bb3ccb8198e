/**
 * Select lists for the plain SQL statements of the hot paths (`queryRows`
 * from @kasse/storage): every column of a table under the key drizzle gives
 * it (`sale.store_id AS "storeId"`), so the rows have the table's row type
 * (`typeof sale.$inferSelect`) and the callers see what drizzle answered.
 * Built from the schema once, when a store module loads: a column added to
 * the schema is in its statements without anyone listing it twice.
 */
import { getTableColumns, type Table } from 'drizzle-orm'

/**
 * `alias.column AS "key"` for each of the table's columns, joined by commas.
 * With a `prefix`, the keys start with it (`"line.unitPrice"`): the columns of
 * two tables joined in one row stay apart, and `fieldsOf` takes them out again.
 */
export function selectList(table: Table, alias: string, prefix = ''): string {
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${alias}.${column.name} AS "${prefix}${key}"`)
    .join(', ')
}

/**
 * The columns of one table out of a joined row, from the keys `selectList`
 * gave them under `prefix`; undefined where the join found no row (its
 * primary key, `id`, is null).
 */
export function fieldsOf<Row>(
  table: Table,
  prefix: string,
): (row: Record<string, unknown>) => Row | undefined {
  const keys = Object.keys(getTableColumns(table))
  return (row) => {
    if (row[`${prefix}id`] === null || row[`${prefix}id`] === undefined) return undefined
    const fields: Record<string, unknown> = {}
    for (const key of keys) fields[key] = row[`${prefix}${key}`]
    return fields as Row
  }
}
