// Seed 000 system commands ("requires the system right"): admin keys only.
// parameter.get / parameter.del / POST parameter.set over the parameters of
// the directory, csv.reread and cfd.reset.
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';
import type { Record_ } from '../../core/pbx-control.ts';
import type { CommandTable } from './commands.ts';
import { params, NoParams } from './schemas.ts';

// 3CX parameter names are upper case (seed 000: "write the name in upper case").
const ParamName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Z0-9_.]+$' });
const NameList = Type.String({ minLength: 1, maxLength: 5000, pattern: '^[A-Z0-9_.]+(,[A-Z0-9_.]+)*$' });

const renderParameter = (p: Record_) => ({ name: p.name, description: p.description, value: p.value, type: p.type });

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (err instanceof PbxError && err.code === 'SB_NOT_FOUND') return false;
    throw err;
  }
}

export const systemCommands: CommandTable = {
  'parameter.get': {
    role: 'admin',
    params: params({ name: ParamName }),
    run: async (c, p) => renderParameter(await c.directory.parameters.get(String(p.name))),
  },
  'parameter.set': {
    role: 'admin',
    method: 'POST',
    params: params({ name: ParamName, value: Type.String({ maxLength: 10000 }), description: Type.Optional(Type.String({ maxLength: 500 })) }),
    run: async (c, p) => {
      const coll = c.directory.parameters;
      const name = String(p.name);
      const input = { value: String(p.value), ...(p.description !== undefined ? { description: String(p.description) } : {}) };
      const out = (await exists(() => coll.get(name))) ? await coll.patch(name, input) : await coll.create({ name, ...input });
      return renderParameter(out);
    },
  },
  'parameter.del': {
    role: 'admin',
    params: params({ names: NameList }),
    run: async (c, p) => {
      const deleted: string[] = [];
      for (const name of String(p.names).split(',')) {
        if (await exists(() => c.directory.parameters.get(name))) {
          await c.directory.parameters.remove(name);
          deleted.push(name);
        }
      }
      return { deleted };
    },
  },
  'csv.reread': {
    role: 'admin',
    params: NoParams,
    // Keys and rights live in the store and are read on every request; there is nothing cached to reread.
    run: async () => true,
  },
  'cfd.reset': {
    role: 'admin',
    params: params({ names: Type.String({ minLength: 1, maxLength: 2000 }) }),
    run: async (c, p) => {
      // Call flow applications are our IVRs and route points; they keep no
      // state between calls, so a restart is checking that each named one exists.
      const names = String(p.names).split(',').map((n) => n.replace(/\.Main$/, ''));
      const apps = [...(await c.directory.ivrs.list({ limit: 1000 })).items, ...(await c.directory.routePoints.list({ limit: 1000 })).items];
      const missing = names.filter((n) => !apps.some((i) => i.number === n || i.name === n));
      if (missing.length > 0) throw new PbxError('SB_NOT_FOUND', `no IVR or route point ${missing.join(', ')}`);
      return true;
    },
  },
};

// POST query: {"query": "select …", "count": N}; count missing or 0 means 100 (seed 000).
systemCommands.query = {
  role: 'admin',
  method: 'POST',
  params: params({ query: Type.String({ minLength: 1, maxLength: 20000 }), count: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })) }),
  run: async (c, p) => c.database.query(String(p.query), p.count === undefined || p.count === 0 ? 100 : Number(p.count)),
};
