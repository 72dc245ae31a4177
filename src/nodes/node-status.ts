import type { Node } from 'node-red';
import { causeText } from '../engine/errors';

/** Node-RED status texts are cut in the editor; keep them readable. */
export function shortText(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export type Status = { fill: 'red' | 'yellow' | 'blue' | 'green'; shape: 'ring' | 'dot'; text: string };

/**
 * The colours every node of the package uses: red = a person must act (a failure, a refused
 * setting; a ring when nothing runs), yellow = works with a caveat, blue = working or queued,
 * green = all done. Texts are shortened here, once.
 */
export const tone = {
  red: (text: string, shape: 'ring' | 'dot' = 'ring'): Status => ({ fill: 'red', shape, text: shortText(text) }),
  yellow: (text: string, shape: 'ring' | 'dot' = 'dot'): Status => ({ fill: 'yellow', shape, text: shortText(text) }),
  blue: (text: string): Status => ({ fill: 'blue', shape: 'dot', text: shortText(text) }),
  green: (text: string): Status => ({ fill: 'green', shape: 'dot', text: shortText(text) }),
};

/** A red ring with the cause alone (the call and the details go to Catch nodes). */
export function errorStatus(err: unknown): Status {
  return tone.red(causeText(err));
}

/** What the status helper listens to: the connection's 'changed' event. */
interface ChangeSource {
  on(event: 'changed', listener: () => void): unknown;
  off(event: 'changed', listener: () => void): unknown;
}

/**
 * One node's status: a fixed problem (a refused setting, a missing connection) shown in red until
 * cleared, else what `render` draws from recorded state — redrawn when the connection reports a
 * change, at most once per `debounceMs` (a status per change would flood the editor).
 */
export class NodeStatus {
  private timer: NodeJS.Timeout | undefined;
  private fixed: string | undefined;
  private readonly onChanged = (): void => {
    this.timer ??= setTimeout(() => this.show(), this.debounceMs);
  };

  constructor(
    private readonly node: Node,
    private readonly render: (() => Status | undefined) | undefined,
    private readonly source?: ChangeSource,
    private readonly debounceMs = 250,
  ) {
    if (render) source?.on('changed', this.onChanged);
  }

  /** Redraw now (the debounced redraw is due anyway). */
  show(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fixed !== undefined) return this.node.status(tone.red(this.fixed));
    if (!this.render) return;
    try {
      const s = this.render();
      if (s) this.node.status(s);
    } catch (err) {
      this.node.status(errorStatus(err));
    }
  }

  /** A redraw soon (coalesced with other changes). */
  refresh(): void {
    this.onChanged();
  }

  /** A problem that stays red until `problem(undefined)`; the node refuses its inputs meanwhile. */
  problem(text: string | undefined): void {
    this.fixed = text;
    this.show();
  }

  get hasProblem(): boolean {
    return this.fixed !== undefined;
  }

  /** Shown as is, until the next redraw. */
  set(status: Status): void {
    this.node.status(status);
  }

  fail(err: unknown): void {
    this.node.status(errorStatus(err));
  }

  close(): void {
    this.source?.off('changed', this.onChanged);
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
