// Call park in the native API: park a participant's partner in a free orbit,
// and list the calls waiting in orbits. Thin: PbxControl.calls does the work
// (src/engine/features/park.ts).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { ParticipantOut } from './call-routes.ts';
import { ProblemSchema } from './schemas.ts';

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema };
const Id = Type.String({ maxLength: 60, pattern: '^[0-9A-Za-z.-]+$' });

export const ParkedOut = Type.Object({
  orbit: Type.String({ description: 'The dial code that retrieves the call (*71–*79)' }),
  callId: Type.String(),
  participant: ParticipantOut,
  parkedBy: Type.String({ description: "The extension rung back at the timeout ('' when the parker was not an extension)" }),
  parkedAt: Type.String(),
  timeoutAt: Type.String(),
});

export async function parkRoutes(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  const tags = ['Calls'];
  app.post(
    '/calls/:id/participants/:pid/park',
    {
      config: { role: 'control' },
      schema: {
        tags,
        summary: "Park: the participant's partner waits in the first free orbit (music on hold) and the participant leaves; dialling the orbit retrieves it",
        params: Type.Object({ id: Id, pid: Id }),
        response: { 202: ParkedOut, ...problems },
      },
    },
    async (req, reply) => {
      const p = req.params as { id: string; pid: string };
      return reply.code(202).send(await control.calls.park(p.id, p.pid));
    },
  );
  app.get('/parked', { schema: { tags, summary: 'Calls waiting in park orbits', response: { 200: Type.Array(ParkedOut), ...problems } } }, async () => control.calls.parked());
}
