import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readRecords, type RawRecord } from './ingest-parsers';

const HEADER = 'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId';

/** Reads a CSV body delivered in chunks of `size` bytes (cuts land anywhere, even mid-line). */
async function read(text: string, size = 7): Promise<RawRecord[]> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: RawRecord[] = [];
  for await (const r of readRecords('csv', Readable.from(chunks))) out.push(r);
  return out;
}

describe('the CSV reader', () => {
  it('reads plain lines split anywhere across chunks, with CRLF, a BOM and blank lines', async () => {
    const text = `\uFEFF${HEADER}\r\nretail_delivery, DLR-A ,SKU-1,,1,10.00,USD,2026-01-02,dms,E-1\r\n\r\nunwind,DLR-A,SKU-1,,-1,-10.00,USD,2026-01-03,dms,E-2`;
    const records = await read(text);
    expect(records.map((r) => r.row)).toEqual([1, 2]);
    expect(records[0]!.value).toMatchObject({
      kind: 'retail_delivery',
      dealerCode: 'DLR-A',
      vin: '',
    });
    expect(records[1]!.value).toMatchObject({ quantity: '-1', externalId: 'E-2' });
  });

  it('reads quoted fields, commas and line breaks inside quotes, and doubled quotes', async () => {
    const text = `${HEADER}\n"retail_delivery","DLR-A","SKU-1",,1,"1,000.00",USD,2026-01-02,"dms","E-""1"""\nretail_delivery,DLR-A,SKU-1,,1,5.00,USD,2026-01-02,"dms\nsecond line",E-2\n`;
    const records = await read(text, 5);
    expect(records).toHaveLength(2);
    expect(records[0]!.value).toMatchObject({ amount: '1,000.00', externalId: 'E-"1"' });
    expect(records[1]!.value).toMatchObject({ source: 'dms\nsecond line', externalId: 'E-2' });
  });

  it('reports a row with the wrong number of columns and goes on', async () => {
    const records = await read(
      `${HEADER}\na,b\nretail_delivery,D,S,,1,1.00,USD,2026-01-02,dms,E-3\n`,
    );
    expect(records[0]).toMatchObject({ row: 1, parseError: 'expected 10 columns, found 2' });
    expect(records[1]).toMatchObject({ row: 2 });
  });

  it('refuses an unclosed quote and an unknown header with a clear error', async () => {
    await expect(
      read(`${HEADER}\nretail_delivery,"D,S,,1,1.00,USD,2026-01-02,dms,E-3\n`),
    ).rejects.toMatchObject({
      code: 'MALFORMED_BODY',
      details: { problems: [{ row: 1, code: 'malformed_csv' }] },
    });
    await expect(read('kind,dealer\n')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(read('')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

/** Reads a body in chunks of `size` bytes with a record limit of `limit` characters. */
async function readLimited(format: 'csv' | 'ndjson' | 'json', text: string, limit: number) {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 16) chunks.push(bytes.subarray(i, i + 16));
  const out: RawRecord[] = [];
  for await (const r of readRecords(format, Readable.from(chunks), limit)) out.push(r);
  return out;
}

describe('the record limit', () => {
  const tooLarge = (row: number) => ({
    code: 'MALFORMED_BODY',
    details: { problems: [{ row, code: 'record_too_large' }] },
  });
  const line = 'retail_delivery,D,S,,1,1.00,USD,2026-01-02,dms,E-1';

  it('stops a CSV record over the limit at its row: one long line, or a quote left open', async () => {
    await expect(
      readLimited('csv', `${HEADER}\n${line}\n${line}${'x'.repeat(200)}\n`, 150),
    ).rejects.toMatchObject(tooLarge(2));
    const open = `${HEADER}\n${line}\nretail_delivery,"D,S,,1\n${`${line}\n`.repeat(10)}`;
    await expect(readLimited('csv', open, 150)).rejects.toMatchObject(tooLarge(2));
    await expect(
      readLimited('csv', `${HEADER}${',x'.repeat(100)}\n${line}\n`, 150),
    ).rejects.toMatchObject(tooLarge(0));
    // a record within the limit reads, quoted line breaks and all
    const quoted = `${HEADER}\n${line.replace('dms', '"dms\n\nsecond"')}\n`;
    expect((await readLimited('csv', quoted, 150))[0]!.value).toMatchObject({
      source: 'dms\n\nsecond',
    });
  });

  it('stops an NDJSON line or a JSON element over the limit at its row', async () => {
    const small = JSON.stringify({ kind: 'retail_delivery' });
    const big = JSON.stringify({ kind: 'x'.repeat(200) });
    await expect(
      readLimited('ndjson', `${small}\n\n${big}\n${small}\n`, 150),
    ).rejects.toMatchObject(tooLarge(2));
    await expect(readLimited('ndjson', `${small}\n${big}`, 150)).rejects.toMatchObject(tooLarge(2));
    await expect(readLimited('json', `[${small}, ${big}, ${small}]`, 150)).rejects.toMatchObject(
      tooLarge(2),
    );
    await expect(readLimited('json', `[${small}, ${big}]`, 150)).rejects.toMatchObject(tooLarge(2));
    expect(await readLimited('json', `[${small},${small}]`, 150)).toHaveLength(2);
    expect(await readLimited('ndjson', `${small}\n${small}`, 150)).toHaveLength(2);
  });
});
