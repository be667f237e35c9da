// Directory admin: the extensions (live from the event stream), with create,
// edit and delete for admin keys. A new extension's SIP password is shown
// once, with a copy button and what to type into the phone: the API shows it
// to admin keys only. The other collections (#/directory/<path>) share one
// schema-driven list and form (src/admin).
import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Extension } from '../api/types.ts';
import type { LiveModel } from '../state/live-model.ts';
import { ExtensionForm } from '../components/ExtensionForm.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { Provisioning } from '../components/Provisioning.tsx';
import { KeysAdmin } from './KeysAdmin.tsx';
import { ENTITIES } from '../admin/entities.ts';
import { EntityAdmin } from '../admin/EntityAdmin.tsx';
import { ActionError } from '../components/ActionError.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { EditDeleteActions, deleteConfirmed } from '../components/RowActions.tsx';

export function DirectoryView({ client, model, canEdit, section }: { client: ApiClient; model: LiveModel; canEdit: boolean; section: string }) {
  const entities = ENTITIES.filter((e) => canEdit || !e.adminOnly);
  const entity = entities.find((e) => e.path === section);
  return (
    <div className="directory-shell">
      <nav className="subnav" aria-label="Directory sections">
        <a href="#/directory" aria-current={entity === undefined ? 'page' : undefined}>
          Extensions
        </a>
        {entities.map((e) => (
          <a key={e.path} href={`#/directory/${e.path}`} aria-current={entity === e ? 'page' : undefined}>
            {e.title}
          </a>
        ))}
      </nav>
      {entity ? <EntityAdmin key={entity.path} client={client} entity={entity} canEdit={canEdit} changes={entity.entity !== undefined ? (model.directoryChanges.get(entity.entity) ?? 0) : 0} /> : <Extensions client={client} model={model} canEdit={canEdit} />}
    </div>
  );
}

function Extensions({ client, model, canEdit }: { client: ApiClient; model: LiveModel; canEdit: boolean }) {
  const [editing, setEditing] = useState<Extension | 'new'>();
  const [created, setCreated] = useState<Extension>();
  const [error, setError] = useState<string>();
  const extensions = [...model.extensions.values()].sort((a, b) => a.number.localeCompare(b.number, 'en', { numeric: true }));

  // The row leaves by the directory.changed event, like a delete made elsewhere.
  const remove = async (ext: Extension): Promise<void> => {
    await deleteConfirmed(client, `Delete extension ${ext.number}?`, `/extensions/${encodeURIComponent(ext.number)}`, setError);
  };

  return (
    <section aria-labelledby="directory-title" className="directory">
      <h2 id="directory-title">Extensions</h2>
      {canEdit && editing === undefined && (
        <button type="button" onClick={() => { setEditing('new'); setCreated(undefined); }}>
          New extension
        </button>
      )}
      {editing !== undefined && (
        <ExtensionForm
          key={editing === 'new' ? 'new' : editing.number}
          client={client}
          {...(editing !== 'new' ? { editing } : {})}
          onCancel={() => setEditing(undefined)}
          onSaved={(ext, isNew) => {
            setEditing(undefined);
            if (isNew) {
              setCreated(ext);
            }
          }}
        />
      )}
      {created?.authPassword !== undefined && (
        <SecretOnce secret={created.authPassword} testId="sip-password" onDone={() => setCreated(undefined)}>
          <p>
            Extension <strong>{created.number}</strong> created. Its phone registers as user <code>{created.authId}</code> with this SIP password, shown once:
          </p>
          <Provisioning number={created.number} authId={created.authId} password={created.authPassword} />
        </SecretOnce>
      )}
      <ActionError error={error} page />
      <DataTable caption="Extensions" className="directory-table" columns={['Number', 'Name', 'Email', 'Profile', 'DND']} actions={canEdit}>
        {extensions.map((x) => (
          <tr key={x.number} data-testid={`ext-row-${x.number}`}>
            <td>{x.number}</td>
            <td>{[x.firstName, x.lastName].filter(Boolean).join(' ')}</td>
            <td>{x.email}</td>
            <td>{x.forwardingProfile}</td>
            <td>{x.dnd ? 'yes' : 'no'}</td>
            {canEdit && <EditDeleteActions name={x.number} onEdit={() => { setEditing(x); setCreated(undefined); }} onDelete={() => void remove(x)} />}
          </tr>
        ))}
      </DataTable>
      {canEdit && <KeysAdmin client={client} />}
    </section>
  );
}
