/**
 * Checking answers against the contract schemas, so that a platform (or
 * sandbox) that drifts from the contract fails loudly at the field that moved,
 * instead of somewhere downstream with `undefined`.
 */
import type { TSchema } from '@sinclair/typebox'
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler'
import type { ValidationIssue } from './errors.ts'

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema)
  if (!check) {
    check = TypeCompiler.Compile(schema)
    compiled.set(schema, check)
  }
  return check
}

/** "/aggregate/capturedAmount/value" → "aggregate.capturedAmount.value". */
export function fieldName(path: string): string {
  const dotted = path.split('/').filter(Boolean).join('.')
  return dotted || '(root)'
}

/**
 * The ways `value` breaks `schema`, at most `limit` of them; empty when it fits.
 *
 * @example
 * schemaIssues(GetPaymentResponse, body) // [{ field: 'state', message: 'Expected union value' }]
 */
export function schemaIssues(schema: TSchema, value: unknown, limit = 10): ValidationIssue[] {
  const check = checkerFor(schema)
  if (check.Check(value)) return []
  const issues: ValidationIssue[] = []
  for (const error of check.Errors(value)) {
    issues.push({ field: fieldName(error.path), message: error.message })
    if (issues.length >= limit) break
  }
  return issues
}
