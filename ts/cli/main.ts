import { Command } from 'commander';
import { demoCommand } from './demo.js';
import { verifyCommand } from './verify.js';

const program = new Command();
program.name('attnconv').description('Convolution meets attention: the executable spec and WASM runtime of ACmix and friends');

program.command('demo', { isDefault: true })
  .description('run the ACmix ResNet bottleneck on the bundled photograph on both backends, check it against PyTorch, time its stages, write PNGs')
  .option('-o, --out <dir>', 'directory for the PNGs', 'attnconv-demo')
  .option('--pixel <i,j>', 'pixel whose attention windows are drawn (row,col in the 40x60 map)')
  .option('--repeats <n>', 'timing repeats per backend', '5')
  .action(async (opts) => {
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

await program.parseAsync(process.argv);
