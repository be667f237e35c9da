// The command table of the TCXWebAPI dialect (seed 000). Each command names
// the right it needs, the schema of its query parameters and what it does;
// routes.ts only authenticates, looks the command up and validates.
import type { TSchema } from 'typebox';
import type { PbxControl } from '../../core/pbx-control.ts';
import type { Role } from '../../core/roles.ts';

export type Params = Record<string, string | number | boolean | undefined>;

export interface WebApiCommand {
  /** read: *.get and *.find; control: calls and statuses; admin: directory edits and system commands. */
  role: Role;
  /** TypeBox schema of the query string (or of the JSON body for POST commands). */
  params: TSchema;
  /** The JSON value answered: an object, a list, a number or true/false. */
  run(control: PbxControl, params: Params): Promise<unknown>;
  /** POST commands take their input from the JSON body. */
  method?: 'GET' | 'POST';
}

export type CommandTable = Record<string, WebApiCommand>;

/** An answer already serialized: sent as is (see directory-read.ts renderedList). */
export class JsonText {
  constructor(readonly text: string) {}
}
