// Destinations: platform presets, the stream key typed once (stored in the OS keyring by the
// studio, never shown again), per-destination state, health and broadcast delay.
import type { Actions } from "../actions";
import type { OutputPhase } from "../bindings/OutputPhase";
import type { PlatformId } from "../bindings/PlatformId";
import { el, fill } from "../dom";
import { healthClass, type View } from "../store";
import { refillingText } from "./kill_switch";

/** Ingest servers as the platforms publish them; the operator can still edit the URL. */
export const PRESETS: { id: PlatformId; name: string; url: string }[] = [
  { id: "douyin", name: "Douyin 抖音", url: "rtmp://push-rtmp-l1.douyincdn.com/stage/" },
  { id: "bilibili", name: "Bilibili 哔哩哔哩", url: "rtmp://live-push.bilivideo.com/live-bvc/" },
  { id: "kuaishou", name: "Kuaishou 快手", url: "rtmp://open-push.voip.yximgs.com/gifshow/" },
  { id: "taobao", name: "Taobao Live 淘宝直播", url: "rtmp://livepush.taobao.com/mediaplatform/" },
  { id: "youtube", name: "YouTube", url: "rtmp://a.rtmp.youtube.com/live2/" },
  { id: "twitch", name: "Twitch", url: "rtmp://live.twitch.tv/app/" },
  { id: "tiktok", name: "TikTok", url: "rtmps://" },
  { id: "custom", name: "Custom RTMP / SRT", url: "rtmp://" },
];

function stateWord(state: OutputPhase): string {
  switch (state.state) {
    case "reconnecting":
      return `reconnecting (try ${state.attempt}): ${state.reason}`;
    case "failed":
      return `failed: ${state.reason}`;
    default:
      return state.state;
  }
}

export function renderDestinations(root: HTMLElement, view: View, actions: Actions): void {
  const state = view.state;
  if (!state) return;
  const live = state.phase.phase === "live" || state.phase.phase === "starting";
  const stats = new Map((view.stats?.outputs ?? []).map((o) => [o.id, o]));
  const refilling = new Set(state.kill_switch.refilling);
  const rows = state.destinations.map((d) => {
    const health = healthClass(d.state, d.health);
    const measured = stats.get(d.id);
    const advice = d.health.level === "warning" || d.health.level === "error" ? d.health.advice : "";
    return el("li", { className: "destination", "data-testid": `dest-${d.id}`, "data-state": d.state.state, "data-health": health },
      el("span", { className: `dot ${health}`, title: health }),
      el("div", { className: "destination-text" },
        el("strong", { text: `${d.id} · ${PRESETS.find((p) => p.id === d.platform)?.name ?? d.platform}` }),
        el("span", { className: "muted", text: d.url + (d.has_key ? " · key in keyring" : "") }),
        el("span", { className: "delay", "data-testid": `dest-delay-${d.id}`, text: `delay ${d.delay_seconds} s` }),
        state.kill_switch.on ? el("span", { className: "advice", text: "safe slate on air" }) : null,
        refilling.has(d.id) ? el("span", { className: "advice", "data-testid": `dest-refilling-${d.id}`, text: refillingText([d.id]) }) : null,
        el("span", { "data-testid": `dest-state-${d.id}`, text: stateWord(d.state) }),
        measured ? el("span", { className: "muted", text: `${measured.fps.toFixed(1)} fps · ${Math.round(measured.bitrate_kbps)} kbps · ${measured.dropped_frames} dropped` }) : null,
        advice ? el("span", { className: "advice", text: advice }) : null),
      live
        ? d.state.state === "live" || d.state.state === "connecting" || d.state.state === "reconnecting"
          ? el("button", { className: "secondary", text: "Stop", onclick: () => void actions.run("destinations", { type: "stop_destination", id: d.id }) })
          : el("button", { className: "secondary", text: "Start", onclick: () => void actions.run("destinations", { type: "start_destination", id: d.id }) })
        : el("button", { className: "secondary", text: "Remove", onclick: () => void actions.run("destinations", { type: "remove_destination", id: d.id }) }));
  });
  fill(root,
    el("h2", { text: "Destinations" }),
    rows.length ? el("ul", { className: "destinations" }, ...rows) : el("p", { className: "muted", text: "No destination yet: the show is recorded locally only." }),
    formFor(root, actions),
    actions.errorLine("destinations"));
}

const forms = new WeakMap<HTMLElement, HTMLFormElement>();

/** The add form, built once per panel: typing survives the state events (a retrying chat
 * connector announces the state about once a second). */
function formFor(root: HTMLElement, actions: Actions): HTMLFormElement {
  let form = forms.get(root);
  if (!form) {
    form = addForm(actions);
    forms.set(root, form);
  }
  return form;
}

function addForm(actions: Actions): HTMLFormElement {
  const platform = el("select", { name: "platform", "data-testid": "dest-platform" },
    ...PRESETS.map((p) => el("option", { value: p.id, text: p.name })));
  const name = el("input", { name: "id", placeholder: "name, e.g. bili-main", required: true, "data-testid": "dest-id", autocomplete: "off" });
  const url = el("input", { name: "url", placeholder: "ingest URL", required: true, "data-testid": "dest-url", autocomplete: "off", value: PRESETS[0].url });
  const key = el("input", { name: "key", type: "password", placeholder: "stream key (stored in the keyring)", "data-testid": "dest-key", autocomplete: "new-password" });
  platform.addEventListener("change", () => {
    url.value = PRESETS.find((p) => p.id === platform.value)?.url ?? "";
  });
  const form = el("form", { className: "add-destination", "data-testid": "dest-form" },
    platform, name, url, key, el("button", { type: "submit", text: "Add destination" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ok = await actions.run("destinations", {
      type: "add_destination",
      id: name.value,
      platform: platform.value as PlatformId,
      url: url.value,
      key: key.value === "" ? null : key.value,
    });
    // The key leaves the page either way: it is typed once.
    key.value = "";
    if (ok) name.value = "";
  });
  return form;
}
