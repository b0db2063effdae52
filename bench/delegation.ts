// Which of our ops the wasm backend still runs on the reference (ts/wasm/ops.ts lists them): the bench
// says so next to every row that uses one, so a slow "wasm" row is never mistaken for a slow kernel.
import type { OpName } from '../ts/core/ops.js';
import { delegatedToRef } from '../ts/wasm/index.js';

export function isDelegated(op: OpName): boolean {
  return delegatedToRef.includes(op);
}

/** '' when the op is native, else ' (NOTE: wasm.ops.<op> is delegated to ref)'. */
export function delegationNote(...opNames: OpName[]): string {
  const d = opNames.filter(isDelegated);
  return d.length ? ` (NOTE: ${d.map((o) => `wasm.ops.${o}`).join(', ')} delegated to ref)` : '';
}
