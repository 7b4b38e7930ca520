// The side panel: session totals, the gift leaderboard, the platform chats being read (and
// the form to connect one), and the chat list (virtualized), with moderation on every line.
// Audience text is always set as textContent.
import type { Actions } from "../actions";
import type { ChatItem } from "../bindings/ChatItem";
import { el, fill, tr } from "../dom";
import { compact, money } from "../format";
import { t } from "../i18n";
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
    fill(this.root, el("h2", { text: tr("chat.title") }), this.summary, this.connectors.root, this.viewport, this.blocked, actions.errorLine("chat"));
  }

  renderChat(view: View): void {
    this.list.set(view.chat);
  }

  renderSummary(view: View): void {
    const audience = view.state?.audience;
    if (!audience) return;
    const sources = audience.sources.length ? t("chat.from", { sources: audience.sources.join(t("chat.list_separator")) }) : t("chat.no_source");
    const totals = audience.gift_totals.map((g) => money(g.total, g.currency)).join(" · ") || t("chat.no_gifts");
    fill(this.summary,
      el("p", { className: "muted", text: sources }),
      el("p", {
        "data-testid": "audience-totals",
        text: t("chat.totals", { chats: compact(audience.chats), gifts: compact(audience.gifts), likes: compact(audience.likes), orders: compact(audience.orders) }),
      }),
      el("p", { className: "gift-totals", text: t("chat.gifts", { totals }) }),
      el("ol", { className: "leaderboard", "data-testid": "leaderboard" },
        ...audience.leaderboard.map((row) => el("li", { text: `${row.name} — ${money(row.total, row.currency)}` }))));
    const blockedUsers = view.state?.blocked_users ?? [];
    fill(this.blocked, ...blockedUsers.map((user) =>
      el("button", { className: "chip", title: t("chat.unblock"), text: `✕ ${user}`, onclick: () => void this.actions.run("chat", { type: "unblock_user", user }) })));
  }

  private row(item: ChatItem): HTMLElement {
    return el("div", { className: `chat-row kind-${item.kind}`, "data-testid": "chat-row", "data-id": item.id },
      el("div", { className: "chat-line" },
        el("span", { className: "chat-user", text: item.user || item.platform }),
        item.amount ? el("span", { className: "chat-amount", text: item.amount }) : null,
        el("span", { className: "chat-text", text: item.text })),
      el("div", { className: "chat-tools" },
        el("button", { className: "tool", title: t("chat.hide_title"), text: t("chat.hide"), onclick: () => void this.actions.run("chat", { type: "hide_message", id: item.id }) }),
        item.user_key
          ? el("button", { className: "tool", title: t("chat.block_title"), text: t("chat.block"), onclick: () => void this.actions.run("chat", { type: "block_user", user: item.user_key }) })
          : null));
  }
}
