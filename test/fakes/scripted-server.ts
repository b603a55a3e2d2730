// The common part of the fake providers: a local HTTP server whose next answers a test can
// script (429 with Retry-After, 5xx, slow or hung answers), recording what it accepted.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status: number;
  /** seconds, sent as Retry-After */
  retryAfter?: number;
  body?: unknown;
  /** wait before answering; a wait longer than the client's timeout is a hung provider */
  delayMs?: number;
}

export interface ScriptedServer {
  url: string;
  /** the next `times` requests get this answer instead of the normal one */
  script(answer: ScriptedAnswer, times?: number): void;
  /** every request that got an answer of any kind, for counting attempts */
  attempts: { at: number; status: number }[];
  close(): Promise<void>;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export async function startScriptedServer(
  handle: (request: RawRequest) => { status: number; headers?: Record<string, string>; body?: unknown },
): Promise<ScriptedServer & { server: Server }> {
  const queue: ScriptedAnswer[] = [];
  const attempts: { at: number; status: number }[] = [];
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    attempts.push({ at: Date.now(), status });
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const scripted = queue.shift();
      const answer = () => {
        // status 0 means "answer normally", for scripts that only add a delay.
        if (scripted && scripted.status !== 0) {
          send(res, scripted.status, scripted.body ?? { message: `scripted ${scripted.status}` }, scripted.retryAfter !== undefined ? { 'retry-after': String(scripted.retryAfter) } : {});
          return;
        }
        const result = handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        send(res, result.status, result.body, result.headers);
      };
      if (scripted?.delayMs) setTimeout(answer, scripted.delayMs).unref();
      else answer();
    });
  });
  // Longer than the clients' idle-socket timeout (5 s in Node's agent), as real APIs behind
  // load balancers are: otherwise the server may close a kept-alive socket just as a client
  // reuses it, and that send's outcome is unknown.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    attempts,
    script(answer, times = 1) {
      for (let i = 0; i < times; i += 1) queue.push(answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
