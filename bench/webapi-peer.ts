// The peer of bench/webapi: a bare Fastify server answering the same two
// TCXWebAPI URLs with the JSON documents Switchboard returned for them.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const docs = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Record<string, unknown>;
const app = Fastify({ logger: false });
app.get('/webapi/:key/:command', async (req, reply) => {
  const doc = docs[(req.params as { command: string }).command];
  return doc === undefined ? reply.code(404).send({ code: 'SB_ROUTE_NOT_FOUND' }) : doc;
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
