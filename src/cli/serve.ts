/**
 * `cairn serve`: runs the server in the foreground until SIGTERM or SIGINT, then shuts
 * down gracefully within `server.graceful_shutdown_timeout`. On the first start of a data
 * dir it prints the new tenant's token and an admin token, once.
 */
import { runServer, type BootstrapSecrets } from '../server.js';
import { CONFIG_FLAGS, configFrom, parse } from './args.js';

export const SERVE_USAGE = `cairn serve [--config FILE] [--data-dir DIR] [--host H] [--port P]
            [--runtime-config FILE] [--log-level LEVEL]`;

function banner(b: BootstrapSecrets, url: string): string {
  const lines = [
    '',
    `cairn: first start of this data dir; created tenant "${b.tenant}". These tokens are shown once:`,
    `  tenant ${b.tenant}, scopes read+write:  ${b.readWriteToken}`,
  ];
  if (b.adminToken !== undefined) lines.push(`  admin (manages tokens):          ${b.adminToken}`);
  lines.push(
    `Clients that cannot send X-Scope-OrgID use basic auth: username ${b.tenant}, password the token.`,
    `Try:  curl -s -u '${b.tenant}:${b.readWriteToken}' ${url}/ready`,
    `More tokens:  cairn token create --tenant ${b.tenant} --scopes all`,
    '',
  );
  return lines.join('\n');
}

export async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CONFIG_FLAGS,
    host: { type: 'string' },
    port: { type: 'string' },
    'runtime-config': { type: 'string' },
    'log-level': { type: 'string' },
  });
  const config = configFrom(values, {
    'server.http_listen_address': values.host,
    'server.http_listen_port': values.port,
    'runtime_config.file': values['runtime-config'],
    'server.log_level': values['log-level'],
  });
  const server = await runServer({ config });
  if (server.bootstrap !== undefined) process.stdout.write(banner(server.bootstrap, server.url));

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        server.logger.warn({ signal }, 'second signal; exiting now');
        resolve(1);
        return;
      }
      signalled = true;
      server.logger.info({ signal }, 'signal received; stopping');
      const deadline = setTimeout(() => {
        server.logger.error({ timeoutMs: config.server.gracefulShutdownTimeoutMs }, 'graceful shutdown timed out; exiting anyway');
        resolve(1);
      }, config.server.gracefulShutdownTimeoutMs);
      deadline.unref();
      server.stop().then(
        () => resolve(0),
        (err: unknown) => {
          server.logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    server.ready.catch(() => {
      void server.stop().finally(() => resolve(1));
    });
  });
}
