/**
 * Parameters written into the SQL text, for the one kind of statement that cannot take bound
 * parameters: `COPY (select …) TO STDOUT` (the streamed exports). A repository builds its query
 * with `$n` placeholders and a params array as everywhere else; `inlineParams` then replaces each
 * placeholder with the value's literal. Strings are quoted the way node-postgres' escapeLiteral
 * quotes them (quotes doubled; with a backslash, an E'' string with backslashes doubled), so a
 * value can never end its literal. Only the value types the repositories pass are accepted.
 */

/** The SQL literal of one parameter value. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : String(value);
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new TypeError('a string with a NUL character');
    const quoted = `'${value.replace(/'/g, "''")}'`;
    return value.includes('\\') ? `E${quoted.replace(/\\/g, '\\\\')}` : quoted;
  }
  if (Array.isArray(value))
    // an empty array has no element to type it: the literal '{}' takes the placeholder's cast
    return value.length === 0 ? `'{}'` : `array[${value.map(sqlLiteral).join(', ')}]`;
  throw new TypeError(`no SQL literal for a ${typeof value}`);
}

/** `sql` with every `$n` replaced by the literal of `params[n - 1]`. */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new RangeError(`no parameter $${n}`);
    return sqlLiteral(params[i]);
  });
}
