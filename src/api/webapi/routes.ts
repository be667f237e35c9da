// The 3CX TCXWebAPI dialect (seed 000): GET /webapi/{key}/{command}?{params}
// and POST /webapi/{key}/{parameter.set|query}. The key travels in the path, as
// in the original; it is a Switchboard API key whose role decides which
// commands it may run. Every answer is JSON; every failure is the error body
// of render.ts with a stable code, and changes nothing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { PbxError } from '../../core/errors.ts';
import { roleAllows } from '../../core/roles.ts';
import { validatorCompiler } from '../http/validation.ts';
import { toPbxError } from '../http/problem.ts';
import { JsonText, type CommandTable, type Params, type WebApiCommand } from './commands.ts';
import { renderError } from './render.ts';
import { directoryCommands } from './directory-commands.ts';
import { callCommands } from './call-commands.ts';
import { systemCommands } from './system-commands.ts';
import { statusCommands } from './status-commands.ts';
import { contactCommands } from './contact-commands.ts';
import { extensionCommands } from './extension-commands.ts';
import { membershipCommands } from './membership-commands.ts';
import { outboundRuleCommands } from './outbound-rules.ts';
import { inboundRuleCommands } from './inbound-rules.ts';
import { queueCommands } from './queue-commands.ts';

export const COMMANDS: CommandTable = {
  ...directoryCommands,
  ...callCommands,
  ...statusCommands,
  ...contactCommands,
  ...extensionCommands,
  ...membershipCommands,
  ...outboundRuleCommands,
  ...inboundRuleCommands,
  ...queueCommands,
  ...systemCommands,
};

type Validator = ((v: unknown) => boolean) & { errors?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] | null };

const PathParams = Type.Object({ key: Type.String({ maxLength: 200 }), command: Type.String({ maxLength: 64 }) });

function validatorsFor(table: CommandTable): Map<string, Validator> {
  const out = new Map<string, Validator>();
  for (const [name, c] of Object.entries(table)) {
    out.set(name, validatorCompiler({ schema: c.params, httpPart: c.method === 'POST' ? 'body' : 'querystring', method: c.method ?? 'GET', url: name }) as unknown as Validator);
  }
  return out;
}

function invalidParams(v: Validator, where: string): PbxError {
  const details = (v.errors ?? []).map((e) => {
    const field = e.params?.missingProperty ?? e.params?.additionalProperty;
    const path = field !== undefined ? String(field) : (e.instancePath ?? '').replace(/^\//, '') || where;
    const extra = e.params?.additionalProperty !== undefined ? 'is not a parameter of this command' : (e.message ?? 'is invalid');
    return { path, message: `${path} ${extra}` };
  });
  return new PbxError('SB_VALIDATION', details.map((d) => d.message).join('; ') || 'invalid parameters', details);
}

export async function webApi(app: FastifyInstance, opts: { control: PbxControl; commands?: CommandTable }): Promise<void> {
  const { control } = opts;
  const table = opts.commands ?? COMMANDS;
  const validators = validatorsFor(table);

  app.setErrorHandler((err, request, reply) => {
    const pbx = toPbxError(err);
    if (pbx.status >= 500) request.log.error({ err }, 'webapi command failed');
    return renderError(reply, pbx);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { key, command } = request.params as { key: string; command: string };
    const info = await control.keys.verify(key);
    if (!info) throw new PbxError('SB_UNAUTHORIZED', 'unknown or revoked key');
    const cmd: WebApiCommand | undefined = Object.hasOwn(table, command) ? table[command] : undefined;
    if (!cmd) throw new PbxError('SB_ROUTE_NOT_FOUND', `unknown command "${command}"`);
    if ((cmd.method ?? 'GET') !== request.method) throw new PbxError('SB_METHOD_NOT_ALLOWED', `${command} is a ${cmd.method ?? 'GET'} command`);
    if (!roleAllows(info.role, cmd.role)) throw new PbxError('SB_FORBIDDEN', `${command} needs a ${cmd.role} key; this key is ${info.role}`);
    const input = cmd.method === 'POST' ? (request.body ?? {}) : { ...(request.query as object) };
    const validate = validators.get(command) as Validator;
    if (!validate(input)) throw invalidParams(validate, cmd.method === 'POST' ? 'body' : 'query');
    const result = await cmd.run(control, input as Params);
    return reply.code(200).type('application/json; charset=utf-8').send(result instanceof JsonText ? result.text : JSON.stringify(result));
  };

  // The role in the config is what the route table reports; the command's own role is checked above.
  app.get('/:key/:command', { config: { role: 'read' }, schema: { hide: true, params: PathParams } }, handle);
  app.post('/:key/:command', { config: { role: 'read' }, schema: { hide: true, params: PathParams } }, handle);
}
