// The `attnconv` command line is strict: an unknown command, an unknown option, an invalid value or an extra
// argument prints the error and the usage and exits non-zero, before any work (no default command: `attnconv foo`
// used to run the photo demo silently). The CLI entry (ts/cli/main.ts) runs in child processes, as `npx attnconv`
// would run its bundle, through tsx so no build is needed (once), and in this process with a fake argv (every case).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

function attnconv(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ts/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill(); reject(new Error(`attnconv ${args.join(' ')}: still running after 60 s (did it start work?)`)); }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** ts/cli/main.ts run in this process with a fake argv: process.exit (how commander ends after an error or --help)
 *  throws instead, and what it writes to stdout / stderr is captured. A fresh module instance per run (query). */
let instance = 0;
async function inProcess(...args: string[]): Promise<Run> {
  class Exit { constructor(readonly code: number) {} }
  const saved = { argv: process.argv, exit: process.exit, out: process.stdout.write, err: process.stderr.write, exitCode: process.exitCode };
  let stdout = '', stderr = '', code: number | null = null;
  process.argv = [process.execPath, 'attnconv', ...args];
  process.exit = ((c?: number) => { throw new Exit(c ?? 0); }) as typeof process.exit;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    await import(`../ts/cli/main.ts?run=${++instance}`);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;   // an action ran to its end
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    code = e.code;
  } finally {
    Object.assign(process, { argv: saved.argv, exit: saved.exit, exitCode: saved.exitCode });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
  return { code, stdout, stderr };
}

const cases = {
  unknownCommand: ['foo'],
  typo: ['mnsit'],
  unknownOption: ['mnist', '--bogus'],
  badValue: ['mnist', '--limit', 'ten'],
  extraArgument: ['verify', 'extra'],
  badDemoSubject: ['demo', 'video'],
  help: ['--help'],
  mnistHelp: ['mnist', '--help'],
} satisfies Record<string, string[]>;
const runs = {} as Record<keyof typeof cases, Run>;
for (const [k, args] of Object.entries(cases)) runs[k as keyof typeof cases] = await inProcess(...args);
// and once as a real process, as `npx attnconv foo` runs (the exit code the shell sees)
const spawned = await attnconv('foo');

const Cli = suite('cli/strict');

const refused = (r: Run, needle: RegExp) => {
  assert.is.not(r.code, 0, `exit code ${r.code}; stdout: ${r.stdout.slice(0, 300)}; stderr: ${r.stderr.slice(0, 300)}`);
  assert.match(r.stderr, needle);
  assert.match(r.stderr, /Usage: attnconv/);              // the usage follows the error
  assert.not.match(r.stdout, /MNIST|ACmix ResNet bottleneck on/);   // no work started
};

Cli('an unknown command prints the error and the usage and exits non-zero (no default command)', () => {
  refused(spawned, /unknown command 'foo'/);
  refused(runs.unknownCommand, /unknown command 'foo'/);
  refused(runs.typo, /unknown command 'mnsit'/);
  assert.match(runs.typo.stderr, /Did you mean mnist\?/);
});

Cli('an unknown option, an invalid value or an extra argument is refused the same way', () => {
  refused(runs.unknownOption, /unknown option '--bogus'/);
  refused(runs.badValue, /option '--limit <n>' argument 'ten' is invalid/);
  refused(runs.extraArgument, /too many arguments/);
  refused(runs.badDemoSubject, /value 'video' is invalid for argument 'subject'. Allowed choices are photo/);
});

Cli('--help lists the commands and exits 0', () => {
  assert.is(runs.help.code, 0, runs.help.stderr);
  for (const c of ['mnist', 'demo', 'verify']) assert.match(runs.help.stdout, new RegExp(`\\n  ${c}\\b`));
  assert.is(runs.mnistHelp.code, 0, runs.mnistHelp.stderr);
  assert.match(runs.mnistHelp.stdout, /--limit <n>/);
});

Cli.run();
