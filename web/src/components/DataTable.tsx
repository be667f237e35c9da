// The panel's one list table: scrolls sideways on its own (never the page),
// a caption for screen readers, a header row, and an Actions column when the
// key may act on the rows.
import type { ReactNode } from 'react';

export function DataTable({ caption, columns, actions = false, className, children }: { caption: string; columns: readonly string[]; actions?: boolean; className?: string; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className={className}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            {actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
