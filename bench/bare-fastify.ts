// The peer of bench/api: a bare Fastify route returning the same JSON document
// that Switchboard returns for GET /api/v1/extensions.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const doc = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as unknown;
const app = Fastify({ logger: false });
app.get('/api/v1/extensions', async () => doc);
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
