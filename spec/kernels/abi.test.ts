// The kernel ABI: ts/wasm/kernels.generated.ts (generated from asc's bindings by scripts/gen-kernel-abi.mjs)
// against the WebAssembly binaries themselves. Both builds must export exactly the declared functions, each
// with the declared parameter and result types (read from the binary's type section: usize/i32 → i32, f32 →
// f32, f64 → f64), so the `Kernels` interface every ts/wasm file calls through is the module's true ABI.
// Also the inventory rules of STYLE §2.3/§2.7: kernel names follow `<kernel>__<isa>[_<MR>x<NR>][_<strategy>]`,
// and every f32x4 kernel has a __scalar twin in its family.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KERNEL_SIGNATURES } from '../../ts/wasm/kernels.generated.js';
import { init, kernels } from '../../ts/wasm/module.js';
import { wasmBase64 as releaseBase64 } from '../../ts/wasm/kernels.release.generated.js';
import { wasmBase64 as debugBase64 } from '../../ts/wasm/kernels.debug.generated.js';

await init({ deterministic: true }); // twins are compared bit for bit: the strict kernels (ts/wasm/variants.ts)

type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
interface FnType { params: ValType[]; results: ValType[] }

/** The function exports of a binary with their types (type, import, function and export sections). */
function exportedFunctionTypes(bytes: Uint8Array): Map<string, FnType> {
  let at = 8;                                                     // magic + version
  const u32 = () => { let r = 0, shift = 0, b: number; do { b = bytes[at++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return r >>> 0; };
  const name = () => { const n = u32(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const valType = (b: number): ValType => ({ 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' } as Record<number, ValType>)[b];
  const types: FnType[] = [], funcTypes: number[] = [], out = new Map<string, FnType>();
  while (at < bytes.length) {
    const id = bytes[at++], size = u32(), end = at + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        at++;                                                     // 0x60
        const params = Array.from({ length: u32() }, () => valType(bytes[at++]));
        const results = Array.from({ length: u32() }, () => valType(bytes[at++]));
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        name(); name();
        const kind = bytes[at++];
        if (kind === 0) funcTypes.push(u32());
        else if (kind === 1) { at++; const f = u32(); u32(); if (f & 1) u32(); }
        else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); }
        else at += 2;
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const exportName = name(), kind = bytes[at++], index = u32();
        if (kind === 0) out.set(exportName, types[funcTypes[index]]);
      }
    }
    at = end;
  }
  return out;
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const wasmType = (asType: string): ValType[] => (asType === 'void' ? [] : asType === 'f32' ? ['f32'] : asType === 'f64' ? ['f64'] : ['i32']);

const Abi = suite('kernels/abi');

for (const [build, b64] of [['release', releaseBase64], ['debug', debugBase64]] as const) {
  Abi(`${build} build: exactly the functions of kernels.generated.ts, with the declared parameter and result types`, () => {
    const exported = exportedFunctionTypes(decode(b64));
    const declared = Object.entries(KERNEL_SIGNATURES);
    assert.equal([...exported.keys()].sort(), declared.map(([n]) => n).sort(), 'export names');
    for (const [name, sig] of declared) {
      const t = exported.get(name)!;
      assert.equal(t.params, sig.params.flatMap(wasmType), `${name} parameters (${sig.params.join(', ')})`);
      assert.equal(t.results, wasmType(sig.result), `${name} result (${sig.result})`);
    }
  });
}

Abi('kernels() hands out every declared export (checked at instantiation), as functions of the declared arity', () => {
  const k = kernels() as unknown as Record<string, unknown>;
  for (const [name, sig] of Object.entries(KERNEL_SIGNATURES)) {
    assert.type(k[name], 'function', name);
    assert.is((k[name] as (...a: number[]) => unknown).length, sig.params.length, name);
  }
});

Abi('kernel names follow <kernel>__<isa>[_<MR>x<NR>][_<strategy>], and every f32x4 kernel has its __scalar twin', () => {
  const helpers = new Set(['heap_base', 'local_attention_scratch_floats', 'window_attention_scratch_floats']);   // module queries, not kernels
  // the packed GEMM's twin is gemm__scalar on the unpacked operands (spec/kernels/gemm.test.ts)
  const twinOf: Record<string, string> = { gemm_packed: 'gemm__scalar' };
  const names = Object.keys(KERNEL_SIGNATURES).filter((n) => !helpers.has(n));
  for (const n of names) {
    assert.ok(/^[a-z0-9]+(_[a-z0-9]+)*__(scalar|f32x4)(_[0-9]+x[0-9]+)?(_[a-z0-9]+)?$/.test(n), `${n} does not follow the kernel naming grammar`);
    const family = n.slice(0, n.indexOf('__')), twin = twinOf[family] ?? `${family}__scalar`;
    assert.ok(names.includes(twin), `${n} has no scalar twin ${twin}`);
  }
});

Abi.run();
