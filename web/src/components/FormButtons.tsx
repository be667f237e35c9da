// A create/edit form's closing row: Create (or Save when editing) and Cancel.
export function FormButtons({ editing, disabled, onCancel }: { editing: boolean; disabled: boolean; onCancel: () => void }) {
  return (
    <div className="buttons">
      <button type="submit" disabled={disabled}>
        {editing ? 'Save' : 'Create'}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
