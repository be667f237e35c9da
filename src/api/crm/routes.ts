// The WireCRM dialect (seed 002): click-to-call from the CRM. The CRM POSTs
// `from` (extension) and `to` (client number) form-encoded, with a Switchboard
// API key of the control role in `x-pbx-authentication`; the extension's
// phone rings first, then the client is called (callback style). Call
// notifications to the CRM are the engine's WireCRM notifier.
import type { FastifyInstance } from 'fastify';
import type { PbxControl } from '../../core/pbx-control.ts';
import { invalid } from '../../core/errors.ts';
import { toPbxError } from '../http/problem.ts';
import { ClickToCallBody, StatusError, StatusOk } from './schemas.ts';
import { accepted, refused } from './render.ts';

const EXTENSION = /^[0-9]{2,10}$/;
const PHONE = /^[+]?[0-9*#]{2,32}$/;

export async function crmApi(app: FastifyInstance, opts: { control: PbxControl }): Promise<void> {
  const { control } = opts;
  // The seed sends application/x-www-form-urlencoded; Fastify parses JSON only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // Every refusal in the seed's shape, with the HTTP status of the error.
  app.setErrorHandler((err, request, reply) => {
    const pbx = toPbxError(err);
    if (pbx.status >= 500) request.log.error({ err }, 'WireCRM request failed');
    return reply.code(pbx.status).send(refused(pbx));
  });

  app.post(
    '/call',
    {
      config: { role: 'control' },
      schema: {
        tags: ['WireCRM'],
        summary: 'Click-to-call from WireCRM: ring the extension `from`, then call `to`',
        description: 'Authenticate with a control key in the `x-pbx-authentication` header (seed 002).',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: ClickToCallBody,
        response: { 200: StatusOk, 400: StatusError, 401: StatusError, 403: StatusError, 404: StatusError, 422: StatusError, 503: StatusError },
      },
    },
    async (req) => {
      const b = req.body as { from: string; to: string };
      const from = b.from.trim();
      const to = b.to.replace(/[\s().-]/g, '');
      if (!EXTENSION.test(from)) throw invalid('from', `from must be an extension number, got "${b.from}"`);
      if (!PHONE.test(to)) throw invalid('to', `to is not a phone number: "${b.to}"`);
      await control.calls.make(from, to);
      return accepted();
    },
  );
}
