// Route points (3CX "RoutePoint", seed 001 DN type Wroutepoint): a number
// whose calls an application drives over the Call Control API. A call there
// rings, with no media, until the application answers, diverts, routes or
// drops it; with no application connected, or none acting within
// `noAppTimeout` seconds, the call goes to `fallback`.
import { type Static } from 'typebox';
import { DialNumber, Text, Destination, Seconds, Stamp, entitySchemas } from './common.ts';

export const RoutePointSchemas = entitySchemas({
  key: { number: DialNumber },
  fields: {
    name: Text(100),
    noAppTimeout: Seconds(3600, 'Seconds a call waits for the application to act before it goes to the fallback'),
    fallback: Destination,
  },
  readOnly: { createdAt: Stamp, updatedAt: Stamp },
});
export type RoutePoint = Static<typeof RoutePointSchemas.read>;
