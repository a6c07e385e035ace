import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../data-dir';
import { createEngine } from '../engine';
import { openLogFile } from '../log-file';
import { createLogger } from '../logger';
import { headlessCipher } from '../secrets/key-cipher';
import { checkBind, isLoopback } from '../server/bind-policy';
import { startPoolApiServer } from '../poolapi/http-server';
import { parseListen, readTlsFiles } from '../poolapi/listen';
import { startServer } from '../server/serve';
import { loadOrCreateTls } from '../server/tls';
import { chooseServeState, saveServeState } from '../server/serve-state';

export const SERVE_USAGE = `Usage: hangar serve [--host 127.0.0.1] [--port N] [--new-token] [--data-dir DIR]
                    [--allow-remote] [--secret-key-file FILE] [--static-dir DIR]
                    [--pools-listen ADDR:PORT [--pools-cert FILE --pools-key FILE]]

Serves the Hangar UI to a browser. Listens on loopback unless --allow-remote (then with TLS).
The URL printed carries a random access token. The port and the token are kept in the data dir
(serve.json, 0600) and used again next time, so open browser tabs reconnect after a restart.
  --port N      listen on port N from now on (0: let the system choose a new one)
  --new-token   make a new access token: tabs opened with the old one must use the new URL
  --pools-listen ADDR:PORT  also serve the disposable VM pools REST API (the seed's /getservers …
                and /api/v1) there, for CI; API tokens are made in Settings. Over TLS unless ADDR
                is loopback: with --pools-cert/--pools-key, or a self-signed certificate kept in
                the data dir`;

/** The built renderer: beside the CLI bundle in a build (out/cli → out/renderer). */
function defaultStaticDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'renderer');
}

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'new-token': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      'secret-key-file': { type: 'string' },
      'static-dir': { type: 'string' },
      'pools-listen': { type: 'string' },
      'pools-cert': { type: 'string' },
      'pools-key': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return;
  }
  const askedPort = values.port === undefined ? undefined : Number(values.port);
  if (askedPort !== undefined && (!Number.isInteger(askedPort) || askedPort < 0 || askedPort > 65535)) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const { tls: needsTls } = checkBind(values.host, values['allow-remote']);
  const poolsListen = values['pools-listen'] === undefined ? undefined : parseListen(values['pools-listen']);
  if ((values['pools-cert'] === undefined) !== (values['pools-key'] === undefined)) throw new Error('--pools-cert and --pools-key go together');
  if (values['pools-cert'] !== undefined && !poolsListen) throw new Error('--pools-cert needs --pools-listen');
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = openLogFile(dataDir);
  const logger = createLogger((line) => logFile.write(line));

  const secrets = await headlessCipher({ keyFile: values['secret-key-file'] ?? path.join(dataDir, 'secret.key'), dataDir });
  const { warning } = await secrets.availability();
  if (warning?.code === 'keyBesideDatabase') {
    const msg = `the secret key ${warning.keyFile} is in the data directory beside hangar.db: a copy of the directory carries both the encrypted secrets and their key. Keep it elsewhere with --secret-key-file, or give HANGAR_SECRET_KEY.`;
    logger.warn(msg);
    console.warn(`hangar: warning: ${msg}`);
  }
  const tls = needsTls ? await loadOrCreateTls(path.join(dataDir, 'tls'), [values.host, 'localhost', '127.0.0.1']) : undefined;
  const { state, notice } = await chooseServeState(dataDir, { ...(askedPort !== undefined ? { port: askedPort } : {}), newToken: values['new-token'] });
  if (notice) console.log(notice);
  // The server listens while the engine starts (issue 20: relaunch): the browser loads the page and
  // opens its socket meanwhile, and its requests are answered once the engine is there.
  const starting = createEngine({
    dataDir,
    logger,
    runtime: 'serve',
    ...(process.env.HANGAR_LOCAL_LIBVIRT_SOCKET ? { localLibvirt: process.env.HANGAR_LOCAL_LIBVIRT_SOCKET } : {}),
    secrets,
  });
  starting.catch(() => undefined); // awaited below, after the server is up
  const serve = (port: number) =>
    startServer({
      engine: starting,
      logger,
      host: values.host,
      port,
      token: state.token,
      staticDir: values['static-dir'] ? path.resolve(values['static-dir']) : defaultStaticDir(),
      ...(tls ? { tls } : {}),
    });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await serve(state.port);
  } catch (err) {
    // The remembered port is taken now: serve anyway; only a port the user named is a must.
    if (askedPort !== undefined || state.port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    server = await serve(0);
    console.log(`Port ${state.port} is in use: serving on ${server.port} instead (open tabs need the new URL).`);
  }
  await saveServeState(dataDir, { port: server.port, token: state.token });
  // A tab left open reconnects on its own as soon as the port answers; the URL is printed once the
  // engine is up, as before (scripts take the line to mean the data dir is open and migrated).
  const engine = await starting;
  let poolsServer: Awaited<ReturnType<typeof startPoolApiServer>> | undefined;
  if (poolsListen) {
    const poolsTls = isLoopback(poolsListen.host)
      ? undefined
      : values['pools-cert'] && values['pools-key']
        ? await readTlsFiles(values['pools-cert'], values['pools-key'])
        : (tls ?? (await loadOrCreateTls(path.join(dataDir, 'tls'), [poolsListen.host, 'localhost', '127.0.0.1'])));
    poolsServer = await startPoolApiServer({ deps: engine.poolApi, logger, host: poolsListen.host, port: poolsListen.port, ...(poolsTls ? { tls: poolsTls } : {}) });
    if (poolsTls && poolsTls !== tls) console.log(`Pools API TLS certificate SHA-256 fingerprint: ${poolsTls.fingerprint}`);
    console.log(`Pools API: ${poolsServer.url}`);
  }
  if (tls) console.log(`TLS certificate SHA-256 fingerprint: ${tls.fingerprint}`);
  console.log(`Hangar UI: ${server.url}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A shutdown that hangs (a host that never answers) must not keep the process: bounded.
    setTimeout(() => {
      console.error('hangar serve: shutdown took over 15 s; exiting anyway');
      process.exit(1);
    }, 15_000).unref();
    await poolsServer?.close();
    await server.close();
    await engine.close();
    await logFile.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
