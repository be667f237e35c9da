// The Poziom7 CloudPBX API (seed 003) at its own root paths: /cdr, /record,
// /dial, and the /ws/pbx_{NAME} event channel. Thin: query → PbxControl →
// render.ts. Keys are Switchboard API keys sent as `Authorization: Bearer`.
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import { invalid } from '../../core/errors.ts';
import { isCalendarDate, localDate, localDaysRange } from '../../core/time-zone.ts';
import { toPbxError, sendProblem } from '../http/problem.ts';
import { ProblemSchema } from '../native/schemas.ts';
import { CdrRowOut, DateRangeQuery, DialQuery, RecordOut, RecordParams, SendSmsBody, SmsResponse, TextOut } from './schemas.ts';
import { renderCdr, renderRecording, type Site } from './render.ts';
import { pbxWs } from './pbx-ws.ts';

export interface CloudPbxOptions {
  control: PbxControl;
  site: Site;
  keepAliveMs?: number;
}

const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };
const tags = ['CloudPBX'];

/**
 * `datestart`/`datestop` (inclusive local days) → UTC bounds. Neither given:
 * today (seed 003 §1.2). Only `datestart`: from that day through today. Only
 * `datestop`: that one day.
 */
export function dayRange(q: { datestart?: string; datestop?: string }, site: Site, now = new Date()): { from: string; to: string } {
  for (const name of ['datestart', 'datestop'] as const) {
    const v = q[name];
    if (v !== undefined && !isCalendarDate(v)) throw invalid(name, `${name} ${v} is not a date (YYYY-MM-DD)`);
  }
  const stop = q.datestop ?? localDate(now, site.timeZone);
  const start = q.datestart ?? stop;
  if (start > stop) throw invalid('datestart', `datestart ${start} is after datestop ${stop}`);
  return localDaysRange(start, stop, site.timeZone);
}

function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(body);
}

export async function cloudpbxApi(app: FastifyInstance, opts: CloudPbxOptions): Promise<void> {
  const { control, site } = opts;
  // The seed's clients post forms (`curl -d`, PHP CURLOPT_POSTFIELDS); JSON works as well.
  // Another dialect may register the same parser in a scope above ours.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }
  app.setErrorHandler((err, request, reply) => {
    const pbx = toPbxError(err);
    // Seed 003 §1.5: a missing or invalid `to`/`body` is `Parameter is missing` with 400.
    if (request.routeOptions.url === '/sendSMS' && pbx.code === 'SB_VALIDATION') return text(reply, 400, 'Parameter is missing');
    if (pbx.status >= 500) request.log.error({ err }, 'cloudpbx request failed');
    return sendProblem(request, reply, pbx);
  });

  app.get('/cdr', { schema: { tags, summary: 'Call records of the given days (default today), at most 10,000', querystring: DateRangeQuery, response: { 200: Type.Array(CdrRowOut), ...problems } } }, async (req) => {
    const rows = await control.cdr.list({ ...dayRange(req.query as { datestart?: string; datestop?: string }, site), limit: 10_000 });
    return rows.map((r) => renderCdr(r, site));
  });

  app.get('/record', { schema: { tags, summary: 'Recordings of the given days (default today), at most 5,000', querystring: DateRangeQuery, response: { 200: Type.Array(RecordOut), ...problems } } }, async (req) => {
    const rows = await control.recordings.list({ ...dayRange(req.query as { datestart?: string; datestop?: string }, site), limit: 5000 });
    // Oldest first, as /cdr; a revoked recording is gone for every API.
    return rows
      .filter((r) => r.revokedAt === null)
      .reverse()
      .map((r) => renderRecording(r, site));
  });

  // Seed 003 saves the download as record.wav: served as WAV (the MP3 is behind the signed link).
  app.get('/record/:uniqueid', { schema: { tags, summary: 'Download the recording of a call as WAV', params: RecordParams, response: problems } }, async (req, reply) => {
    const { uniqueid } = req.params as { uniqueid: string };
    const file = await control.recordings.fileOfCall(uniqueid, 'wav');
    return reply
      .header('content-type', file.contentType)
      .header('content-length', String(file.size))
      .header('content-disposition', `attachment; filename="${file.name}"`)
      .send(createReadStream(file.path));
  });

  app.get(
    '/dial',
    { config: { role: 'control' }, schema: { tags, summary: 'Click-to-call: ring cpa, then connect it to cpb. `OK` or `Action Error` (500, as the seed states)', querystring: DialQuery, response: { 200: TextOut, 500: TextOut, ...problems } } },
    async (req, reply) => {
      const { cpa, cpb } = req.query as { cpa: string; cpb: string };
      try {
        await control.calls.make(cpa, cpb);
      } catch (err) {
        // Seed 003 §1.4: a call that cannot be placed is `Action Error` with 500; the reason goes to our log.
        req.log.info({ cpa, cpb, err: toPbxError(err).message }, 'cloudpbx dial refused');
        return text(reply, 500, 'Action Error');
      }
      return text(reply, 200, 'OK');
    },
  );

  app.post(
    '/sendSMS',
    { config: { role: 'control' }, schema: { tags, summary: 'Queue an SMS for the SMS gateway; its state changes arrive as smsSendResponse frames', body: SendSmsBody, response: { 200: SmsResponse, 400: TextOut, 500: SmsResponse, 401: ProblemSchema, 403: ProblemSchema } } },
    async (req, reply) => {
      const b = req.body as { to: string; body: string; test?: string };
      try {
        const sms = await control.sms.send(b.to, b.body, { test: b.test?.includes('true') ?? false });
        return reply.code(200).send({ responseId: sms.id, responseStatus: sms.status, responseErrorMessage: null });
      } catch (err) {
        // Seed 003 §1.5: RESPONSE with 500 when the command fails; nothing was stored.
        const e = toPbxError(err);
        req.log.warn({ err: e.message }, 'cloudpbx sendSMS failed');
        return reply.code(500).send({ responseId: null, responseStatus: 'FAILED', responseErrorMessage: e.status >= 500 && e.code === 'SB_INTERNAL' ? 'internal error' : e.message });
      }
    },
  );

  await app.register(pbxWs, { control, site, ...(opts.keepAliveMs !== undefined ? { keepAliveMs: opts.keepAliveMs } : {}) });
}
