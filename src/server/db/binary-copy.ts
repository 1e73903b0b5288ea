/**
 * A streaming reader of PostgreSQL's binary COPY format (`COPY … TO STDOUT WITH (FORMAT binary)`)
 * for reads of millions of rows, where node-postgres's per-row objects and text parsing would cost
 * more than the query. Rows are handed over one by one as field offsets into the current buffer;
 * the decoders read the fixed-width types the large reads use. Format reference: the PostgreSQL
 * manual, "COPY", section "Binary Format".
 */

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
/** Signature, flags (int32) and header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;
/** Days from 1970-01-01 to 2000-01-01 (PostgreSQL's date and timestamp epoch). */
export const PG_EPOCH_DAY = 10957;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** One row: field `i` starts at `offsets[i]` in `bytes` and is `lengths[i]` bytes (-1: NULL). */
export type BinaryRow = {
  bytes: Uint8Array;
  view: DataView;
  offsets: Int32Array;
  lengths: Int32Array;
};

/** Reads the COPY stream and calls `onRow` for every row; returns the row count. */
export async function readBinaryCopy(
  chunks: AsyncIterable<Uint8Array>,
  fieldCount: number,
  onRow: (row: BinaryRow) => void,
): Promise<number> {
  const offsets = new Int32Array(fieldCount);
  const lengths = new Int32Array(fieldCount);
  let rest: Uint8Array | null = null;
  let headerRead = false;
  let ended = false;
  let rows = 0;
  for await (const chunk of chunks) {
    let bytes: Uint8Array = chunk;
    if (rest) {
      bytes = new Uint8Array(rest.length + chunk.length);
      bytes.set(rest, 0);
      bytes.set(chunk, rest.length);
      rest = null;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    if (!headerRead) {
      if (bytes.length < HEADER_BYTES) {
        rest = bytes;
        continue;
      }
      for (let i = 0; i < SIGNATURE.length; i++) {
        if (bytes[i] !== SIGNATURE[i]) throw new Error('not a binary COPY stream');
      }
      const extension = view.getInt32(SIGNATURE.length + 4);
      if (bytes.length < HEADER_BYTES + extension) {
        rest = bytes;
        continue;
      }
      at = HEADER_BYTES + extension;
      headerRead = true;
    }
    const row: BinaryRow = { bytes, view, offsets, lengths };
    while (!ended && at + 2 <= bytes.length) {
      const count = view.getInt16(at);
      if (count === -1) {
        ended = true;
        at += 2;
        break;
      }
      if (count !== fieldCount) throw new Error(`expected ${fieldCount} fields, found ${count}`);
      let p = at + 2;
      let complete = true;
      for (let f = 0; f < fieldCount; f++) {
        if (p + 4 > bytes.length) {
          complete = false;
          break;
        }
        const length = view.getInt32(p);
        offsets[f] = p + 4;
        lengths[f] = length;
        p += 4 + (length > 0 ? length : 0);
        if (p > bytes.length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      onRow(row);
      rows++;
      at = p;
    }
    if (at < bytes.length && !ended) rest = bytes.subarray(at);
  }
  if (!ended && (headerRead || rest)) throw new Error('the binary COPY stream ended early');
  return rows;
}

/** int8 as a number; throws beyond ±2^53 (ids and sums this reader is used for stay far below). */
export function readInt8(row: BinaryRow, field: number): number {
  const at = row.offsets[field]!;
  const high = row.view.getInt32(at);
  const low = row.view.getUint32(at + 4);
  const value = high * 4294967296 + low;
  if (!Number.isSafeInteger(value)) throw new Error('int8 beyond the exact range of a number');
  return value;
}

export function readInt4(row: BinaryRow, field: number): number {
  return row.view.getInt32(row.offsets[field]!);
}

/** A date as days since 1970-01-01 (UTC). */
export function readDateDay(row: BinaryRow, field: number): number {
  return row.view.getInt32(row.offsets[field]!) + PG_EPOCH_DAY;
}

/** The UTC calendar day (days since 1970-01-01) of a timestamptz, exactly (integer maths only). */
export function readTimestampDay(row: BinaryRow, field: number): number {
  const at = row.offsets[field]!;
  const high = row.view.getInt32(at);
  const low = row.view.getUint32(at + 4);
  // µs since 2000-01-01 = high·2^32 + low; one day is 86,400,000,000 µs = 2^11 · 42,187,500.
  const per2048 = high * 2097152 + Math.floor(low / 2048);
  return Math.floor(per2048 / 42187500) + PG_EPOCH_DAY;
}

/**
 * A numeric as an integer count of 10^-scale (e.g. cents for scale 2), or null when the value
 * has more decimals than `scale`, is NaN or does not fit a number exactly.
 */
export function readNumericScaled(row: BinaryRow, field: number, scale: number): number | null {
  const at = row.offsets[field]!;
  const view = row.view;
  const digits = view.getInt16(at);
  const weight = view.getInt16(at + 2);
  const sign = view.getUint16(at + 4);
  if (sign === 0xc000) return null;
  // value = Σ digit[i] · 10000^(weight − i); scaled by 10^scale.
  let value = 0;
  let fraction = 0; // the part below 10^-scale must be zero
  for (let i = 0; i < digits; i++) {
    const digit = view.getInt16(at + 8 + 2 * i);
    const exponent = 4 * (weight - i) + scale; // this digit's power of ten after scaling
    if (exponent >= 0) value += digit * (POW10[exponent] ?? 10 ** exponent);
    else if (exponent > -4) {
      const divisor = POW10[-exponent]!;
      const rest = digit % divisor;
      value += (digit - rest) / divisor;
      fraction += rest;
    } else fraction += digit;
  }
  if (fraction !== 0 || !Number.isSafeInteger(value)) return null;
  return sign === 0x4000 ? -value : value;
}

/** A numeric as PostgreSQL prints it ("32114.08", "-0.05"), exactly, whatever its size. */
export function readNumericText(row: BinaryRow, field: number): string {
  const at = row.offsets[field]!;
  const view = row.view;
  const digits = view.getInt16(at);
  const weight = view.getInt16(at + 2);
  const sign = view.getUint16(at + 4);
  const scale = view.getInt16(at + 6);
  if (sign === 0xc000) return 'NaN';
  // Stored digit j (base 10000) has weight `weight − j`.
  const digit = (j: number) => (j >= 0 && j < digits ? view.getInt16(at + 8 + 2 * j) : 0);
  let text = weight < 0 ? '0' : String(digit(0));
  for (let j = 1; j <= weight; j++) text += String(digit(j)).padStart(4, '0');
  if (scale > 0) {
    let fraction = '';
    for (let f = 1; fraction.length < scale; f++)
      fraction += String(digit(weight + f)).padStart(4, '0');
    text += `.${fraction.slice(0, scale)}`;
  }
  return sign === 0x4000 ? `-${text}` : text;
}

/**
 * Text fields of few distinct values (kinds, currencies) as interned strings, without decoding
 * each occurrence.
 */
export function createTextReader() {
  const decoder = new TextDecoder();
  const byKey = new Map<number, { bytes: Uint8Array; text: string }[]>();
  return (row: BinaryRow, field: number): string => {
    const at = row.offsets[field]!;
    const length = row.lengths[field]!;
    const bytes = row.bytes;
    const key =
      length === 0 ? 0 : length * 16777216 + bytes[at]! * 65536 + bytes[at + length - 1]! * 256;
    let list = byKey.get(key);
    if (list) {
      for (const entry of list) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (entry.bytes[i] !== bytes[at + i]) {
            same = false;
            break;
          }
        }
        if (same) return entry.text;
      }
    } else {
      list = [];
      byKey.set(key, list);
    }
    const copy = bytes.slice(at, at + length);
    const text = decoder.decode(copy);
    list.push({ bytes: copy, text });
    return text;
  };
}
