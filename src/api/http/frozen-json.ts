// Directory reads come back as frozen objects shared until the directory
// changes (see EntityStore). Their JSON text is computed once per object and
// reused: for a page of 100 extensions, serializing costs more than the rest
// of the request together.
import type { FastifyReply } from 'fastify';

const texts = new WeakMap<object, string>();

export function sendJson(reply: FastifyReply, value: object, status = 200): FastifyReply {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (Object.isFrozen(value)) texts.set(value, text);
  }
  return reply.code(status).type('application/json; charset=utf-8').send(text);
}
