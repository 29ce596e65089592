import { useEffect, useMemo, useRef, useState } from 'react';
import { focusPane } from '../ui/keys';

/** One thing the palette can do. */
export interface Command {
  id: string;
  /** What it is about: "Runbook", "Run", "Step", "Section", "Terminal", "View". */
  group: string;
  title: string;
  /** Its own shortcut, shown beside it. */
  keys?: string;
  run(): void;
}

/** The most rows shown at once: the filter narrows a long list (every step of a long runbook). */
const SHOWN = 60;

/**
 * Ctrl/Cmd+K: every command the app has, filtered as one types (each word must
 * appear, in the group or the title), picked with the arrows and Enter. `extra`
 * turns the typed text into commands of its own (search history for it).
 */
export function CommandPalette({
  commands,
  extra,
  onClose,
}: {
  commands: Command[];
  extra(query: string): Command[];
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const matches = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const found = commands.filter((c) => {
      const text = `${c.group} ${c.title}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    // Titles that start with what was typed come first; otherwise the list's own order.
    const first = words[0];
    if (first) found.sort((a, b) => rank(a, first) - rank(b, first));
    return [...found.slice(0, SHOWN), ...(query.trim() ? extra(query.trim()) : [])];
  }, [commands, extra, query]);
  const selected = Math.min(index, Math.max(0, matches.length - 1));

  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected, matches]);

  const choose = (command: Command | undefined): void => {
    if (!command) return;
    dialog.current?.close();
    command.run();
    // A command that moved the focus keeps it; otherwise the keyboard goes back to the page.
    setTimeout(() => {
      if (document.activeElement === document.body) focusPane('main');
    }, 0);
  };

  return (
    <dialog
      ref={dialog}
      className="dialog palette"
      aria-label="Commands"
      onClose={onClose}
      data-testid="palette"
    >
      <input
        className="input palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-activedescendant={matches[selected] ? `palette-${selected}` : undefined}
        aria-label="Type a command, a runbook, a step or a section"
        placeholder="Type a command, a runbook, a step or a section…"
        value={query}
        autoFocus
        onChange={(e) => {
          setQuery(e.target.value);
          setIndex(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setIndex((selected + 1) % Math.max(1, matches.length));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setIndex((selected - 1 + matches.length) % Math.max(1, matches.length));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            choose(matches[selected]);
          }
        }}
        data-testid="palette-input"
      />
      <ul className="palette-list" id="palette-list" role="listbox" ref={list}>
        {matches.length === 0 && <li className="palette-empty muted">Nothing matches.</li>}
        {matches.map((c, i) => (
          <li
            key={c.id}
            id={`palette-${i}`}
            role="option"
            aria-selected={i === selected}
            className={`palette-item${i === selected ? ' is-selected' : ''}`}
            onMouseMove={() => setIndex(i)}
            onClick={() => choose(c)}
            data-testid="palette-item"
          >
            <span className="palette-group">{c.group}</span>
            <span className="palette-title">{c.title}</span>
            {c.keys && <kbd className="palette-keys">{c.keys}</kbd>}
          </li>
        ))}
      </ul>
      <div className="palette-foot muted">
        ↑↓ to pick · Enter to run · Esc to close · ? outside a field for every shortcut
      </div>
    </dialog>
  );
}

function rank(command: Command, first: string): number {
  const title = command.title.toLowerCase();
  return title.startsWith(first) ? 0 : title.includes(first) ? 1 : 2;
}
