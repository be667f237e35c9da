// A directory collection as a table with create, edit and delete (admin keys;
// other keys see the table), re-read when the event stream says it changed. One component for every collection: the entity
// config says how to list it, the API's schemas say what the form holds.
import { useCallback, useEffect, useState } from 'react';
import { errorText, type ApiClient } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { cellText, type EntityConfig } from './entities.ts';
import { EntityForm } from './EntityForm.tsx';
import { humanize } from './json-schema.ts';
import { ActionError } from '../components/ActionError.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { EditDeleteActions, deleteConfirmed } from '../components/RowActions.tsx';

type Item = Record<string, unknown>;

export function EntityAdmin({ client, entity, canEdit, changes }: { client: ApiClient; entity: EntityConfig; canEdit: boolean; changes: number }) {
  const [items, setItems] = useState<Item[]>();
  const [editing, setEditing] = useState<Item | 'new'>();
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const reload = useCallback((): void => {
    client.get<Page<Item> | Item[]>(`/${entity.path}${entity.bareList ? '' : '?limit=1000'}`).then(
      (res) => setItems(Array.isArray(res) ? res : res.items),
      (err: unknown) => setError(errorText(err)),
    );
  }, [client, entity]);
  // Again on every directory.changed for this entity, whoever made the change.
  useEffect(reload, [reload, changes]);

  const label = (x: Item): string => `${String(x[entity.key])}`;
  const remove = async (x: Item): Promise<void> => {
    if (await deleteConfirmed(client, `Delete ${entity.noun} ${label(x)}?`, `/${entity.path}/${encodeURIComponent(label(x))}`, setError)) reload();
  };

  return (
    <section aria-labelledby={`${entity.path}-title`} className="entity-admin">
      <h2 id={`${entity.path}-title`}>{entity.title}</h2>
      {canEdit && editing === undefined && (
        <button type="button" onClick={() => { setEditing('new'); setSecret(undefined); }}>
          New {entity.noun}
        </button>
      )}
      {editing !== undefined && (
        <EntityForm
          key={editing === 'new' ? 'new' : label(editing)}
          client={client}
          entity={entity}
          {...(editing !== 'new' ? { editing } : {})}
          onCancel={() => setEditing(undefined)}
          onSaved={(item, created) => {
            setEditing(undefined);
            const s = entity.secretOnCreate !== undefined ? item[entity.secretOnCreate] : undefined;
            if (created && typeof s === 'string') setSecret(s);
            reload();
          }}
        />
      )}
      {secret !== undefined && (
        <SecretOnce secret={secret} testId={`${entity.path}-secret`} onDone={() => setSecret(undefined)}>
          <p>The new {entity.noun}&apos;s signing secret, shown once:</p>
        </SecretOnce>
      )}
      <ActionError error={error} page />
      {items !== undefined && (
        <>
          <DataTable caption={entity.title} columns={entity.columns.map(humanize)} actions={canEdit}>
            {items.map((x) => (
              <tr key={label(x)} data-testid={`${entity.path}-row-${label(x)}`}>
                {entity.columns.map((c) => (
                  <td key={c}>{cellText(x[c])}</td>
                ))}
                {canEdit && <EditDeleteActions name={`${entity.noun} ${label(x)}`} onEdit={() => { setEditing(x); setSecret(undefined); }} onDelete={() => void remove(x)} />}
              </tr>
            ))}
          </DataTable>
          {items.length === 0 && <p className="muted">None yet.</p>}
        </>
      )}
    </section>
  );
}
