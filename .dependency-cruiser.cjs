// The layering check (ARCHITECTURE.md "Layers"): arrows point down only,
//
//   core ← ref, wasm ← nn ← verify ← cli          io beside (core only)
//
// Run: npx depcruise ts --config .dependency-cruiser.cjs   (needs node ≥ 22: dependency-cruiser 18's CLI
// refuses older versions) or node scripts/layering.mjs (the same rules through dependency-cruiser's API, any
// node ≥ 20; what `npm test` runs first). Type-only imports count: a type is a dependency of the layer too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment: 'ts/core (Tensor, errors, geometry, checks, Ops, backend registry, numerics) is the bottom layer: it imports nothing from ts/ outside ts/core.',
      severity: 'error',
      from: { path: '^ts/core/' },
      to: { path: '^ts/', pathNot: '^ts/core/' },
    },
    {
      name: 'ref-imports-only-core',
      comment: 'ts/ref is the oracle: it imports ts/core and its own folder, never ts/wasm (it judges the kernels) nor any layer above.',
      severity: 'error',
      from: { path: '^ts/ref/' },
      to: { path: '^ts/', pathNot: '^ts/(core|ref)/' },
    },
    {
      name: 'wasm-imports-only-core',
      comment: 'ts/wasm imports ts/core and its own folder, never ts/ref (no silent fallback to the oracle) nor any layer above.',
      severity: 'error',
      from: { path: '^ts/wasm/' },
      to: { path: '^ts/', pathNot: '^ts/(core|wasm)/' },
    },
    {
      name: 'nn-imports-only-core',
      comment: 'ts/nn modules are written once against Ops and find backends by name through core (resolveOps): they import ts/core and ts/nn only.',
      severity: 'error',
      from: { path: '^ts/nn/' },
      to: { path: '^ts/', pathNot: '^ts/(core|nn)/' },
    },
    {
      name: 'io-imports-only-core',
      comment: 'ts/io (safetensors, images) sits beside the ops: it imports ts/core and ts/io only.',
      severity: 'error',
      from: { path: '^ts/io/' },
      to: { path: '^ts/', pathNot: '^ts/(core|io)/' },
    },
    {
      name: 'registry-imports-only-core',
      comment: 'ts/registry.ts is data (one row per Ops member): it imports ts/core only.',
      severity: 'error',
      from: { path: '^ts/registry\\.ts$' },
      to: { path: '^ts/', pathNot: '^ts/core/' },
    },
    {
      name: 'verify-not-cli',
      comment: 'ts/verify (the golden runners) may use every library layer but not the command that drives it.',
      severity: 'error',
      from: { path: '^ts/verify/' },
      to: { path: '^ts/cli/' },
    },
    {
      name: 'library-not-cli',
      comment: 'Only ts/cli imports ts/cli (ts/verify has its own rule above).',
      severity: 'error',
      from: { path: '^ts/', pathNot: '^ts/(cli|verify)/' },
      to: { path: '^ts/cli/' },
    },
    {
      name: 'ts-not-spec-or-bench',
      comment: 'The library never imports its tests or benchmarks (they import it).',
      severity: 'error',
      from: { path: '^ts/' },
      to: { path: '^(spec|bench)/' },
    },
    {
      name: 'library-browser-safe',
      comment: 'The library entry must load in a browser: no Node built-ins (node:fs, node:path, ...) in ts/core, ts/ref, ts/wasm, ts/nn, ts/io, ts/registry.ts or ts/index.ts. ts/cli and ts/verify may use them.',
      severity: 'error',
      from: { path: '^ts/((core|ref|wasm|nn|io)/|registry\\.ts$|index\\.ts$)' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'library-deps-declared',
      comment: 'A package the library imports must be a dependency in package.json (not only present in node_modules as ' +
        'a transitive dependency, nor a devDependency a user of the package will not have). Warn for now; raise to error once clean.',
      severity: 'warn',
      from: { path: '^ts/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
