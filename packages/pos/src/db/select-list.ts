/**
 * Select lists for plain-SQL statements (`queryRows`, @kasse/storage) whose
 * rows must be a table's drizzle row type: every column under its property
 * name, written once from the drizzle definition (which database.test.ts
 * checks against the migrations), so a statement's text cannot miss a column.
 */
import { getTableColumns, getTableName, type Table } from 'drizzle-orm'

/**
 * `"sale_id" AS "saleId", …` for every column of `table`, each qualified by
 * `qualifier` (a table name or alias) when given, and its key prefixed by
 * `keyPrefix` (to tell apart two joined tables' columns of the same name).
 * Call it once, at module load, to build a statement text constant.
 *
 * @example
 * const FIND = `SELECT ${selectList(sale)} FROM sale WHERE id = $1`
 */
export function selectList(table: Table, qualifier?: string, keyPrefix = ''): string {
  const prefix = qualifier === undefined ? '' : `${qualifier}.`
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${prefix}"${column.name}" AS "${keyPrefix}${key}"`)
    .join(', ')
}

/** The property names of `table`'s columns, in the order `selectList` lists them. */
export function columnKeys<T extends Table>(table: T): (keyof T['$inferSelect'] & string)[] {
  return Object.keys(getTableColumns(table)) as (keyof T['$inferSelect'] & string)[]
}

/**
 * An INSERT of one whole row of `table`: the text, with a parameter for
 * every column, and the row's values in the parameters' order. For rows built
 * whole in code, so nothing needs reading back.
 *
 * @example
 * const INSERT = insertRow(paymentAttempt)
 * await queryRows(tx, INSERT.text, INSERT.paramsOf(row))
 */
export function insertRow<T extends Table>(
  table: T,
): { text: string; paramsOf: (row: T['$inferSelect']) => unknown[] } {
  const columns = Object.entries(getTableColumns(table))
  const names = columns.map(([, column]) => `"${column.name}"`).join(', ')
  const values = columns.map((_, index) => `$${index + 1}`).join(', ')
  const keys = columns.map(([key]) => key as keyof T['$inferSelect'])
  return {
    text: `INSERT INTO "${getTableName(table)}" (${names}) VALUES (${values})`,
    paramsOf: (row) => keys.map((key) => row[key]),
  }
}

/**
 * The columns of one table out of a row that joins it to others, from the
 * keys `selectList` gave them under `keyPrefix`; undefined where the join
 * found no row (its `id` is null). Build it once, at module load.
 *
 * @example
 * const lineOf = fieldsOf<SaleLineRow>(saleLine, 'line.')
 * const lines = rows.map(lineOf).filter((line) => line !== undefined)
 */
export function fieldsOf<Row>(
  table: Table,
  keyPrefix: string,
): (row: Record<string, unknown>) => Row | undefined {
  const keys = columnKeys(table)
  return (row) => {
    if (row[`${keyPrefix}id`] == null) return undefined
    const fields: Record<string, unknown> = {}
    for (const key of keys) fields[key] = row[`${keyPrefix}${key}`]
    return fields as Row
  }
}
