import { verifyAll, type VerifyResult } from '../verify/golden.js';
import { ops as refOps } from '../ref/index.js';
import * as wasm from '../wasm/index.js';
import { registry } from '../registry.js';
import { progressBar } from './progress.js';

/** `attnconv verify`: every PyTorch fixture on both backends, as a table; exit code 1 if any case fails. */
export async function verifyCommand(options: { backend?: string } = {}): Promise<boolean> {
  await wasm.init();
  const backends = options.backend === 'ref' ? [refOps] : options.backend === 'wasm' ? [wasm.ops] : [refOps, wasm.ops];
  const bar = progressBar(1, 'verify');
  const results = verifyAll(backends, (done, total, what) => bar.update(done, what));
  bar.stop();
  printTable(results);
  const failed = results.filter((r) => !r.pass);
  console.log(`\n${results.length - failed.length} of ${results.length} fixture comparisons within tolerance` +
    (failed.length ? `; FAILED: ${failed.map((r) => `${r.op}/${r.case}@${r.backend}`).join(', ')}` : ''));
  console.log('\nwasm backend, op by op (every op of Ops is native; the kernels each composes):');
  for (const e of registry) console.log(`  ${e.id.padEnd(18)} ${e.kernels.join(', ')}`);
  return failed.length === 0;
}

function printTable(results: VerifyResult[]): void {
  const rows = results.map((r) => [r.op, r.case, r.backend, r.maxAbsError.toExponential(2), `${(r.worstRatio).toFixed(3)} of ${r.tolerance}`, r.pass ? 'pass' : 'FAIL']);
  const head = ['op', 'case', 'backend', 'max abs err', 'worst err / bound (tolerance)', 'pass'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
