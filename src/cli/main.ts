// The `switchboard` command. Every subcommand reads the same configuration
// file and SWITCHBOARD_* environment as `start`, and works while a server runs
// (SQLite in WAL mode with a busy timeout, or PostgreSQL).
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ROLES, type Role } from '../core/roles.ts';
import { startServer, VERSION, createLogger } from '../server.ts';
import { config, withControl, fail } from './context.ts';
import { banner } from './banner.ts';
import { importExtensions, importContacts } from './import-csv.ts';
import { createCertificate } from './cert.ts';

const program = new Command('switchboard').description('Switchboard IP PBX').version(VERSION);
const run =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  (...args: A): Promise<void> =>
    fn(...args).catch(fail);
const table = (rows: Record<string, unknown>[], cols: string[]): void => {
  process.stdout.write(`${cols.join('\t')}\n`);
  for (const r of rows) process.stdout.write(`${cols.map((c) => String(r[c] ?? '')).join('\t')}\n`);
};

program
  .command('start')
  .description('Start the PBX: SIP, media and every API')
  .action(
    run(async () => {
      const cfg = config();
      const logger = createLogger(cfg);
      const server = await startServer(cfg, logger);
      process.stdout.write(`${banner(server)}\n`);
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    }),
  );

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('Create a key and print it alone on stdout (it is shown only once)')
  .addOption(new Option('--role <role>', 'read, control or admin').choices(ROLES).makeOptionMandatory())
  .option('--label <label>', 'what the key is for', '')
  .option('--extension <number>', 'extension or route point (DN) the key acts for')
  .action(
    run(async (o: { role: Role; label: string; extension?: string }) => {
      const k = await withControl((c) => c.keys.create(o.role, o.label, o.extension ?? null));
      process.stdout.write(`${k.key}\n`);
    }),
  );
keys
  .command('list')
  .description('List keys (never their secrets)')
  .action(run(async () => table(await withControl((c) => c.keys.list()) as unknown as Record<string, unknown>[], ['id', 'role', 'label', 'extension', 'createdAt', 'lastUsedAt', 'revokedAt'])));
keys
  .command('revoke <id>')
  .description('Revoke a key by its id')
  .action(
    run(async (id: string) => {
      await withControl((c) => c.keys.revoke(id));
      process.stdout.write(`revoked ${id}\n`);
    }),
  );

const ext = program.command('ext').description('Extensions');
ext
  .command('list')
  .description('List extensions')
  .action(run(async () => table((await withControl((c) => c.directory.extensions.list({ limit: 1000 }))).items, ['number', 'firstName', 'lastName', 'enabled', 'forwardingProfile'])));
ext
  .command('add <number>')
  .description('Add an extension; prints its SIP password')
  .option('--first-name <name>', '', '')
  .option('--last-name <name>', '', '')
  .option('--password <password>', 'SIP password (generated when omitted)')
  .action(
    run(async (number: string, o: { firstName: string; lastName: string; password?: string }) => {
      const e = await withControl((c) => c.directory.extensions.create({ number, firstName: o.firstName, lastName: o.lastName, ...(o.password ? { authPassword: o.password } : {}) }));
      process.stdout.write(`extension ${String(e.number)} user ${String(e.authId)} password ${String(e.authPassword)}\n`);
    }),
  );
ext
  .command('remove <number>')
  .description('Remove an extension')
  .action(
    run(async (number: string) => {
      await withControl((c) => c.directory.extensions.remove(number));
      process.stdout.write(`removed ${number}\n`);
    }),
  );

program
  .command('db')
  .description('Database')
  .command('migrate')
  .description('Apply pending migrations')
  .action(
    run(async () => {
      const report = await withControl(async (_c, store) => store.migrate());
      process.stdout.write(`migrations current: ${report.current.join(', ')}\n`);
    }),
  );

const imp = program.command('import').description('Bulk provisioning from CSV');
imp
  .command('extensions <file>')
  .description('Import extensions.csv (header: number,firstName,lastName,email,authPassword,…)')
  .action(
    run(async (file: string) => {
      const r = await withControl((c) => importExtensions(c, file));
      process.stdout.write(`extensions created ${String(r.created)}, updated ${String(r.updated)}\n`);
    }),
  );
imp
  .command('contacts <file>')
  .description('Import contacts.csv (header: firstName,lastName,company,mobile,business,email,…)')
  .action(
    run(async (file: string) => {
      const r = await withControl((c) => importContacts(c, file));
      process.stdout.write(`contacts created ${String(r.created)}\n`);
    }),
  );

program
  .command('cert')
  .description('TLS certificates')
  .command('create')
  .description('Write a self-signed certificate and key (then set SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY)')
  .option('--cert <file>', 'certificate file')
  .option('--key <file>', 'private key file')
  .option('--host <host...>', 'host names or IPs the certificate is for', ['localhost', '127.0.0.1'])
  .option('--days <n>', 'validity in days', '825')
  .action(
    run(async (o: { cert?: string; key?: string; host: string[]; days: string }) => {
      const dir = config().dataDir;
      const cert = o.cert ?? join(dir, 'tls', 'cert.pem');
      const key = o.key ?? join(dir, 'tls', 'key.pem');
      const fp = await createCertificate({ cert, key, hosts: o.host, days: Number(o.days) });
      process.stdout.write(`wrote ${cert} and ${key}\nSHA-1 fingerprint ${fp}\nstart with: SWITCHBOARD_TLS_CERT=${cert} SWITCHBOARD_TLS_KEY=${key} npm start\n`);
    }),
  );

await program.parseAsync(process.argv);
