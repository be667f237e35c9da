// SIP trunks (3CX "lines"): outbound registration and inbound by IP or credentials.
import { Type, type Static } from 'typebox';
import { Text, Stamp, entitySchemas } from './common.ts';

export const TrunkSchemas = entitySchemas({
  key: {},
  required: { name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^.,]+$', description: 'No dots or commas: seed 000 route syntax uses them as separators' }) },
  fields: {
    host: Type.String({ maxLength: 255, pattern: '^[A-Za-z0-9.:\\[\\]-]*$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    transport: Type.Enum(['udp', 'tcp', 'tls'] as const),
    username: Text(100),
    authId: Text(100),
    password: Text(100),
    register: Type.Boolean(),
    registerExpires: Type.Integer({ minimum: 60, maximum: 86400 }),
    inboundIps: Type.Array(Type.String({ maxLength: 64, pattern: '^[0-9a-fA-F.:/]+$' }), { maxItems: 100 }),
    mainNumber: Type.String({ maxLength: 33, pattern: '^[+]?[0-9]{0,32}$' }),
    maxChannels: Type.Integer({ minimum: 0, maximum: 10000 }),
    dnsSrv: Type.Boolean({ description: 'Locate the provider by RFC 3263: NAPTR and SRV records of host (port is then used only when none is published)' }),
    enabled: Type.Boolean(),
  },
  readOnly: { id: Type.Integer(), createdAt: Stamp, updatedAt: Stamp },
});
export type Trunk = Static<typeof TrunkSchemas.read>;
