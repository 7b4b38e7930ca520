// The studio screen: header (show, phase, Save show, the session report, the kill switch,
// REC, Go Live / End), the kill-switch banner, notices, the panels, the chat side.
import { Actions } from "./actions";
import { blockedDialog } from "./blocked_dialog";
import type { ConnectionStatus, StudioClient } from "./client";
import { el, fill, retranslate, tr } from "./dom";
import { decimal } from "./format";
import { onLanguage, t } from "./i18n";
import { languageSwitch } from "./language_switch";
import { studioText } from "./messages";
import { commandForKey, isSaveKey, isTyping } from "./hotkeys";
import { ChatPanel } from "./panels/chat";
import { LayerBuilderPanel } from "./panels/build_layers";
import { MixerPanel } from "./panels/mixer";
import { ProductBuilderPanel } from "./panels/build_products";
import { SceneListPanel } from "./panels/build_scenes";
import { SettingsPanel } from "./panels/build_settings";
import { renderDestinations } from "./panels/destinations";
import { KillSwitch } from "./panels/kill_switch";
import { renderLooks } from "./panels/looks";
import { PreviewPanel } from "./panels/preview";
import { RecordButton } from "./panels/recording";
import { renderProducts } from "./panels/products";
import { RunOfShowPanel } from "./panels/run_of_show";
import { renderScenes } from "./panels/scenes";
import { StudioModePanel } from "./panels/studio_mode";
import { ReportButton } from "./report_button";
import { SaveButton } from "./save_button";
import { applyEvent, emptyView, type View } from "./store";

export function startApp(root: HTMLElement, client: StudioClient): void {
  const view: View = emptyView();
  const toasts = el("div", { className: "toasts", "data-testid": "notices", "aria-live": "polite" });
  const toast = (level: "info" | "warning" | "error", message: string) => {
    const item = el("div", { className: `toast ${level}`, text: message });
    toasts.append(item);
    while (toasts.childElementCount > 4) toasts.firstElementChild?.remove();
    setTimeout(() => item.remove(), level === "error" ? 12000 : 6000);
  };
  const actions = new Actions(client, toast);
  const blocked = blockedDialog();
  actions.onBlocked = blocked.open;

  const title = el("h1", { text: "Kaibo Studio" });
  const language = languageSwitch();
  const phase = el("span", { className: "phase", "data-testid": "phase" });
  const connection = el("span", { className: "connection", "data-testid": "connection" });
  const goLive = el("button", { className: "go-live", "data-testid": "go-live" });
  const kill = new KillSwitch(actions);
  const report = new ReportButton(client, actions);
  const save = new SaveButton(actions);
  const rec = new RecordButton(actions);
  const header = el("header", {}, title, phase, connection, language, save.root, report.root, kill.button, rec.root, goLive);
  const preview = new PreviewPanel(client, actions);
  const studioMode = new StudioModePanel(client, actions);
  const runOfShow = new RunOfShowPanel(actions);
  const health = el("section", { className: "panel health", "data-testid": "health" });
  const mixer = new MixerPanel(actions);
  const scenes = el("section", { className: "panel scenes" });
  const looks = el("section", { className: "panel looks" });
  const products = el("section", { className: "panel products-panel" });
  const destinations = el("section", { className: "panel destinations-panel" });
  const chat = new ChatPanel(actions);
  // Building the show: scenes, layers of any scene, the catalogue, settings.
  const builders = [new SceneListPanel(actions), new LayerBuilderPanel(actions, client), new ProductBuilderPanel(actions, client), new SettingsPanel(actions)];
  const build = el("details", { className: "build", "data-testid": "build" },
    el("summary", { text: tr("app.build") }), ...builders.map((b) => b.root));
  const dialog = el("dialog", { "data-testid": "confirm-dialog" });
  fill(root, header, kill.banner, toasts,
    el("main", {},
      el("div", { className: "column left" }, scenes, looks, products),
      el("div", { className: "column center" },
        el("div", { className: "monitors" }, studioMode.monitor, preview.root), studioMode.root, mixer.root, runOfShow.root, health, destinations, build),
      chat.root),
    dialog, blocked.root);

  const confirm = (question: string, yes: string): Promise<boolean> =>
    new Promise((resolve) => {
      const done = (answer: boolean) => {
        dialog.close();
        resolve(answer);
      };
      fill(dialog,
        el("p", { text: question }),
        el("div", { className: "dialog-buttons" },
          el("button", { className: "secondary", text: t("app.cancel"), "data-testid": "confirm-no", onclick: () => done(false) }),
          el("button", { className: "go-live", text: yes, "data-testid": "confirm-yes", onclick: () => done(true) })));
      dialog.showModal();
    });

  goLive.addEventListener("click", async () => {
    const state = view.state;
    if (!state) return;
    const live = state.phase.phase === "live" || state.phase.phase === "starting";
    if (live) {
      const own = state.recording?.running && !state.recording.with_live;
      const question = own
        ? t("app.end_question_rec")
        : t("app.end_question");
      if (await confirm(question, t("app.end_show"))) {
        await actions.run("header", { type: "end_show" });
      }
    } else {
      const count = state.destinations.filter((d) => d.enabled).length;
      const question = count ? t("app.go_live_question", { count }) : t("app.go_live_recording_only");
      if (await confirm(question, t("app.go_live"))) await actions.run("header", { type: "go_live" });
    }
  });
  header.append(actions.errorLine("header"), actions.errorLine("kill"), actions.errorLine("save"), actions.errorLine("rec"));

  const renderHeader = () => {
    const state = view.state;
    if (!state) return;
    title.textContent = state.show_name || "Kaibo Studio";
    const p = state.phase;
    phase.textContent = p.phase === "failed" ? t("phase.failed", { reason: p.reason }) : t(`phase.${p.phase}`);
    phase.className = `phase ${p.phase}`;
    const live = p.phase === "live" || p.phase === "starting";
    goLive.textContent = p.phase === "ending" ? t("app.ending") : live ? t("app.end_show") : t("app.go_live_button");
    goLive.disabled = p.phase === "ending";
    goLive.classList.toggle("end", live);
  };
  const renderHealth = () => {
    const stats = view.stats;
    if (!stats) {
      fill(health, el("h2", { text: t("health.title") }), el("p", { className: "muted", text: t("health.waiting") }));
      return;
    }
    const encoder = stats.encoder_fps > 0 ? t("health.encoder", { fps: decimal(stats.encoder_fps, 1) }) : t("health.not_encoding");
    const line = t("health.program", {
      fps: decimal(stats.program_fps, 1),
      encoder,
      lag: Math.round(stats.render_lag_ms),
      camera: stats.camera_ok ? t("health.camera_ok") : t("health.camera_lost"),
      uptime: Math.floor(stats.uptime_s),
    });
    fill(health, el("h2", { text: t("health.title") }), el("p", { "data-testid": "health-program", text: line }));
  };
  let connectionStatus: ConnectionStatus = "connecting";
  const renderConnection = () => {
    const status = connectionStatus;
    connection.textContent = status === "open" ? "" : status === "connecting" ? t("app.connecting") : t("app.connection_lost");
    connection.className = `connection ${status}`;
  };
  const renderAll = () => {
    if (!view.state) return;
    renderHeader();
    kill.render(view);
    save.render(view);
    rec.render(view);
    report.render(view);
    runOfShow.render(view);
    preview.render(view);
    renderHealth();
    mixer.render(view);
    renderScenes(scenes, view, actions);
    studioMode.render(view);
    renderLooks(looks, view, actions);
    renderProducts(products, view, actions);
    renderDestinations(destinations, view, actions);
    for (const builder of builders) builder.render(view);
    chat.renderSummary(view);
    chat.connectors.render(view);
    chat.renderChat(view);
  };

  client.subscribe(
    (event) => {
      const change = applyEvent(view, event);
      if (change === "state") renderAll();
      else if (change === "stats") {
        renderHealth();
        renderDestinations(destinations, view, actions);
      } else if (change === "chat") chat.renderChat(view);
      else if (change === "audience") chat.renderSummary(view);
      else if (change === "levels" && view.levels) mixer.levels(view.levels.sources, view.levels.master);
      else if (change === "notice") {
        const notice = view.notices[view.notices.length - 1];
        if (notice) toast(notice.level, studioText(notice));
      }
    },
    (status) => {
      connectionStatus = status;
      renderConnection();
    },
  );

  // A language switch draws everything again, in the new words.
  onLanguage(() => {
    retranslate(document);
    renderConnection();
    renderHealth();
    renderAll();
  });

  document.addEventListener("keydown", (event) => {
    // Ctrl+S never opens the browser's "save page", and saves even from a text field.
    const saving = isSaveKey(event);
    if (saving) event.preventDefault();
    if (saving && event.repeat) return;
    if (isTyping(event.target) && !saving) return;
    const hit = commandForKey(event, view);
    // A dialog holds the other shortcuts back, never the kill switch.
    if (!hit || ((dialog.open || blocked.root.open) && hit.command.type !== "kill_switch")) return;
    event.preventDefault();
    void actions.run(hit.panel, hit.command, { hotkey: true });
  });

  // The current item's elapsed time, against its target, from the studio's cue time.
  setInterval(() => {
    runOfShow.tick(view);
    rec.tick();
  }, 1000);
}
