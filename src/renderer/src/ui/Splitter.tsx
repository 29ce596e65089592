import { useRef } from 'react';

interface Props {
  /** The width of the pane to the splitter's right, in CSS pixels. */
  width: number;
  min: number;
  max: number;
  label: string;
  onChange(width: number): void;
}

/** Keyboard steps: an arrow moves this much, Shift+arrow four times as far. */
const STEP = 24;

/**
 * A vertical splitter (WAI-ARIA "window splitter"): drag it, or focus it and use
 * the arrow keys, Home and End. It sizes the pane on its right; the pane on its
 * left takes the rest.
 */
export function Splitter({ width, min, max, label, onChange }: Props) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  const clamp = (w: number): number => Math.round(Math.min(max, Math.max(min, w)));
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-valuenow={width}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      data-testid="splitter"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, width };
      }}
      onPointerMove={(e) => {
        if (drag.current) onChange(clamp(drag.current.width + drag.current.x - e.clientX));
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
      onDoubleClick={() => onChange(clamp((min + max) / 2))}
      onKeyDown={(e) => {
        const step = e.shiftKey ? STEP * 4 : STEP;
        const next =
          e.key === 'ArrowLeft'
            ? width + step
            : e.key === 'ArrowRight'
              ? width - step
              : e.key === 'Home'
                ? max
                : e.key === 'End'
                  ? min
                  : null;
        if (next === null) return;
        e.preventDefault();
        onChange(clamp(next));
      }}
    />
  );
}
