/**
 * Form validation with the shared zod schemas (the same ones the server validates with), and the
 * mapping of the server's problems ({ path: 'body.name', message }) back onto form fields.
 */
import type { ZodType } from 'zod';
import type { Problem } from '../shared/errors';
import { isApiError } from './api';

export type FieldErrors = Record<string, string>;

export type Validated<T> = { isValid: true; data: T } | { isValid: false; errors: FieldErrors };

function valueAt(values: unknown, path: PropertyKey[]): unknown {
  let current = values;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

type Issue = {
  code: string;
  message: string;
  path: PropertyKey[];
  minimum?: unknown;
  origin?: string;
};

/** zod's messages are written for developers; a person filling a form gets these. */
function humanMessage(issue: Issue, value: unknown): string {
  const isBlank =
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
  if (isBlank) return issue.code === 'invalid_value' ? 'Choose one' : 'Required';
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return `At least ${String(issue.minimum)} characters`;
  }
  if (issue.code === 'too_big' && issue.origin === 'string') return 'Too long';
  if (issue.code === 'invalid_format' && issue.message.toLowerCase().includes('email')) {
    return 'Enter an e-mail address';
  }
  return issue.message;
}

export function validate<T>(schema: ZodType<T>, values: unknown): Validated<T> {
  const result = schema.safeParse(values);
  if (result.success) return { isValid: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues as Issue[]) {
    const key = issue.path.map(String).join('.') || '_';
    errors[key] ??= humanMessage(issue, valueAt(values, issue.path));
  }
  return { isValid: false, errors };
}

function fieldOf(problem: Problem): string | null {
  const path = problem.field ?? problem.path;
  if (!path) return null;
  return path.replace(/^body\.?/, '') || null;
}

/** Field errors from a rejected request, plus the problems that name no known field. */
export function apiFieldErrors(
  error: unknown,
  fields: readonly string[],
): { errors: FieldErrors; rest: Problem[] } {
  const errors: FieldErrors = {};
  const rest: Problem[] = [];
  if (!isApiError(error)) return { errors, rest };
  for (const problem of error.problems) {
    const field = fieldOf(problem);
    if (field && fields.includes(field)) errors[field] ??= problem.message;
    else rest.push(problem);
  }
  return { errors, rest };
}

/** '' → null for optional text inputs. */
export function nullIfBlank(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
