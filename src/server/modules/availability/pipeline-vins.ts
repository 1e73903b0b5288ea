/**
 * The VIN rules of a pipeline batch (pipeline-ingest.ts), checked in JS while the rows are parsed
 * rather than by SQL over the stored rows afterwards (three scans of the batch, an eighth of its
 * time): a VIN belongs to the dealer of its first row in the batch (and to the dealer of its stored
 * vehicle), and a VIN's events need its order (in the batch, or stored). What the batch holds is
 * known here; what is stored comes from one query over the batch's distinct VINs (`storedDealers`).
 */
import type { Problem } from '../../../shared/errors';

/** Growable column of 32-bit integers (a million rows: 4 MB, not a million boxed numbers). */
class IntColumn {
  values = new Int32Array(1024);
  length = 0;
  push(value: number) {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

const otherDealer = (row: number, vin: string): Problem => ({
  row,
  field: 'vin',
  code: 'vin_of_another_dealer',
  message: `VIN ${vin} belongs to another dealer's order`,
});

export function createVinTracker() {
  /** each VIN's index in the columns below */
  const index = new Map<string, number>();
  const vins: string[] = [];
  /** the dealer of each VIN's first row */
  const dealerOf: number[] = [];
  /** whether the batch orders each VIN (for the dealer of its first row) */
  const ordered: boolean[] = [];
  /** the rows of each VIN's own dealer: row number, and VIN index × 2 + 1 for an order */
  const rowNumbers = new IntColumn();
  const rowVins = new IntColumn();
  /** rows of a VIN whose first row is another dealer's (found while reading) */
  const early: Problem[] = [];
  /** the last row's VIN and its index (a feed sends a VIN's events together, as a rule) */
  let lastVin = '';
  let lastAt = -1;

  return {
    /** Records a valid row (its VIN upper-cased). */
    add(vin: string, dealerId: number, isOrder: boolean, row: number) {
      let at = vin === lastVin ? lastAt : index.get(vin);
      if (at === undefined) {
        at = vins.push(vin) - 1;
        index.set(vin, at);
        dealerOf.push(dealerId);
        ordered.push(false);
      } else if (dealerOf[at] !== dealerId) {
        early.push(otherDealer(row, vin));
        return;
      }
      lastVin = vin;
      lastAt = at;
      if (isOrder) ordered[at] = true;
      rowNumbers.push(row);
      rowVins.push(at * 2 + (isOrder ? 1 : 0));
    },

    /** The batch's distinct VINs and their dealers (for the stored check and the refresh). */
    vins,
    dealers: dealerOf,

    /**
     * The rows breaking a VIN rule, by row: another dealer's VIN, then events of a VIN without an
     * order. `stored`: the dealers whose vehicle each VIN of the batch is (from the database).
     */
    problems(stored: Map<string, number[]>): Problem[] {
      const n = vins.length;
      const isOthers = new Uint8Array(n);
      const isKnown = new Uint8Array(n);
      for (let at = 0; at < n; at++) {
        const dealers = stored.get(vins[at]!);
        if (!dealers) continue;
        if (dealers.includes(dealerOf[at]!)) isKnown[at] = 1;
        if (dealers.some((d) => d !== dealerOf[at])) isOthers[at] = 1;
      }
      const others: Problem[] = [...early];
      const unordered: Problem[] = [];
      for (let i = 0; i < rowNumbers.length; i++) {
        const code = rowVins.values[i]!;
        const at = code >> 1;
        const row = rowNumbers.values[i]!;
        if (isOthers[at]) others.push(otherDealer(row, vins[at]!));
        if ((code & 1) === 0 && !ordered[at] && !isKnown[at])
          unordered.push({
            row,
            field: 'vin',
            code: 'vin_not_ordered',
            message: `VIN ${vins[at]} has no order event (send "ordered" first)`,
          });
      }
      others.sort((a, b) => a.row! - b.row!);
      return [...others, ...unordered];
    },
  };
}
