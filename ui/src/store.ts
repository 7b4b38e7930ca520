// The UI's copy of the studio, built only from the studio's events: nothing here is guessed.
import type { ChatItem } from "./bindings/ChatItem";
import type { Event } from "./bindings/Event";
import type { HealthView } from "./bindings/HealthView";
import type { LevelView } from "./bindings/LevelView";
import type { SourceLevelView } from "./bindings/SourceLevelView";
import type { OutputPhase } from "./bindings/OutputPhase";
import type { StatsView } from "./bindings/StatsView";
import type { StudioState } from "./bindings/StudioState";
import type { NoticeLevel } from "./bindings/NoticeLevel";

/** Messages kept in the panel; older ones scroll away. */
export const CHAT_LIMIT = 10_000;

export interface Notice {
  level: NoticeLevel;
  /** The studio's words in English, and the catalogue key and arguments to translate them. */
  message: string;
  key?: string;
  args?: Partial<Record<string, string>>;
  at: number;
}

export interface View {
  state: StudioState | null;
  stats: StatsView | null;
  chat: ChatItem[];
  notices: Notice[];
  /** The latest meters (`audio_levels`), ten a second while the program runs. */
  levels: { sources: SourceLevelView[]; master: LevelView } | null;
}

export function emptyView(): View {
  return { state: null, stats: null, chat: [], notices: [], levels: null };
}

/** What changed, so only those panels are drawn again. */
export type Change = "state" | "stats" | "chat" | "notice" | "audience" | "levels";

export function applyEvent(view: View, event: Event, now = Date.now()): Change {
  switch (event.type) {
    case "state":
      view.state = event.state;
      // The state carries the latest messages; keep what we have beyond them.
      if (view.chat.length === 0) view.chat = [...event.state.chat];
      if (event.state.phase.phase === "idle") view.stats = null;
      return "state";
    case "stats":
      view.stats = event.stats;
      if (view.state) {
        for (const output of event.stats.outputs) {
          const destination = view.state.destinations.find((d) => d.id === output.id);
          if (destination) {
            destination.state = output.state;
            destination.health = output.health;
          }
        }
      }
      return "stats";
    case "output":
      setOutput(view, event.id, event.state);
      return "state";
    case "notice":
      view.notices.push({ level: event.level, message: event.message, key: event.key, args: event.args, at: now });
      if (view.notices.length > 50) view.notices.splice(0, view.notices.length - 50);
      return "notice";
    case "chat":
      view.chat.push(...event.items);
      if (view.chat.length > CHAT_LIMIT) view.chat.splice(0, view.chat.length - CHAT_LIMIT);
      return "chat";
    case "chat_hidden": {
      const hidden = new Set(event.ids);
      view.chat = view.chat.filter((item) => !hidden.has(item.id));
      return "chat";
    }
    case "audience":
      if (view.state) view.state.audience = event.summary;
      return "audience";
    case "audio_levels":
      view.levels = { sources: event.sources, master: event.master };
      return "levels";
  }
}

function setOutput(view: View, id: string, state: OutputPhase): void {
  const destination = view.state?.destinations.find((d) => d.id === id);
  if (destination) destination.state = state;
}

/** A word and a colour class for an output's health. */
export function healthClass(state: OutputPhase, health: HealthView): "good" | "warning" | "error" | "idle" {
  if (state.state === "failed") return "error";
  if (state.state === "reconnecting") return "warning";
  if (state.state !== "live") return "idle";
  if (health.level === "unknown") return "idle";
  return health.level;
}
