import { useEffect, useRef, useState } from 'react';
import { create, type Player } from 'asciinema-player';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import type { MethodOutput } from '../../../shared/api';
import { formatDuration } from '../../../shared/util/duration';
import { ModalDialog } from './ModalDialog';

type Recording = MethodOutput<'run.recording'>;

const SPEEDS = [0.5, 1, 2, 4, 8] as const;
/** Pauses longer than this (people reading between steps) play as this many seconds. */
const IDLE_LIMIT_S = 2;

/**
 * A past run's terminal session played back from its journal, in asciinema's
 * own web player (asciinema-player: the well-kept player of the asciicast
 * format `runsheet recording` writes): play and pause, speed, and a jump to
 * where each step started. The recording is the journal's bytes (redacted as
 * recorded); a step's output past the replay's limit is left out with a note.
 */
export function ReplayDialog({
  runId,
  title,
  load,
  names,
  onClose,
}: {
  runId: string;
  title: string;
  load(runId: string): Promise<Recording>;
  /** Step names by id, from the runbook the run used. */
  names: Record<string, string>;
  onClose(): void;
}) {
  const [recording, setRecording] = useState<Recording | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [speed, setSpeed] = useState<number>(1);
  const [playing, setPlaying] = useState(false);
  const [current, setCurrent] = useState<string | null>(null);
  const holder = useRef<HTMLDivElement>(null);
  const player = useRef<Player | null>(null);
  /** Where to go on from when the player is made again (a new speed). */
  const resume = useRef<{ at: number; play: boolean }>({ at: 0, play: false });

  useEffect(() => {
    let stop = false;
    load(runId).then(
      (r) => !stop && setRecording(r),
      (e: Error) => !stop && setError(e.message),
    );
    return () => {
      stop = true;
    };
  }, [load, runId]);

  // The player, made again for a new speed (it takes the speed when made), where it was.
  useEffect(() => {
    const el = holder.current;
    if (!recording || !el) return;
    const { at, play } = resume.current;
    const made = create({ data: recording.cast }, el, {
      speed,
      idleTimeLimit: IDLE_LIMIT_S,
      fit: 'width',
      controls: true,
      startAt: at,
      autoPlay: play,
      terminalFontFamily: 'var(--mono)',
    });
    made.addEventListener('play', () => setPlaying(true));
    made.addEventListener('playing', () => setPlaying(true));
    made.addEventListener('pause', () => setPlaying(false));
    made.addEventListener('ended', () => setPlaying(false));
    made.addEventListener('marker', ({ index }) => {
      const marker = recording.markers[index];
      if (marker) setCurrent(marker.stepId);
    });
    player.current = made;
    return () => {
      resume.current = { at: made.getCurrentTime(), play: false };
      made.dispose();
      player.current = null;
    };
  }, [recording, speed]);

  const starts = (recording?.markers ?? [])
    .map((m, index) => ({ ...m, index }))
    .filter((m) => m.text === 'started');

  return (
    <ModalDialog
      title={`Replay: ${title}`}
      full
      onClose={onClose}
      testId="replay-dialog"
      actions={
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Close
        </button>
      }
    >
      <div className="replay-tools">
        <button
          type="button"
          className="btn btn-small btn-secondary"
          disabled={!recording}
          onClick={() => void (playing ? player.current?.pause() : player.current?.play())}
          data-testid="replay-play"
        >
          {playing ? 'Pause' : 'Play'}
        </button>
        <label>
          Speed{' '}
          <select
            className="input input-small"
            value={speed}
            onChange={(e) => {
              const p = player.current;
              if (p) resume.current = { at: p.getCurrentTime(), play: playing };
              setSpeed(Number(e.target.value));
            }}
            data-testid="replay-speed"
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          pauses over {IDLE_LIMIT_S} s play as {IDLE_LIMIT_S} s
        </span>
      </div>
      {error && (
        <div className="banner banner-problems" role="alert">
          {error}
        </div>
      )}
      <div className="replay-body">
        <ol className="replay-steps" aria-label="Steps">
          {starts.map((m) => (
            <li key={m.index}>
              <button
                type="button"
                className={`replay-step${current === m.stepId ? ' is-current' : ''}`}
                onClick={() => {
                  setCurrent(m.stepId);
                  void player.current?.seek({ marker: m.index });
                }}
                data-testid="replay-step"
              >
                <span>{names[m.stepId] ?? m.stepId}</span>
                <span className="muted">{formatDuration(m.time * 1000)}</span>
              </button>
            </li>
          ))}
          {recording && starts.length === 0 && <li className="muted">No step ran in a shell.</li>}
        </ol>
        <div className="replay-screen">
          {!recording && !error && <div className="muted">Reading the journal…</div>}
          <div className="replay-player" ref={holder} data-testid="replay-player" />
        </div>
      </div>
    </ModalDialog>
  );
}
