// Request validation. Bodies are checked strictly: no type coercion and no
// silent removal of unknown fields (Fastify's defaults do both), so a client
// mistake is reported, not guessed at. Query strings and path parameters
// arrive as text and are coerced to the declared types.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export sits one level down under NodeNext.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const common: Options = { allErrors: false, strict: false, removeAdditional: false, useDefaults: false };

function make(opts: Options): Ajv {
  const ajv = new Ajv({ ...common, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const strict = make({ coerceTypes: false });
const coercing = make({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};
