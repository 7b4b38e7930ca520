// A list that only puts the visible rows in the DOM, so 10,000 messages scroll as smoothly
// as 10. Rows have one fixed height; the spacer gives the scrollbar its full length. Rows
// are kept by key while they stay in view, so a new message does not rebuild the others,
// and the list stops following new messages while the pointer is over it (so a moderator
// can hit "Block" on a line without it running away).

export interface Window {
  first: number;
  last: number; // exclusive
}

/** The rows to draw for a viewport: those visible plus `overscan` on each side. */
export function visibleWindow(count: number, rowHeight: number, scrollTop: number, height: number, overscan = 6): Window {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

export class VirtualList<T> {
  private readonly spacer: HTMLDivElement;
  private items: T[] = [];
  private followTail = true;
  private pointerInside = false;
  private scheduled = false;
  private rendered = new Map<string, HTMLElement>();

  constructor(
    private readonly viewport: HTMLElement,
    private readonly rowHeight: number,
    private readonly key: (item: T) => string,
    private readonly renderRow: (item: T) => HTMLElement,
  ) {
    this.spacer = document.createElement("div");
    this.spacer.className = "virtual-spacer";
    viewport.replaceChildren(this.spacer);
    viewport.addEventListener("scroll", () => {
      const bottom = viewport.scrollHeight - viewport.clientHeight;
      this.followTail = viewport.scrollTop >= bottom - this.rowHeight;
      this.schedule();
    });
    viewport.addEventListener("mouseenter", () => (this.pointerInside = true));
    viewport.addEventListener("mouseleave", () => {
      this.pointerInside = false;
      this.schedule();
    });
  }

  /** New contents; drawn on the next animation frame, at most once per frame. */
  set(items: T[]): void {
    this.items = items;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    this.spacer.style.height = `${this.items.length * this.rowHeight}px`;
    if (this.followTail && !this.pointerInside) this.viewport.scrollTop = this.viewport.scrollHeight;
    const window = visibleWindow(this.items.length, this.rowHeight, this.viewport.scrollTop, this.viewport.clientHeight);
    const next = new Map<string, HTMLElement>();
    for (let i = window.first; i < window.last; i++) {
      const key = this.key(this.items[i]);
      const row = this.rendered.get(key) ?? this.renderRow(this.items[i]);
      row.style.top = `${i * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      if (!row.isConnected) this.spacer.append(row);
      next.set(key, row);
    }
    for (const [key, row] of this.rendered) if (!next.has(key)) row.remove();
    this.rendered = next;
  }
}
