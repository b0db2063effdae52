import { Argument, Command, InvalidArgumentError } from 'commander';
import { demoCommand } from './demo.js';
import { mnistCommand } from './mnist.js';
import { verifyCommand } from './verify.js';
import { flopsCommand, FLOPS_MODULES } from './flops.js';
import { serveCommand } from './serve.js';

const program = new Command();
program.name('attnconv').description('Convolution meets attention: the executable spec and WASM runtime of ACmix and friends');
// Strict command line: an unknown command, an unknown option or an extra argument prints the error and the usage
// and exits 1 (commander: no default command, excess arguments refused; the settings are inherited by the
// commands defined below).
program.showHelpAfterError().allowExcessArguments(false);

/** A commander parser for an integer option ≥ min. */
const intOption = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer ≥ ${min}.`);
  return n;
};

program.command('mnist')
  .description('classify the 10,000 MNIST test digits with the ACmix network trained in PyTorch (models/mnist), on wasm and on a ref subset; ' +
    'accuracy, confusion matrix, agreement with PyTorch, images/s; PNGs of the misclassified digits and of the attention')
  .option('-o, --out <dir>', 'directory for the PNGs', 'attnconv-mnist')
  .option('--limit <n>', 'classify only the first n test images on wasm', intOption(1))
  .option('--ref-images <n>', 'images of the ref subset', intOption(1), 200)
  .action(async (opts) => {
    const ok = await mnistCommand({ out: opts.out, limit: opts.limit, refImages: opts.refImages });
    process.exitCode = ok ? 0 : 1;
  });

program.command('demo')
  .description('run the ACmix ResNet bottleneck on the bundled photograph on both backends, check it against PyTorch, time its stages, write PNGs')
  .addArgument(new Argument('[subject]', 'what the demo runs on').choices(['photo']).default('photo'))
  .option('-o, --out <dir>', 'directory for the PNGs', 'attnconv-demo')
  .option('--pixel <i,j>', 'pixel whose attention windows are drawn (row,col in the 40x60 map)')
  .option('--repeats <n>', 'timing repeats per backend', '5')
  .action(async (_subject: string, opts) => {
    const pixel = opts.pixel ? (opts.pixel.split(',').map(Number) as [number, number]) : undefined;
    const ok = await demoCommand({ out: opts.out, pixel, repeats: Math.max(1, Number(opts.repeats) | 0) });
    process.exitCode = ok ? 0 : 1;
  });

program.command('verify')
  .description('run every PyTorch golden fixture on both backends and print a table (op, case, backend, max abs error, tolerance, pass)')
  .option('--backend <name>', "'ref', 'wasm' or both (default)")
  .action(async (opts) => {
    const ok = await verifyCommand({ backend: opts.backend });
    process.exitCode = ok ? 0 : 1;
  });

program.command('flops <module>')
  .description(`parameters and multiply-accumulates per stage (Swin / ACmix papers' "FLOPs" convention) next to wasm time per stage: ${FLOPS_MODULES.join(', ')}`)
  .option('--C <n>', 'acmix: channels (default: the Table 1 sweep 64, 128, 256, 512)', intOption(1))
  .option('--k <n>', 'acmix: kernel / window size (odd)', intOption(1), 7)
  .option('--H <n>', 'acmix: height', intOption(1))
  .option('--W <n>', 'acmix: width', intOption(1))
  .option('--repeats <n>', 'timing runs per stage (0: no timing)', intOption(0), 3)
  .action(async (module, opts) => {
    const ok = await flopsCommand(module, { C: opts.C, k: opts.k, H: opts.H, W: opts.W, repeats: opts.repeats });
    process.exitCode = ok ? 0 : 1;
  });

program.command('serve')
  .description('serve the browser playground (dist/site: blocks on wasm vs ref, attention maps, the MNIST digit canvas) on http://127.0.0.1:<port>/')
  .option('--port <n>', 'TCP port (0: any free port)', intOption(0), 8080)
  .action(async (opts) => {
    process.exitCode = (await serveCommand({ port: opts.port })) ? 0 : 1;
  });

await program.parseAsync(process.argv);
