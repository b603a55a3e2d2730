// Our own commands as separate processes (web, worker), as an operator runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** With `onOutput`, the process's stdout and stderr (its log lines) are handed to it as they come. */
export function startProcess(script: 'src/cli/web.ts' | 'src/cli/worker.ts', env: Record<string, string>, onOutput?: (text: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: ROOT,
    stdio: onOutput ? ['ignore', 'pipe', 'pipe'] : 'ignore',
  });
  if (onOutput) for (const stream of [child.stdout, child.stderr]) stream?.on('data', (data: Buffer) => onOutput(data.toString()));
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Waits until a process answers /healthz on `url`; fails at once if `child` exits first. The
 * timeout only stops a hang: a process starts in seconds, but several of them starting at once
 * on a busy two-core machine (tsx compiles the sources first) have been seen to take over 30 s.
 */
export async function webReady(url: string, child?: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`the process for ${url} exited (${child.exitCode ?? child.signalCode}) before it answered`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready in ${timeoutMs} ms`);
}
