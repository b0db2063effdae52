/**
 * Known gaps of the validation boundary: entries whose fix lives in a file the boundary's owner does not edit
 * (ts/wasm/<op>.ts compositions that do not call their check<Op> yet, an op without a check). The fuzz suite
 * counts a failure that a gap explains as "known gap" instead of failing; each entry names the one-line fix. When
 * a fix lands, delete its entry: spec/fuzz.test.ts ('fuzz/known-gaps') fails while an entry no longer reproduces.
 */
import type { OpName } from '../../ts/core/ops.js';

export interface Gap {
  backend: 'ref' | 'wasm';
  fn: OpName;
  /** which argument's mutations the gap explains: an index, or 'any' */
  slot: number | 'any';
  /** what the file must do */
  fix: string;
  /** the repro: argument `at` of the op's baseline call replaced by `value()` gives a raw exception or a result */
  at: number;
  value: () => unknown;
}

export const KNOWN_GAPS: Gap[] = [
];

/** The gap (if any) that explains a failure of `fn` on `backend` with slot `slot` mutated. */
export function gapFor(backend: string, fn: string, slot: number): Gap | undefined {
  return KNOWN_GAPS.find((g) => g.backend === backend && g.fn === fn && (g.slot === 'any' || g.slot === slot));
}
