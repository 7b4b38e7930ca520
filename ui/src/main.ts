// Entry point: picks the transport (Tauri IPC inside the desktop app, HTTP otherwise).
import "./styles.css";
import { startApp } from "./app";
import { HttpStudioClient } from "./transport/http";
import { TauriStudioClient, tauriIpc } from "./transport/tauri";
import { el, fill, tr } from "./dom";
import { tokenFromPage } from "./page_token";

const root = document.getElementById("app");
if (root) {
  const tauri = tauriIpc();
  if (tauri) {
    startApp(root, new TauriStudioClient(tauri));
  } else {
    const token = tokenFromPage();
    if (token) {
      startApp(root, new HttpStudioClient(new URL(window.location.origin), token));
    } else {
      fill(root, el("div", { className: "no-token" },
        el("h1", { text: "Kaibo Studio" }),
        el("p", { text: tr("app.no_token") })));
    }
  }
}
