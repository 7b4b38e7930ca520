// "Connect chat": which platform's chat the studio should read. The key (YouTube's API key,
// Bilibili's danmaku token) is typed once: it leaves the field as soon as the command is
// sent, success or not, and the studio files it in the OS keyring and never sends it back.
import type { Actions } from "../actions";
import type { Command } from "../bindings/Command";
import { el, tr } from "../dom";
import { onLanguage, t } from "../i18n";

export interface ChatPlatform {
  id: "twitch" | "youtube" | "bilibili";
  name: string;
  /** The catalogue key of the room's label. */
  room: string;
  /** The catalogue key of the key's label, when the platform takes one. */
  key: string | null;
}

export const CHAT_PLATFORMS: ChatPlatform[] = [
  { id: "twitch", name: "Twitch", room: "connect.twitch_room", key: null },
  { id: "youtube", name: "YouTube", room: "connect.youtube_room", key: "connect.youtube_key" },
  { id: "bilibili", name: "Bilibili", room: "connect.bilibili_room", key: "connect.bilibili_key" },
];

export function chatPlatform(id: string): ChatPlatform {
  return CHAT_PLATFORMS.find((p) => p.id === id) ?? CHAT_PLATFORMS[0];
}

/** The command for what the form holds; empty optional fields go as null. */
export function connectCommand(platform: string, room: string, key: string, endpoint: string): Command {
  const takesKey = chatPlatform(platform).key !== null;
  return {
    type: "connect_audience",
    platform,
    room: room.trim(),
    key: takesKey && key !== "" ? key : null,
    endpoint: endpoint.trim() === "" ? null : endpoint.trim(),
  };
}

/** The form, built once (typing survives the state events); errors go to `panel`'s line. */
export function connectForm(actions: Actions, panel: string): HTMLFormElement {
  const platform = el("select", { name: "platform", "data-testid": "connect-platform", "aria-label": tr("connect.platform") },
    ...CHAT_PLATFORMS.map((p) => el("option", { value: p.id, text: tr(`platforms.${p.id}`) })));
  const room = el("input", { name: "room", required: true, autocomplete: "off", "data-testid": "connect-room" });
  const roomLabel = el("span", { className: "field-name" });
  const key = el("input", { name: "key", type: "password", autocomplete: "new-password", placeholder: tr("connect.key_placeholder"), "data-testid": "connect-key" });
  const keyName = el("span", { className: "field-name" });
  const keyField = el("label", { className: "field", "data-testid": "connect-key-field" }, keyName, key);
  const endpoint = el("input", { name: "endpoint", autocomplete: "off", placeholder: tr("connect.endpoint_placeholder"), "data-testid": "connect-endpoint" });
  const show = () => {
    const chosen = chatPlatform(platform.value);
    roomLabel.textContent = t(chosen.room);
    room.placeholder = t(chosen.room);
    keyName.textContent = chosen.key ? t(chosen.key) : "";
    keyField.hidden = chosen.key === null;
  };
  platform.addEventListener("change", () => {
    key.value = ""; // a key typed for one platform never goes to another
    show();
  });
  show();
  onLanguage(show);

  const form = el("form", { className: "connect-chat", "data-testid": "connect-form", "aria-label": tr("connect.submit") },
    el("div", { className: "connect-row" }, platform, el("label", { className: "field" }, roomLabel, room)),
    keyField,
    el("details", { className: "connect-advanced" },
      el("summary", { text: tr("connect.advanced") }),
      el("label", { className: "field", title: tr("connect.endpoint_title") },
        el("span", { className: "field-name", text: tr("connect.endpoint") }), endpoint)),
    el("button", { type: "submit", "data-testid": "connect-submit", text: tr("connect.submit") }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const command = connectCommand(platform.value, room.value, key.value, endpoint.value);
    key.value = ""; // sent: the key leaves the page now, whatever the studio answers
    if (await actions.run(panel, command)) room.value = "";
  });
  return form;
}
