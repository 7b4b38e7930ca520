// The side panel: session totals, the gift leaderboard, the platform chats being read (and
// the form to connect one), and the chat list (virtualized), with moderation on every line.
// Audience text is always set as textContent.
import type { Actions } from "../actions";
import type { ChatItem } from "../bindings/ChatItem";
import { el, fill } from "../dom";
import type { View } from "../store";
import { VirtualList } from "../virtual_list";
import { ConnectorsPanel } from "./connectors";

const ROW_HEIGHT = 52;

export class ChatPanel {
  readonly root = el("aside", { className: "panel chat", "data-testid": "chat-panel" });
  private readonly summary = el("div", { className: "audience-summary", "data-testid": "audience-summary" });
  private readonly viewport = el("div", { className: "chat-list", "data-testid": "chat-list" });
  private readonly blocked = el("div", { className: "blocked" });
  private readonly list: VirtualList<ChatItem>;
  readonly connectors: ConnectorsPanel;

  constructor(private readonly actions: Actions) {
    this.list = new VirtualList(this.viewport, ROW_HEIGHT, (item) => item.id, (item) => this.row(item));
    this.connectors = new ConnectorsPanel(actions);
    fill(this.root, el("h2", { text: "Audience" }), this.summary, this.connectors.root, this.viewport, this.blocked, actions.errorLine("chat"));
  }

  renderChat(view: View): void {
    this.list.set(view.chat);
  }

  renderSummary(view: View): void {
    const audience = view.state?.audience;
    if (!audience) return;
    const sources = audience.sources.length ? audience.sources.join(", ") : "no audience source connected";
    const totals = audience.gift_totals.map((t) => `${t.total} ${t.currency}`).join(" · ") || "no gifts yet";
    fill(this.summary,
      el("p", { className: "muted", text: `From ${sources}` }),
      el("p", { "data-testid": "audience-totals", text: `${audience.chats} chats · ${audience.gifts} gifts · ${audience.likes} likes · ${audience.orders} orders` }),
      el("p", { className: "gift-totals", text: `Gifts: ${totals}` }),
      el("ol", { className: "leaderboard", "data-testid": "leaderboard" },
        ...audience.leaderboard.map((row) => el("li", { text: `${row.name} — ${row.total} ${row.currency}` }))));
    const blockedUsers = view.state?.blocked_users ?? [];
    fill(this.blocked, ...blockedUsers.map((user) =>
      el("button", { className: "chip", title: "Unblock", text: `✕ ${user}`, onclick: () => void this.actions.run("chat", { type: "unblock_user", user }) })));
  }

  private row(item: ChatItem): HTMLElement {
    return el("div", { className: `chat-row kind-${item.kind}`, "data-testid": "chat-row", "data-id": item.id },
      el("div", { className: "chat-line" },
        el("span", { className: "chat-user", text: item.user || item.platform }),
        item.amount ? el("span", { className: "chat-amount", text: item.amount }) : null,
        el("span", { className: "chat-text", text: item.text })),
      el("div", { className: "chat-tools" },
        el("button", { className: "tool", title: "Hide this message", text: "Hide", onclick: () => void this.actions.run("chat", { type: "hide_message", id: item.id }) }),
        item.user_key
          ? el("button", { className: "tool", title: "Block this viewer", text: "Block", onclick: () => void this.actions.run("chat", { type: "block_user", user: item.user_key }) })
          : null));
  }
}
