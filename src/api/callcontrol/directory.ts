// The DNs of the directory as 3CX types them: extensions, ring groups,
// queues, IVRs and route points.
import { PbxError } from '../../core/errors.ts';
import type { DirectoryEntity, PbxControl } from '../../core/pbx-control.ts';

const DN_ENTITIES: [DirectoryEntity, string][] = [
  ['extensions', 'Wextension'],
  ['ringGroups', 'Wringgroup'],
  ['queues', 'Wqueue'],
  ['ivrs', 'Wivr'],
  ['routePoints', 'Wroutepoint'],
];

/** The 3CX type of a DN, or undefined when no such DN exists. */
export async function dnTypeOf(control: PbxControl, dn: string): Promise<string | undefined> {
  for (const [entity, type] of DN_ENTITIES) {
    try {
      await control.directory[entity].get(dn);
      return type;
    } catch (err) {
      if (!(err instanceof PbxError) || (err.status !== 404 && err.status !== 400)) throw err;
    }
  }
  return undefined;
}

/** Every DN with its type, in directory order (extensions first). */
export async function listDns(control: PbxControl): Promise<{ dn: string; type: string }[]> {
  const out: { dn: string; type: string }[] = [];
  for (const [entity, type] of DN_ENTITIES) {
    for (let offset = 0; ; offset += 1000) {
      const page = await control.directory[entity].list({ limit: 1000, offset });
      for (const item of page.items) out.push({ dn: String(item.number), type });
      if (offset + page.items.length >= page.total || page.items.length === 0) break;
    }
  }
  return out;
}
