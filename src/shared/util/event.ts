/** Something that holds resources and releases them when disposed. */
export interface Disposable {
  dispose(): void;
}

/** A subscription function in the VS Code style: call it with a listener, get a disposable back. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** A minimal event source (VS Code's `Emitter`): owners fire, everyone else subscribes via `event`. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Collects disposables so an owner can release everything it holds in one call. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  add<T extends Disposable>(item: T): T {
    this.items.push(item);
    return item;
  }
  dispose(): void {
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) item.dispose();
  }
}
