/**
 * The STAR XML form of the retail delivery report (docs/integration.md, "The retail delivery
 * report in"): a `ProcessRetailDeliveryReporting` document in STAR's style (namespace
 * http://www.starstandard.org/STAR/5, ApplicationArea + DataArea), one `RetailDeliveryReporting`
 * element per delivery with the same fields as the JSON form. It is read into the JSON form and
 * then goes the JSON form's way (rdr.service.ts): the same checks, the same ingest, the same
 * guarantees; problems name the element path instead of the JSON field.
 *
 * Safety: a document with a DOCTYPE (so with entity declarations: billion laughs, external
 * entities) is refused before it is parsed; only the five predefined entities and character
 * references are expanded; well-formedness is checked first (line and column in the problem);
 * element names that would pollute prototypes are refused by the parser; nesting is limited.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError, type Problem } from '../../../shared/errors';

export const STAR_NAMESPACE = 'http://www.starstandard.org/STAR/5';
export const ROOT = 'ProcessRetailDeliveryReporting';
export const RECORD = 'RetailDeliveryReporting';
const RECORD_PATH = `/${ROOT}/DataArea/${RECORD}`;
const SOURCE_PATH = `/${ROOT}/ApplicationArea/Sender/CreatorNameCode`;
const MAX_DELIVERIES = 10_000;
const KM_PER_MILE = 1.609344;

/** A leaf: the JSON field its text goes to, and the attributes it may carry (→ their fields). */
type Leaf = { field: string; attributes?: Record<string, string> };
type Group = { [element: string]: Leaf | Group };
const isLeaf = (spec: Leaf | Group): spec is Leaf => typeof spec.field === 'string';

/** The elements of one delivery and the JSON fields they carry. */
const DELIVERY: Group = {
  DealNumberString: { field: 'dealNumber' },
  DealerParty: { PartyID: { field: 'dealerCode' } },
  Vehicle: {
    VIN: { field: 'vin' },
    ModelCode: { field: 'sku' },
    DeliveryMileage: { field: 'odometerKm', attributes: { unitCode: 'odometerUnit' } },
  },
  ContractDate: { field: 'saleDate' },
  DeliveryDate: { field: 'deliveryDate' },
  SaleTypeCode: { field: 'saleCategory' },
  CustomerParty: {
    CustomerTypeCode: { field: 'buyer.type' },
    PostalAddress: {
      Postcode: { field: 'buyer.postcode' },
      StateOrProvinceCountrySubDivisionID: { field: 'buyer.state' },
      CountryID: { field: 'buyer.country' },
    },
  },
  SalesPersonID: { field: 'salespersonId' },
  VehicleSalePrice: { field: 'amounts.salePrice', attributes: { currencyID: 'amounts.currency' } },
  CancelsDealNumberString: { field: 'cancelsDealNumber' },
};

/** JSON field (or group) → element path inside a delivery, for the problems of the JSON checks. */
const ELEMENT_OF: Record<string, string> = { buyer: 'CustomerParty', amounts: 'VehicleSalePrice' };
(function index(group: Group, prefix: string) {
  for (const [name, spec] of Object.entries(group)) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (isLeaf(spec)) {
      ELEMENT_OF[spec.field] = path;
      for (const [attribute, field] of Object.entries(spec.attributes ?? {}))
        ELEMENT_OF[field] = `${path}/@${attribute}`;
    } else index(spec, path);
  }
})(DELIVERY, '');

/** A problem of delivery `row` (from 1) named by its JSON field, located in the XML instead. */
export function locateInXml(problem: Problem): Problem {
  if (problem.row === undefined || !problem.field) return problem;
  const parts = problem.field.split('.');
  // the longest known prefix: `buyer.type`, else `buyer` + the rest (an unknown element)
  let element: string | undefined;
  let rest: string[] = [];
  for (let n = parts.length; n > 0 && element === undefined; n--) {
    element = ELEMENT_OF[parts.slice(0, n).join('.')];
    rest = parts.slice(n);
  }
  const field =
    problem.field === '(row)'
      ? '.'
      : [element ?? problem.field, ...rest].filter((p) => p !== '').join('/');
  return {
    ...problem,
    field,
    path: `${RECORD_PATH}[${problem.row}]${field === '.' ? '' : `/${field}`}`,
  };
}

function refuse(message: string, problems: Problem[]): never {
  throw new AppError('VALIDATION_FAILED', message, { problems });
}

/** Line and column of character `index` (from 1). */
function position(text: string, index: number) {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/**
 * Refuses what a report never needs and an attacker does: a DOCTYPE (entity declarations, external
 * subsets), entity references other than the five predefined ones, character references to
 * characters XML does not allow, and an encoding other than UTF-8.
 */
function refuseUnsafe(xml: string): void {
  // comments and CDATA may hold anything; what matters is outside them
  const bare = xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (m) =>
    ' '.repeat(m.length),
  );
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(bare);
  if (doctype)
    refuse('A document type declaration (DOCTYPE) is not accepted: send the report without one', [
      {
        path: '/',
        code: 'doctype_not_allowed',
        message: `DOCTYPE at line ${position(xml, doctype.index).line}`,
        ...position(xml, doctype.index),
      },
    ]);
  const declaration = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(bare);
  if (declaration && !/^(utf-?8|us-ascii)$/i.test(declaration[1]!))
    refuse(`The report must be UTF-8 encoded, not ${declaration[1]}`, [
      { path: '/', code: 'unsupported_encoding', message: `encoding="${declaration[1]}"` },
    ]);
  for (const m of bare.matchAll(/&([^;\s<&]{0,40});?/g)) {
    const name = m[1]!;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    const code = numeric ? parseInt(numeric[1] ?? numeric[2]!, numeric[1] ? 16 : 10) : null;
    const isXmlChar =
      code !== null &&
      (code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff));
    const ok =
      m[0].endsWith(';') && (['amp', 'lt', 'gt', 'quot', 'apos'].includes(name) || isXmlChar);
    if (!ok)
      refuse(
        'The report refers to an entity XML does not define: only &amp; &lt; &gt; &quot; &apos; and character references are accepted',
        [
          {
            path: '/',
            code: 'undefined_entity',
            message: `${m[0]} at line ${position(xml, m.index).line}`,
            ...position(xml, m.index),
          },
        ],
      );
  }
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The parser's entity decoder: the five predefined entities and character references, in one
 * pass (`&amp;#38;` stays `&#38;`); declared entities are refused (a DOCTYPE never gets this far).
 */
const entityDecoder = {
  setExternalEntities: () => undefined,
  addInputEntities: (entities: Record<string, string>) => {
    if (Object.keys(entities).length > 0) throw new Error('declared entities are not accepted');
  },
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text: string) =>
    text.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]{1,6}|#[0-9]{1,7});/g, (_, name: string) =>
      name.startsWith('#')
        ? String.fromCodePoint(
            parseInt(name.slice(name[1] === 'x' ? 2 : 1), name[1] === 'x' ? 16 : 10),
          )
        : PREDEFINED[name]!,
    ),
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  entityDecoder,
  maxNestedTags: 20,
  isArray: (name) => name === RECORD,
});

type Node = string | { [key: string]: unknown };

/** The text of a leaf element ('' when empty), or null when it holds elements. */
function textOf(node: unknown): string | null {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const keys = Object.keys(node).filter((k) => !k.startsWith('@'));
    if (keys.every((k) => k === '#text'))
      return String((node as Record<string, unknown>)['#text'] ?? '');
  }
  return null;
}

function setField(target: Record<string, unknown>, field: string, value: unknown) {
  const parts = field.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    at[part] ??= {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}

/** One delivery element read into the JSON form; structural problems (element paths) aside. */
function readDelivery(node: unknown, row: number, problems: Problem[]): Record<string, unknown> {
  const delivery: Record<string, unknown> = {};
  const at = (rel: string) => `${RECORD_PATH}[${row}]${rel ? `/${rel}` : ''}`;
  const problem = (rel: string, code: string, message: string) =>
    problems.push({ row, field: rel || '.', path: at(rel), code, message });

  function walk(value: unknown, spec: Group, rel: string) {
    if (typeof value !== 'object' || value === null) {
      if (value !== '') problem(rel, 'invalid_type', 'expected child elements, not text');
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const path = rel ? `${rel}/${key}` : key;
      if (key.startsWith('@')) {
        problem(
          `${rel ? `${rel}/` : ''}${key}`,
          'unknown_attribute',
          `no attribute ${key.slice(1)} here`,
        );
        continue;
      }
      if (key === '#text') {
        problem(rel, 'invalid_type', 'text between the elements');
        continue;
      }
      const sub = spec[key];
      if (!sub) {
        problem(path, 'unknown_element', `no element ${key} here`);
        continue;
      }
      if (Array.isArray(child))
        problem(path, 'repeated_element', `${key} appears ${child.length} times; once is allowed`);
      const one: unknown = Array.isArray(child) ? child[0] : child;
      if (!isLeaf(sub)) {
        walk(one, sub, path);
        continue;
      }
      const text = textOf(one);
      if (text === null) {
        problem(path, 'invalid_type', 'expected text, not child elements');
        continue;
      }
      const attributes =
        typeof one === 'object' && one !== null
          ? Object.entries(one as Record<string, unknown>).filter(([k]) => k.startsWith('@'))
          : [];
      let isMiles = false;
      for (const [attribute, attributeValue] of attributes) {
        const name = attribute.slice(1);
        const field = sub.attributes?.[name];
        if (!field) {
          problem(`${path}/@${name}`, 'unknown_attribute', `no attribute ${name} on ${key}`);
        } else if (field === 'odometerUnit') {
          if (attributeValue === 'SMI') isMiles = true;
          else if (attributeValue !== 'KMT')
            problem(
              `${path}/@${name}`,
              'invalid_value',
              'expected KMT (kilometres) or SMI (miles)',
            );
        } else setField(delivery, field, attributeValue);
      }
      if (sub.field === 'odometerKm') {
        // a whole number, in kilometres (miles converted, rounded half up); else left as text,
        // which the JSON check refuses as the wrong type
        const n = /^\d{1,9}$/.test(text) ? Number(text) : null;
        setField(
          delivery,
          sub.field,
          n === null ? text : isMiles ? Math.round(n * KM_PER_MILE) : n,
        );
      } else setField(delivery, sub.field, text);
    }
  }
  walk(node === '' ? {} : node, DELIVERY, '');
  return delivery;
}

/**
 * Reads a STAR XML report into the JSON form: `{ source, deliveries }`, and the problems the
 * structure has (unknown or repeated elements, per delivery). A document that is not XML, is
 * unsafe, or is not a report is refused at once (400, with where).
 */
export function readRdrXml(xml: string): {
  report: { source: string; deliveries: Record<string, unknown>[] };
  problems: Problem[];
} {
  refuseUnsafe(xml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    refuse(`The report is not well-formed XML: ${valid.err.msg}`, [
      {
        path: '/',
        code: 'malformed_xml',
        message: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col ?? '?'})`,
      },
    ]);
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (error) {
    refuse('The report could not be read as XML', [
      { path: '/', code: 'malformed_xml', message: (error as Error).message.slice(0, 300) },
    ]);
  }
  const roots = Object.keys(doc);
  const root = doc[ROOT] as Node | undefined;
  if (roots.length !== 1 || !root || typeof root !== 'object')
    refuse(`The root element must be ${ROOT} (namespace ${STAR_NAMESPACE})`, [
      { path: `/${roots[0] ?? ''}`, code: 'unexpected_root', message: `expected ${ROOT}` },
    ]);
  const application = root['ApplicationArea'] as Node | undefined;
  const sender =
    application && typeof application === 'object'
      ? (application['Sender'] as Node | undefined)
      : undefined;
  const source = sender && typeof sender === 'object' ? textOf(sender['CreatorNameCode']) : null;
  if (!source)
    refuse('The report names no sender: ApplicationArea/Sender/CreatorNameCode is the source', [
      { path: SOURCE_PATH, code: 'required', message: 'the sending DMS (the feed source)' },
    ]);
  if (!/^[\w.:-]{1,60}$/.test(source))
    refuse('The sender code may hold letters, digits and . _ : - (at most 60)', [
      { path: SOURCE_PATH, code: 'invalid_format', message: 'letters, digits, . _ : -' },
    ]);
  const data = root['DataArea'] as Node | undefined;
  const records =
    data && typeof data === 'object' && Array.isArray(data[RECORD])
      ? (data[RECORD] as unknown[])
      : [];
  if (records.length === 0)
    refuse(`The report holds no ${RECORD} element`, [
      { path: RECORD_PATH, code: 'too_small', message: 'at least one delivery' },
    ]);
  if (records.length > MAX_DELIVERIES)
    refuse(
      `The report holds ${records.length} deliveries; at most ${MAX_DELIVERIES} are taken at once`,
      [{ path: RECORD_PATH, code: 'too_big', message: `at most ${MAX_DELIVERIES}` }],
    );
  const problems: Problem[] = [];
  const deliveries = records.map((node, i) => readDelivery(node, i + 1, problems));
  return { report: { source, deliveries }, problems };
}
