import type { FastifyInstance } from 'fastify';
import { AppError, type Problem } from '../../shared/errors';
import { textProblem } from '../../shared/schemas/common';

/** At most this many problems are listed (a hostile body may hold millions). */
const MAX_PROBLEMS = 100;

/**
 * The text rule of every route, once, before any schema runs: no string anywhere in the path
 * parameters, the query string or a parsed JSON body (values and keys) holds a NUL byte or a lone
 * UTF-16 surrogate. Such input is a 400 VALIDATION_FAILED naming each place (`body.lines.0.name`),
 * as a schema failure is. The feed's raw-stream body is checked per row (transaction-row.ts).
 */
export function registerInputRules(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problems: Problem[] = [];
    walk(request.params, 'params', problems);
    walk(request.query, 'querystring', problems);
    walk(request.body, 'body', problems);
    if (problems.length === 0) return;
    throw new AppError(
      'VALIDATION_FAILED',
      `The request is invalid: ${problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.message}`)
        .join('; ')}`,
      { problems },
    );
  });
}

function walk(value: unknown, path: string, problems: Problem[]): void {
  if (problems.length >= MAX_PROBLEMS) return;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) problems.push({ path, ...problem });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}.${i}`, problems));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  // records only (a parsed query may have a prototype of its own); a raw body stream (the feed)
  // or a Buffer is not walked
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return;
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) {
      problems.push({
        path: `${path}.${JSON.stringify(key)}`,
        ...keyProblem,
        code: `key_${keyProblem.code}`,
      });
      continue;
    }
    walk(item, `${path}.${key}`, problems);
  }
}
