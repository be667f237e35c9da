// The small part of JSON Schema the API's request bodies use (TypeBox output,
// inlined in /api/v1/openapi.json): enough to draw a form field for each
// property and to start an empty value of the right shape.

export interface JsonSchema {
  type?: string;
  enum?: readonly (string | number)[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  items?: JsonSchema;
  anyOf?: readonly JsonSchema[];
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

export type FieldKind = 'enum' | 'boolean' | 'number' | 'string' | 'list' | 'rows' | 'object';

/** The schema without a `null` alternative, and whether null is allowed (e.g. trunkId: integer | null). */
export function unwrapNullable(s: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  if (!s.anyOf) return { schema: s, nullable: false };
  const others = s.anyOf.filter((x) => x.type !== 'null');
  return { schema: others.length === 1 && others[0] ? { ...others[0], description: s.description ?? others[0].description } : s, nullable: others.length < s.anyOf.length };
}

export function kindOf(s: JsonSchema): FieldKind {
  if (s.enum) return 'enum';
  switch (s.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'number':
      return 'number';
    case 'array':
      return s.items && (s.items.type === 'object' || s.items.properties) ? 'rows' : 'list';
    case 'object':
      return 'object';
    default:
      return 'string';
  }
}

/** An empty value that has every required property, so a new sub-object is one the schema can judge field by field. */
export function blank(s: JsonSchema): unknown {
  const { schema, nullable } = unwrapNullable(s);
  if (nullable) return null;
  switch (kindOf(schema)) {
    case 'enum':
      return schema.enum?.[0] ?? '';
    case 'boolean':
      return false;
    case 'number':
      return schema.minimum ?? 0;
    case 'list':
    case 'rows':
      return [];
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, blank(schema.properties?.[k] ?? {})]));
    case 'string':
      return '';
  }
}

/** `pollingStrategy` → `Polling strategy`, `extRanges` → `Ext ranges`. */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
