// The directory collections the admin forms cover, and how each one lists.
// Their fields are not here: the forms read them from the API's schemas.

export interface EntityConfig {
  /** The hash segment (#/directory/<section>) and the API path (/api/v1/<path>). */
  path: string;
  /** Its name in directory.changed events; none for collections outside the directory (webhooks). */
  entity?: string;
  title: string;
  /** One item, in words ("ring group"). */
  noun: string;
  /** The property that names an item in the item URL (`number` or `id`). */
  key: string;
  /** Properties shown as table columns. */
  columns: readonly string[];
  /** GET returns a bare array instead of `{items, total}` (webhooks). */
  bareList?: boolean;
  /** A property the create response carries once (a generated secret). */
  secretOnCreate?: string;
  /** Even reading needs an admin key (webhooks). */
  adminOnly?: boolean;
}

export const ENTITIES: readonly EntityConfig[] = [
  { path: 'ring-groups', entity: 'ringGroups', title: 'Ring groups', noun: 'ring group', key: 'number', columns: ['number', 'name', 'strategy', 'members', 'noAnswer'] },
  { path: 'queues', entity: 'queues', title: 'Queues', noun: 'queue', key: 'number', columns: ['number', 'name', 'pollingStrategy', 'agents', 'noAnswer'] },
  { path: 'ivrs', entity: 'ivrs', title: 'IVRs', noun: 'IVR', key: 'number', columns: ['number', 'name', 'prompt', 'options'] },
  { path: 'trunks', entity: 'trunks', title: 'Trunks', noun: 'trunk', key: 'id', columns: ['id', 'name', 'host', 'port', 'transport', 'register', 'enabled'] },
  { path: 'inbound-rules', entity: 'inboundRules', title: 'Inbound rules', noun: 'inbound rule', key: 'id', columns: ['id', 'name', 'did', 'inHours', 'outOfHours'] },
  { path: 'outbound-rules', entity: 'outboundRules', title: 'Outbound rules', noun: 'outbound rule', key: 'id', columns: ['id', 'priority', 'name', 'prefix', 'routes'] },
  { path: 'contacts', entity: 'contacts', title: 'Contacts', noun: 'contact', key: 'id', columns: ['id', 'firstName', 'lastName', 'company', 'mobile', 'email'] },
  { path: 'webhooks', title: 'Webhooks', noun: 'webhook', key: 'id', columns: ['id', 'url', 'events', 'enabled'], bareList: true, secretOnCreate: 'secret', adminOnly: true },
];

/** A cell's text: lists joined, destinations as "extension 100", agents by extension with their log-in. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.type === 'string' && 'number' in o) return o.number ? `${o.type} ${String(o.number)}` : o.type;
    if (typeof o.extension === 'string') return o.loggedIn === false ? `${o.extension} (out)` : o.extension;
    if (typeof o.digit === 'string') return `${o.digit}→${cellText(o.destination)}`;
    if (typeof o.trunkId === 'number') return `trunk ${String(o.trunkId)}`;
    return JSON.stringify(o);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value as string | number);
}
