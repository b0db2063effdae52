// The layering check of .dependency-cruiser.cjs (ARCHITECTURE.md "Layers") through dependency-cruiser's API, so
// it runs on every node the project supports: dependency-cruiser 18's CLI (`npx depcruise ts --config
// .dependency-cruiser.cjs`) refuses node < 22, its API does not. Prints the violations in the CLI's `err` format
// and exits 1 on any error-severity violation; `npm test` runs it first (scripts/test.mjs).
//   node scripts/layering.mjs            the check
//   node scripts/layering.mjs --graph    also every ts/ module with its imports (text reporter), for reading
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const transpile = { tsConfig: extractTSConfig('tsconfig.json') };
if (process.argv.includes('--graph')) {
  process.stdout.write((await cruise(['ts'], { ...options, validate: false, outputType: 'text' }, {}, transpile)).output);
}
const result = await cruise(['ts'], { ...options, validate: true, outputType: 'err' }, {}, transpile);
process.stdout.write(result.output);
process.exit(result.exitCode === 0 ? 0 : 1);
