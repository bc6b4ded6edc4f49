// `moduli serve`: the workbench in a browser (web mode) — same renderer, same API, runs in worker processes.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { integerOption, positiveInteger, UsageError } from '../errors';
import { openStore } from '../store-option';
import { installGracefulStop } from '../graceful-stop';
import { userDataDir } from '../../store/paths';

// out/renderer, seen from the sources (src-main/cli/commands) or from the built CLI (out/cli).
const here = fileURLToPath(new URL('.', import.meta.url));
const RENDERER_DIR =
  [resolve(here, '../renderer'), resolve(here, '../../../out/renderer')].find((d) => existsSync(d)) ?? resolve(here, '../../../out/renderer');

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the workbench UI and API to a browser (binds to localhost with a token by default)')
    .option('--port <port>', 'port (0 = any free port)', integerOption('--port', 0, 65535), 7878)
    .option('--host <host>', 'address to bind; anything but loopback exposes the workbench to the network', '127.0.0.1')
    .option('--db <file>', 'run database')
    .option('--concurrency <n>', 'training runs at a time, 1-64 (default: 1 per 2 CPU cores)', positiveInteger('--concurrency', 64))
    .option('--allow-host <name...>', "with --host on a network address: host names (besides IP addresses and this machine's name) the server answers to")
    .option('--no-token', 'do not require a token (only on a trusted, single-user machine)')
    .option('--token-file <file>', 'where the access token persists across restarts (default: web-token in the user data folder)')
    .option('--rotate-token', 'replace the stored token (signs every browser out)')
    .option('--max-memory <GB>', 'refuse runs estimated to need more memory than this (default: 80 % of RAM)', (v) => Number(v))
    .action(
      async (o: {
        port: number;
        host: string;
        db?: string;
        concurrency?: number;
        allowHost?: string[];
        token: boolean;
        tokenFile?: string;
        rotateToken?: boolean;
        maxMemory?: number;
      }) => {
        if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new UsageError(`--port must be 0..65535, got '${o.port}'`);
        const { isLoopback } = await import('../../server/http');
        if (!o.token && !isLoopback(o.host)) {
          throw new UsageError(
            `--no-token is only allowed on a loopback address (127.0.0.1, ::1): on '${o.host}' every machine that can reach it would get the whole API`,
          );
        }
        if (o.maxMemory !== undefined && !(o.maxMemory > 0)) throw new UsageError(`--max-memory must be a positive number of GB, got '${o.maxMemory}'`);
        const maxMemoryBytes = o.maxMemory ? o.maxMemory * 2 ** 30 : undefined;
        const [{ createService }, { nodeForkHost }, { JobRunner }, { startServer }, { persistentToken }] = await Promise.all([
          import('../../api/service'),
          import('../../jobs/host'),
          import('../../jobs/runner'),
          import('../../server/http'),
          import('../../server/token'),
        ]);
        const store = openStore(o.db, { longLived: true });
        const runner = new JobRunner({ store, createHost: () => nodeForkHost(), concurrency: o.concurrency, ownerKind: 'serve', maxMemoryBytes });
        const interrupted = runner.recover();
        const service = createService(store, runner);
        const token = o.token ? persistentToken(o.tokenFile ?? join(userDataDir(), 'web-token'), o.rotateToken, [store.path]).token : null;
        const { url, close } = await startServer({
          service,
          events: runner.events,
          staticDir: RENDERER_DIR,
          host: o.host,
          port: o.port,
          token,
          allowedHosts: o.allowHost,
        });
        if (interrupted.length)
          process.stderr.write(
            `${interrupted.length} run(s) were left running by a previous process and are now 'interrupted' (resume them from the runs view)\n`,
          );
        process.stdout.write(`Moduli Workbench: ${url}\n`);
        installGracefulStop(runner, async () => {
          await close();
          runner.dispose();
          store.close();
        });
      },
    );
}
