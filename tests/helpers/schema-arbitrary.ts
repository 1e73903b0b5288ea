/**
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document: values that fit the
 * schema (enums, patterns, bounds, required fields), mixed with hostile ones (NUL bytes, lone
 * UTF-16 surrogates, year 0 dates, huge numbers, wrong types, very long strings, missing fields).
 * Covers the keywords the document uses: type, enum, const, anyOf/oneOf, pattern, min/maxLength,
 * minimum/maximum/exclusiveMinimum, items, min/maxItems, properties, required, $ref.
 */
import fc from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
};

/** Strings an attacker sends: each must be refused (or stored intact), never a 500. */
export const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '0000-01-01',
  '0000-00-00',
  '-0001-01-01',
  '99999-12-31',
  '0000-01',
  '2026-02-30',
  '2026-13',
  '1e999',
  '99999999999999999999999999',
  '-99999999999999999999.99',
  'NaN',
  'Infinity',
  '',
  ' ',
  "'; select pg_sleep(1); --",
  '%',
  '_',
  '\\',
  '=cmd|x',
  '\u202e\ufeff',
  '𝕏'.repeat(20),
  'x'.repeat(5000),
  'y'.repeat(70_000),
];

export const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  true,
  0,
  -1,
  -2147483649,
  2147483648,
  9007199254740991,
  1e308,
  -1e308,
  0.5,
  [],
  {},
  ['\u0000'],
  { '\u0000': 1 },
];

export const hostile: fc.Arbitrary<unknown> = fc.constantFrom(...HOSTILE_VALUES);

export type Resolver = (ref: string) => JsonSchema;

/** A resolver of `#/components/schemas/<name>` references in `doc`. */
export function resolverOf(doc: { components?: { schemas?: Record<string, JsonSchema> } }) {
  return (ref: string): JsonSchema => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    const schema = name ? doc.components?.schemas?.[name] : undefined;
    if (!schema) throw new Error(`unresolved $ref ${ref}`);
    return schema;
  };
}

type Options = { resolve: Resolver; hostileWeight: number };

/** Values of `schema`: mostly fitting it, sometimes hostile at any depth. */
export function arbitraryOf(
  schema: JsonSchema,
  resolve: Resolver,
  hostileWeight = 1,
): fc.Arbitrary<unknown> {
  return node(schema, { resolve, hostileWeight }, 0);
}

function node(schema: JsonSchema, o: Options, depth: number): fc.Arbitrary<unknown> {
  const fitting = fits(schema, o, depth);
  if (o.hostileWeight === 0) return fitting;
  return fc.oneof(
    { weight: 6, arbitrary: fitting },
    { weight: o.hostileWeight, arbitrary: hostile },
  );
}

function fits(schema: JsonSchema, o: Options, depth: number): fc.Arbitrary<unknown> {
  if (schema.$ref) return fits(o.resolve(schema.$ref), o, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => node(s, o, depth + 1)));
  if (schema.allOf) return fits(Object.assign({}, ...schema.allOf) as JsonSchema, o, depth);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
    case 'number':
      return numberOf(schema, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 6) return fc.constant([]);
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? minLength + 3, minLength + 3);
      return fc.array(node(schema.items ?? {}, o, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectOf(schema, o, depth);
    default:
      return fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, 30);
  if (schema.pattern) {
    const matching = fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= maxLength);
    // year-led strings (dates, months, periods) also get the year 0, which PostgreSQL refuses
    return fc
      .tuple(matching, fc.nat(3))
      .map(([s, n]) => (n === 0 && /^\d{4}-/.test(s) ? `0000${s.slice(4)}` : s));
  }
  if (schema.format === 'email')
    return fc.emailAddress().filter((s) => s.length >= minLength && s.length <= maxLength);
  return fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 40), unit: 'grapheme' });
}

function numberOf(schema: JsonSchema, isInteger: boolean): fc.Arbitrary<number> {
  const min = Math.max(
    schema.minimum ?? -1e15,
    schema.exclusiveMinimum !== undefined
      ? schema.exclusiveMinimum + (isInteger ? 1 : 1e-9)
      : -1e15,
  );
  const max = Math.min(
    schema.maximum ?? 1e15,
    schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (isInteger ? 1 : 1e-9) : 1e15,
  );
  const any = isInteger
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true });
  // small values reach the handlers' paths; the bounds test the edges
  // (built only when the range reaches 0–12: fast-check refuses an empty range)
  const small =
    min <= 12 && max >= 0
      ? fc.integer({ min: Math.max(Math.ceil(min), 0), max: Math.min(Math.floor(max), 12) })
      : any;
  const edges = fc.constantFrom(min, max);
  return fc.oneof(
    { weight: 3, arbitrary: small },
    { weight: 2, arbitrary: any },
    { weight: 1, arbitrary: isInteger ? edges.map((v) => Math.round(v)) : edges },
  );
}

function objectOf(schema: JsonSchema, o: Options, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  const required = (schema.required ?? []).filter((k) => k in properties);
  const model = Object.fromEntries(keys.map((k) => [k, node(properties[k]!, o, depth + 1)]));
  const record = fc.record(model, { requiredKeys: required });
  if (o.hostileWeight === 0 || required.length === 0) return record;
  // sometimes a required field is missing
  return fc.tuple(record, fc.nat({ max: required.length * 8 })).map(([value, drop]) => {
    const key = required[drop];
    if (key === undefined) return value;
    const copy: Record<string, unknown> = { ...value };
    delete copy[key];
    return copy;
  });
}
