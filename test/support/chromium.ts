// Debian's Chromium, which the browser tests drive with playwright-core. The e2e project's setup
// installs it with apt-get when it is missing, so that `npm ci && npm test` passes on a fresh
// machine; where it cannot (no apt-get, not root and no sudo), the run stops with one line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

function aptGet(args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [command, ...rest] = asRoot ? ['apt-get', ...args] : ['sudo', '-n', 'apt-get', ...args];
  execFileSync(command!, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Installs Debian's chromium package unless `executable` exists; throws one line when it cannot. */
export function ensureChromium(executable = CHROMIUM): void {
  if (existsSync(executable)) return;
  process.stderr.write(`${executable} is missing: installing Debian's chromium package for the browser tests (apt-get)\n`);
  try {
    aptGet(['update', '-qq']);
    aptGet(['install', '-y', '-qq', 'chromium']);
  } catch (error) {
    const output = String((error as { stderr?: unknown }).stderr ?? '').trim();
    const reason = output.split('\n').at(-1) || (error instanceof Error ? error.message : String(error));
    throw oneLine(`${executable} is missing and apt-get could not install chromium (${reason}); install it (apt-get install -y chromium) and run the tests again`);
  }
  if (!existsSync(executable)) throw oneLine(`apt-get installed chromium, but ${executable} is still missing`);
}

/** An error that vitest reports as its message alone: the stack of a setup step says nothing useful. */
function oneLine(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

export default function setup(): void {
  ensureChromium();
}
