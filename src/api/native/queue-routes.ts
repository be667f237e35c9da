// ACD queues in the native API: a queue's live status (the snapshot the
// `queue.updated` event carries) and agent log-in/out, per queue and for all
// of an extension's queues at once. Thin: PbxControl.queues does the work;
// a key bound to an extension is held to the queue's managers.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { AGENT_STATES } from '../../core/queue-status.ts';
import { DialNumber } from '../../core/directory/common.ts';
import { ProblemSchema } from './schemas.ts';
import { requireOwnGlobalLogin, requireQueueRight, type ManagedQueue } from '../../core/queue-managers.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema };
const AgentState = Type.Enum(AGENT_STATES);

export const QueueAgentOut = Type.Object({
  queue: Type.String(),
  queueName: Type.String(),
  extension: Type.String(),
  name: Type.String(),
  state: AgentState,
  loggedIn: Type.Boolean({ description: 'Logged in to this queue' }),
  globalLoggedIn: Type.Boolean({ description: 'Logged in to queues at all (queueGlobalLoggedIn)' }),
  answeredToday: Type.Integer(),
  talkSecondsToday: Type.Integer(),
  wrapUpUntil: Type.Union([Type.String(), Type.Null()]),
});

export const QueueStatusOut = Type.Object({
  queue: Type.String(),
  name: Type.String(),
  pollingStrategy: Type.String(),
  waiting: Type.Array(
    Type.Object({
      callId: Type.String(),
      position: Type.Integer({ description: '1 = next to be served' }),
      callerNumber: Type.String(),
      callerName: Type.String(),
      since: Type.String(),
      waitSeconds: Type.Integer(),
    }),
  ),
  longestWaitSeconds: Type.Integer(),
  agentCounts: Type.Object(Object.fromEntries(AGENT_STATES.map((s) => [s, Type.Integer()]))),
  agents: Type.Array(QueueAgentOut),
  answeredToday: Type.Integer(),
  abandonedToday: Type.Integer({ description: 'Callers who hung up while waiting' }),
  timedOutToday: Type.Integer({ description: 'Callers sent to the no-answer destination (master timeout or a full queue)' }),
  serviceLevelSeconds: Type.Integer({ description: "The queue's target answer time" }),
  answeredInTargetToday: Type.Integer({ description: 'Callers answered today within serviceLevelSeconds of joining the queue' }),
  serviceLevel: Type.Union([Type.Integer(), Type.Null()], { description: 'Whole percent: answeredInTargetToday of all callers who left the queue today (answered, abandoned, timed out); null before the first' }),
});

const LogAction = Type.Enum(['login', 'logout'] as const);

export async function queueRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const tags = ['Queues'];
  // Only keys bound to an extension are held to the queue's managers list (src/core/queue-managers.ts).
  const managed = async (number: string): Promise<ManagedQueue> => {
    const q = await control.directory.queues.get(number);
    return { number, managers: (q.managers as string[] | undefined) ?? [] };
  };
  app.get(
    '/queues/:number/status',
    { schema: { tags, summary: "A queue's live status: waiting callers, agents' states, today's counts", params: Type.Object({ number: DialNumber }), response: { 200: QueueStatusOut, ...problems } } },
    async (req) => {
      const { number } = req.params as { number: string };
      requireQueueRight(await managed(number), req.apiKey?.extension, { kind: 'see' });
      return control.queues.status(number);
    },
  );
  app.post(
    '/queues/:number/agents/:extension/:action',
    {
      config: { role: 'control' },
      schema: {
        tags,
        summary: 'Log an agent in to or out of this queue (seed 000 ext.queue.set)',
        params: Type.Object({ number: DialNumber, extension: DialNumber, action: LogAction }),
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      const p = req.params as { number: string; extension: string; action: 'login' | 'logout' };
      requireQueueRight(await managed(p.number), req.apiKey?.extension, { kind: 'login', agent: p.extension });
      await control.queues.setLogin(p.number, p.extension, p.action === 'login');
      return reply.code(204).send();
    },
  );
  app.post(
    '/extensions/:number/queues/:action',
    {
      config: { role: 'control' },
      schema: {
        tags,
        summary: "Log an extension in to or out of all its queues at once (seed 000 ext.queueglobal.set); each queue's own log-in is kept",
        params: Type.Object({ number: DialNumber, action: LogAction }),
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      const p = req.params as { number: string; action: 'login' | 'logout' };
      requireOwnGlobalLogin(req.apiKey?.extension, p.number);
      await control.queues.setGlobalLogin(p.number, p.action === 'login');
      return reply.code(204).send();
    },
  );
}
