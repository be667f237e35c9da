// The request-body schemas of the directory routes, read from the API's own
// published OpenAPI document (public, /api/v1/openapi.json) once per page
// load: the forms draw what the server validates, so the two cannot drift.
import type { ApiClient } from '../api/client.ts';
import type { JsonSchema } from './json-schema.ts';

interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } } | undefined>>;
}

let loading: Promise<OpenApiDoc> | undefined;

function load(client: ApiClient): Promise<OpenApiDoc> {
  loading ??= client.get<OpenApiDoc>('/openapi.json').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** The JSON body schema of `method path` (path as in the document, e.g. `/api/v1/ring-groups/{number}`). */
export async function bodySchema(client: ApiClient, method: 'post' | 'patch', path: string): Promise<JsonSchema> {
  const doc = await load(client);
  const schema = doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
  if (!schema?.properties) throw new Error(`the API publishes no body schema for ${method.toUpperCase()} ${path}`);
  return schema;
}
