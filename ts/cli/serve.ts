import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { packageFile } from '../verify/paths.js';

/** The built playground (scripts/build-site.mjs), inside the package. */
export const SITE_DIR = 'dist/site';
/** The only interface the server listens on: the playground is a local tool, never exposed to the network. */
export const SERVE_HOST = '127.0.0.1';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** folder to serve; default the package's dist/site */
  root?: string;
  /** TCP port; 0 picks any free port; default 8080 */
  port?: number;
}

/** A running server: its URL (ending in /) and a way to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the built playground as static files on http://127.0.0.1:<port>/ (sirv over node:http: GET/HEAD only,
 * no directory listing, paths confined to the folder, no caching so a rebuild shows at once).
 * @throws Error if the folder has no index.html (run `npm run build:site`), or if the port cannot be bound
 *         (EADDRINUSE, EACCES: the error of node:http, rejected).
 */
export async function startServer(o: ServeOptions = {}): Promise<RunningServer> {
  const root = o.root ?? packageFile(SITE_DIR);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`attnconv serve: ${root} has no index.html; build the playground first (npm run build:site, or npm run build)`);
  }
  const serve = sirv(root, { dev: true, etag: true });
  const server = createServer((req, res) => serve(req, res, () => {
    res.statusCode = 404;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('not found\n');
  }));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 8080, SERVE_HOST, () => { server.off('error', fail); ok(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${SERVE_HOST}:${port}/`, port, server,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/**
 * `attnconv serve`: starts the playground's server, prints its URL and keeps running until interrupted.
 * @returns false (after printing why) if the site is not built or the port is taken.
 */
export async function serveCommand(o: { port: number }): Promise<boolean> {
  let s: RunningServer;
  try {
    s = await startServer({ port: o.port });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    console.error(err.code === 'EADDRINUSE' ? `attnconv serve: port ${o.port} is in use; try --port 0 (any free port)` : err.message);
    return false;
  }
  console.log(`attnconv playground: ${s.url}  (serving ${packageFile(SITE_DIR)} on ${SERVE_HOST} only; Ctrl-C stops)`);
  const stop = () => { void s.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<void>((ok) => s.server.once('close', () => ok()));
  return true;
}
