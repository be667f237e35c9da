// Edit and Delete for one row of a directory list (admin keys), and the
// confirmation every delete asks for first.
import { errorText, type ApiClient } from '../api/client.ts';

export function EditDeleteActions({ name, onEdit, onDelete }: { name: string; onEdit: () => void; onDelete: () => void }) {
  return (
    <td>
      <span className="actions">
        <button type="button" onClick={onEdit} aria-label={`Edit ${name}`}>
          Edit
        </button>
        <button type="button" className="danger" onClick={onDelete} aria-label={`Delete ${name}`}>
          Delete
        </button>
      </span>
    </td>
  );
}

/** Asks `question`, then DELETEs `path`; true when it was deleted, the API's refusal in `setError` otherwise. */
export async function deleteConfirmed(client: ApiClient, question: string, path: string, setError: (e: string | undefined) => void): Promise<boolean> {
  if (!window.confirm(question)) return false;
  setError(undefined);
  try {
    await client.delete(path);
    return true;
  } catch (err) {
    setError(errorText(err));
    return false;
  }
}
