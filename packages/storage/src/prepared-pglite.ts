/**
 * PGlite with a statement cache: what drizzle is handed instead of the PGlite
 * client, so every statement the till and the shop run costs a fraction of
 * the CPU.
 *
 * Why it exists: PGlite's `query()` makes six calls into WebAssembly per
 * statement (Parse, Describe statement, Bind, Describe portal, Execute, Sync),
 * so PostgreSQL parses and plans every statement anew, and it then spreads its
 * whole parser map to parse the rows. The till runs ~50 statements a checkout,
 * most of them the same few texts, and measured 300–1000 µs of CPU each.
 *
 * What it does: the first time a text is run it is parsed once as a named
 * prepared statement, and one Describe tells its parameter types and result
 * columns. Every later run sends Bind, Execute and Sync in one call, with the
 * parameters serialised by PGlite's own serializers for those types, and the
 * rows parsed by the same parsers PGlite would pick (the caller's `parsers`
 * first, then the client's), so results are the same objects PGlite returns.
 * Statements that are not cached (transaction control, DDL) and have no
 * parameters run in one call too, unnamed; anything else (parameters on a
 * statement that is not cached, COPY blobs, explicit `paramTypes`) goes to
 * PGlite's own `query()`.
 *
 * What it guarantees:
 * - One statement at a time, under PGlite's own mutexes, exactly as `query()`
 *   takes them: outside a transaction the transaction mutex then the query
 *   mutex; inside one (through `transaction`) the query mutex only.
 * - Errors are PGlite's: the ErrorResponse is thrown as the same DatabaseError
 *   (with `code`, `constraint`, and `query`/`params` as PGlite adds them). Sync
 *   is in the same call, so the session is ready for the next statement; in a
 *   transaction the error aborts it as it would.
 * - Notifications: the messages go through PGlite's `execProtocolStream`,
 *   which hands every NotificationResponse to the `listen` callbacks as
 *   `query()` does (a `pg_notify` in a transaction arrives after its COMMIT).
 * - Durability: outside a transaction PGlite's `syncToFs()` runs after each
 *   statement, as `query()` does; inside one it is left to PGlite's COMMIT.
 * - Schema changes: a statement that is not a query or DML (DDL, SET, DO,
 *   DISCARD …, or any `exec`) forgets every prepared statement (closed on the
 *   next call), and so does the end of a transaction, or a rollback to a
 *   savepoint, after one; a prepared statement PostgreSQL still refuses
 *   ("cached plan must not change result type", or gone) is forgotten and,
 *   outside a transaction, run again once from a fresh Parse.
 * - Bounded: at most MAX_STATEMENTS prepared statements, least recently used
 *   closed first.
 */
import {
  type PGlite,
  protocol,
  type QueryOptions,
  type Results,
  type Transaction,
  types,
} from '@electric-sql/pglite'

const { serialize } = protocol
const { DatabaseError } = protocol.messages
type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number]
type Field = { name: string; dataTypeID: number }
type Parser = (text: string, typeId: number) => unknown

/** Prepared statements kept per client; each holds a plan in PostgreSQL's memory. */
export const MAX_STATEMENTS = 200

/** Numbers the prepared statements' names; one sequence for the process, so two caches on one client never clash. */
let statementsNamed = 0

interface PreparedStatement {
  name: string
  paramTypes: number[]
  /** The result columns (empty for a statement that returns no rows). */
  fields: Field[]
}

/** Statements whose plan may be cached: queries and DML. */
const CACHEABLE = /^(?:select|insert|update|delete|with|values|table)\b/i
/** Transaction control, and statements that change no schema: never cached, forget nothing. */
const TRANSACTION_CONTROL =
  /^(?:begin|start|commit|end|rollback|abort|savepoint|release|prepare|set\s+transaction|listen|unlisten|notify|show)\b/i
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/

type StatementKind = 'cacheable' | 'transaction' | 'schema'

function statementKind(text: string): StatementKind {
  const start = text.replace(LEADING_COMMENTS, '')
  if (CACHEABLE.test(start)) return 'cacheable'
  if (TRANSACTION_CONTROL.test(start)) return 'transaction'
  return 'schema'
}

/** Options only PGlite's own `query()` handles. */
function needsStockQuery(options: QueryOptions | undefined): boolean {
  return options?.blob !== undefined || options?.paramTypes !== undefined
}

const SYNC = serialize.sync()
const EXECUTE = serialize.execute({})
const DESCRIBE_PORTAL = serialize.describe({ type: 'P' })
const EMPTY_BIND = serialize.bind({})

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const message = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    message.set(part, offset)
    offset += part.length
  }
  return message
}

/** PGlite's error as its `query()` throws it: the DatabaseError with the statement added. */
function asPgliteError(error: unknown, query: string, params: unknown[] | undefined, options?: QueryOptions) {
  if (error instanceof DatabaseError) Object.assign(error, { query, params, queryOptions: options })
  return error
}

function isStalePlan(error: unknown): boolean {
  if (!(error instanceof DatabaseError)) return false
  // 26000: the prepared statement is gone; 0A000 with this message: DDL changed its result columns.
  return (
    error.code === '26000' ||
    (error.code === '0A000' && error.message.includes('cached plan must not change result type'))
  )
}

/** Where a statement runs: outside any transaction, or inside one PGlite transaction. */
interface Scope {
  inTransaction: boolean
  /** Runs `work` holding the mutexes PGlite's `query()` would hold here. */
  exclusive<T>(work: () => Promise<T>): Promise<T>
  /** PGlite's own `query()` for this scope, for what the cache does not do. */
  stockQuery<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>
}

/**
 * The client drizzle's PGlite driver (and the raw transactions of
 * database.ts) use: `query` and `transaction` as PGlite's, faster.
 *
 * @example
 * const client = await PGlite.create(dataDir)
 * const db = drizzle(new PreparedPglite(client) as unknown as PGlite, { schema })
 */
export class PreparedPglite {
  readonly #client: PGlite
  /** By SQL text; a Map iterates in insertion order, so the first key is the least recently used. */
  readonly #statements = new Map<string, PreparedStatement>()
  /** Names of prepared statements to close with the next call into PostgreSQL. */
  #toClose: string[] = []
  /** Set when the running transaction changed the schema: its end (or a rollback to a savepoint) may undo that. */
  #schemaChangedInTransaction = false
  readonly #outside: Scope

  constructor(client: PGlite) {
    this.#client = client
    this.#outside = {
      inTransaction: false,
      exclusive: (work) => client._runExclusiveTransaction(() => client._runExclusiveQuery(work)),
      stockQuery: (text, params, options) => client.query(text, params, options),
    }
  }

  /** The PGlite client underneath. */
  get client(): PGlite {
    return this.#client
  }

  /** How many prepared statements are kept now (tests). */
  get cachedStatements(): number {
    return this.#statements.size
  }

  /** As PGlite's `query()`: one statement, with parameters. */
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query<T>(this.#outside, text, params ?? [], options)
  }

  /** As PGlite's `transaction()`; the transaction's `query` uses the cache, its `exec` is PGlite's. */
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = this.#client
    return client.transaction(async (tx) => {
      const scope: Scope = {
        inTransaction: true,
        exclusive: (work) => client._runExclusiveQuery(work),
        stockQuery: (text, params, options) => tx.query(text, params, options),
      }
      const cached: Transaction = {
        query: <R>(text: string, params?: unknown[], options?: QueryOptions) => {
          if (tx.closed) return Promise.reject(new Error('Transaction is closed'))
          return this.#query<R>(scope, text, params ?? [], options)
        },
        sql: (strings, ...params) => tx.sql(strings, ...params),
        exec: async (text, options) => {
          try {
            return await tx.exec(text, options)
          } finally {
            this.#afterStatement(scope, statementKind(text) === 'transaction' ? 'transaction' : 'schema')
          }
        },
        rollback: () => tx.rollback(),
        listen: (channel, onPayload) => tx.listen(channel, onPayload),
        get closed() {
          return tx.closed
        },
      }
      try {
        return await callback(cached)
      } finally {
        // Before PGlite's COMMIT or ROLLBACK, which may undo the DDL; the
        // closes go with the next statement, which runs after it.
        if (this.#schemaChangedInTransaction) {
          this.#schemaChangedInTransaction = false
          this.#forgetAll()
        }
      }
    })
  }

  async #query<T>(
    scope: Scope,
    text: string,
    params: unknown[],
    options?: QueryOptions,
  ): Promise<Results<T>> {
    const kind = statementKind(text)
    if (needsStockQuery(options) || (kind !== 'cacheable' && params.length > 0)) {
      try {
        return await scope.stockQuery<T>(text, params, options)
      } finally {
        this.#afterStatement(scope, kind)
      }
    }
    await this.#client._checkReady()
    return await scope.exclusive(async () => {
      try {
        return kind === 'cacheable'
          ? await this.#runPrepared<T>(scope, text, params, options, true)
          : await this.#runOnce<T>(scope, text, options)
      } finally {
        // Still holding the mutex: no statement runs on a plan the DDL made stale.
        this.#afterStatement(scope, kind)
      }
    })
  }

  #afterStatement(scope: Scope, kind: StatementKind): void {
    if (kind === 'schema') {
      this.#forgetAll()
      if (scope.inTransaction) this.#schemaChangedInTransaction = true
    } else if (kind === 'transaction' && this.#schemaChangedInTransaction) {
      // A rollback to a savepoint may undo the transaction's DDL.
      this.#forgetAll()
    }
  }

  async #runPrepared<T>(
    scope: Scope,
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
    retryIfStale: boolean,
  ): Promise<Results<T>> {
    const statement = this.#statements.get(text) ?? (await this.#prepare(text, params, options))
    // Most recently used last.
    this.#statements.delete(text)
    this.#statements.set(text, statement)
    const values = params.map((param, index) => {
      if (param === null || param === undefined) return null
      const type = statement.paramTypes[index]!
      const serializer = options?.serializers?.[type] ?? this.#client.serializers[type]
      return serializer ? serializer(param) : String(param)
    })
    let messages: BackendMessage[]
    try {
      messages = await this.#send(
        [serialize.bind({ statement: statement.name, values }), EXECUTE, SYNC],
        text,
        params,
        options,
      )
    } catch (error) {
      if (!isStalePlan(error)) throw error
      this.#forget(text)
      if (scope.inTransaction || !retryIfStale) throw error
      return this.#runPrepared(scope, text, params, options, false)
    }
    if (!scope.inTransaction) await this.#client.syncToFs()
    return this.#results<T>(messages, statement.fields, options)
  }

  /** Parses `text` as a new named statement and learns its parameter and column types. */
  async #prepare(text: string, params: unknown[], options?: QueryOptions): Promise<PreparedStatement> {
    const name = `kasse_${++statementsNamed}`
    const messages = await this.#send(
      [serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), SYNC],
      text,
      params,
      options,
    )
    let paramTypes: number[] = []
    let fields: Field[] = []
    for (const message of messages) {
      if (message instanceof protocol.messages.ParameterDescriptionMessage) paramTypes = message.dataTypeIDs
      else if (message instanceof protocol.messages.RowDescriptionMessage)
        fields = message.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID }))
    }
    const statement = { name, paramTypes, fields }
    this.#statements.set(text, statement)
    if (this.#statements.size > MAX_STATEMENTS) this.#forget(this.#statements.keys().next().value!)
    return statement
  }

  /** A statement without parameters that is not cached: Parse, Bind, Describe, Execute and Sync in one call. */
  async #runOnce<T>(scope: Scope, text: string, options?: QueryOptions): Promise<Results<T>> {
    const messages = await this.#send(
      [serialize.parse({ text }), EMPTY_BIND, DESCRIBE_PORTAL, EXECUTE, SYNC],
      text,
      [],
      options,
    )
    if (!scope.inTransaction) await this.#client.syncToFs()
    return this.#results<T>(messages, [], options)
  }

  /** One call into PostgreSQL, after closing the statements forgotten since the last. */
  async #send(
    parts: Uint8Array[],
    text: string,
    params: unknown[],
    options?: QueryOptions,
  ): Promise<BackendMessage[]> {
    if (this.#toClose.length > 0) {
      parts = [...this.#toClose.map((name) => serialize.close({ type: 'S', name })), ...parts]
      this.#toClose = []
    }
    try {
      return await this.#client.execProtocolStream(concat(parts), {
        syncToFs: false,
        ...(options?.onNotice ? { onNotice: options.onNotice } : {}),
      })
    } catch (error) {
      throw asPgliteError(error, text, params, options)
    }
  }

  #forget(text: string): void {
    const statement = this.#statements.get(text)
    if (!statement) return
    this.#statements.delete(text)
    this.#toClose.push(statement.name)
  }

  #forgetAll(): void {
    for (const statement of this.#statements.values()) this.#toClose.push(statement.name)
    this.#statements.clear()
  }

  /**
   * The rows as PGlite's `parseResults` makes them: each column parsed by the
   * caller's parser for its type, else the client's, else left as text.
   */
  #results<T>(messages: BackendMessage[], describedFields: Field[], options?: QueryOptions): Results<T> {
    let fields = describedFields
    let parsers = this.#parsersFor(fields, options)
    const objects = options?.rowMode !== 'array'
    const rows: unknown[] = []
    for (const message of messages) {
      if (message instanceof protocol.messages.DataRowMessage) {
        const values = message.fields
        if (objects) {
          const row: Record<string, unknown> = {}
          for (let i = 0; i < values.length; i++) {
            const value = values[i]
            row[fields[i]!.name] =
              value === null || value === undefined ? null : parse(parsers[i], value, fields[i]!)
          }
          rows.push(row)
        } else {
          const row = new Array(values.length)
          for (let i = 0; i < values.length; i++) {
            const value = values[i]
            row[i] = value === null || value === undefined ? null : parse(parsers[i], value, fields[i]!)
          }
          rows.push(row)
        }
      } else if (message instanceof protocol.messages.RowDescriptionMessage) {
        fields = message.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID }))
        parsers = this.#parsersFor(fields, options)
      } else if (message instanceof protocol.messages.CommandCompleteMessage) {
        // As PGlite: a tag that carries a row count ends in it ("SELECT 2", "INSERT 0 5").
        const parts = message.text.split(' ')
        const command = parts[0]!
        const rowCount = Number.parseInt(parts[parts.length - 1]!, 10)
        const counts = ['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE'].includes(command)
        const result: Results<T> = {
          rows: rows as T[],
          fields: [...fields],
          command,
          affectedRows: counts ? rowCount : 0,
        }
        if (!Number.isNaN(rowCount)) result.rowCount = rowCount
        return result
      }
    }
    return { affectedRows: 0, rows: [], fields: [] }
  }

  #parsersFor(fields: Field[], options?: QueryOptions): (Parser | undefined)[] {
    const own = options?.parsers
    const client = this.#client.parsers
    return fields.map(
      ({ dataTypeID }) =>
        (own?.[dataTypeID] ?? client[dataTypeID] ?? types.parsers[dataTypeID]) as Parser | undefined,
    )
  }
}

function parse(parser: Parser | undefined, value: string, field: Field): unknown {
  return parser ? parser(value, field.dataTypeID) : value
}
