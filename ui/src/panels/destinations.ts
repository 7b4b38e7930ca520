// Destinations: platform presets, the stream key typed once (stored in the OS keyring by the
// studio, never shown again), per-destination state, health and broadcast delay.
import type { Actions } from "../actions";
import type { HealthView } from "../bindings/HealthView";
import type { OutputPhase } from "../bindings/OutputPhase";
import { studioText } from "../messages";
import type { PlatformId } from "../bindings/PlatformId";
import { el, fill, tr } from "../dom";
import { decimal } from "../format";
import { t } from "../i18n";
import { healthClass, type View } from "../store";
import { refillingText } from "./kill_switch";

/** Ingest servers as the platforms publish them; the operator can still edit the URL. The
 * name is a catalogue key (platform names are brands: 抖音 in Chinese, Douyin in English). */
export const PRESETS: { id: PlatformId; name: string; url: string }[] = [
  { id: "douyin", name: "platforms.douyin", url: "rtmp://push-rtmp-l1.douyincdn.com/stage/" },
  { id: "bilibili", name: "platforms.bilibili", url: "rtmp://live-push.bilivideo.com/live-bvc/" },
  { id: "kuaishou", name: "platforms.kuaishou", url: "rtmp://open-push.voip.yximgs.com/gifshow/" },
  { id: "taobao", name: "platforms.taobao", url: "rtmp://livepush.taobao.com/mediaplatform/" },
  { id: "youtube", name: "platforms.youtube", url: "rtmp://a.rtmp.youtube.com/live2/" },
  { id: "twitch", name: "platforms.twitch", url: "rtmp://live.twitch.tv/app/" },
  { id: "tiktok", name: "platforms.tiktok", url: "rtmps://" },
  { id: "custom", name: "platforms.custom", url: "rtmp://" },
];

/** A platform's name as the UI's language writes it (a platform it does not know, as is). */
export function platformName(id: string): string {
  const preset = PRESETS.find((p) => p.id === id);
  return preset ? t(preset.name) : id;
}

/** A destination's health advice, in the UI's language when the studio sent its key. */
function adviceText(health: HealthView): string {
  return health.level === "warning" || health.level === "error" ? studioText({ message: health.advice, key: health.key, args: health.args }) : "";
}

function stateWord(state: OutputPhase): string {
  switch (state.state) {
    case "reconnecting":
      return t("destinations.reconnecting", { attempt: state.attempt, reason: state.reason });
    case "failed":
      return t("destinations.failed", { reason: state.reason });
    default:
      return t(`destinations.state.${state.state}`);
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
      el("span", { className: `dot ${health}`, title: t(`destinations.health.${health}`) }),
      el("div", { className: "destination-text" },
        el("strong", { text: `${d.id} · ${platformName(d.platform)}` }),
        el("span", { className: "muted", text: d.url + (d.has_key ? ` · ${t("destinations.key_in_keyring")}` : "") }),
        el("span", { className: "delay", "data-testid": `dest-delay-${d.id}`, text: t("destinations.delay", { s: d.delay_seconds }) }),
        state.kill_switch.on ? el("span", { className: "advice", text: t("destinations.slate") }) : null,
        refilling.has(d.id) ? el("span", { className: "advice", "data-testid": `dest-refilling-${d.id}`, text: refillingText([d.id]) }) : null,
        el("span", { "data-testid": `dest-state-${d.id}`, text: stateWord(d.state) }),
        measured ? el("span", { className: "muted", text: t("destinations.measured", { fps: decimal(measured.fps, 1), kbps: Math.round(measured.bitrate_kbps), dropped: measured.dropped_frames }) }) : null,
        advice ? el("span", { className: "advice", text: adviceText(d.health) }) : null),
      live
        ? d.state.state === "live" || d.state.state === "connecting" || d.state.state === "reconnecting"
          ? el("button", { className: "secondary", text: t("destinations.stop"), onclick: () => void actions.run("destinations", { type: "stop_destination", id: d.id }) })
          : el("button", { className: "secondary", text: t("destinations.start"), onclick: () => void actions.run("destinations", { type: "start_destination", id: d.id }) })
        : el("button", { className: "secondary", text: t("destinations.remove"), onclick: () => void actions.run("destinations", { type: "remove_destination", id: d.id }) }));
  });
  fill(root,
    el("h2", { text: t("destinations.title") }),
    rows.length ? el("ul", { className: "destinations" }, ...rows) : el("p", { className: "muted", text: t("destinations.none") }),
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
    ...PRESETS.map((p) => el("option", { value: p.id, text: tr(p.name) })));
  const name = el("input", { name: "id", placeholder: tr("destinations.name_placeholder"), required: true, "data-testid": "dest-id", autocomplete: "off" });
  const url = el("input", { name: "url", placeholder: tr("destinations.url_placeholder"), required: true, "data-testid": "dest-url", autocomplete: "off", value: PRESETS[0].url });
  const key = el("input", { name: "key", type: "password", placeholder: tr("destinations.key_placeholder"), "data-testid": "dest-key", autocomplete: "new-password" });
  platform.addEventListener("change", () => {
    url.value = PRESETS.find((p) => p.id === platform.value)?.url ?? "";
  });
  const form = el("form", { className: "add-destination", "data-testid": "dest-form" },
    platform, name, url, key, el("button", { type: "submit", text: tr("destinations.add") }));
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
