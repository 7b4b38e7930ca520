// Issue 5's studio figures in headless Chromium against a real `kaibo serve` (see
// bench/README.md, "The studio: memory, chat fps, Go Live, preview latency"). Run by
// bench/studio.sh, which starts nginx-rtmp, builds the show and passes everything in the
// environment:
//   KAIBO_BIN, LATENCY_BIN, NGINX_PORT, SHOW (demo.json + the looks "blackout"/"neutral"),
//   WORK (a folder for logs), PARTS ("fps golive preview memory"), FPS_SECONDS (10),
//   FPS_RATES ("0 1000"), GOLIVE_TRIALS (5), PREVIEW_TRIALS (10).
// Prints one `RESULT name value...` line per figure (bench/studio.sh collects them).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// playwright-core from the UI tests' install (tests/ui/package-lock.json), not a second copy.
const { chromium } = await import(path.join(REPO, "tests/ui/node_modules/playwright-core/index.mjs"));
const { waitFor } = await import(path.join(REPO, "tests/ui/support.mjs"));

const env = process.env;
const WORK = env.WORK ?? mkdtempSync(path.join(os.tmpdir(), "kaibo-studio-bench-"));
const PORT = env.NGINX_PORT;
const SHOW = env.SHOW;
const LATENCY = env.LATENCY_BIN;
const PARTS = (env.PARTS ?? "fps golive preview memory").split(/\s+/).filter(Boolean);
const FPS_SECONDS = Number(env.FPS_SECONDS ?? 10);
const FPS_RATES = (env.FPS_RATES ?? "0 1000").split(/\s+/).filter(Boolean).map(Number);
const GOLIVE_TRIALS = Number(env.GOLIVE_TRIALS ?? 5);
const PREVIEW_TRIALS = Number(env.PREVIEW_TRIALS ?? 10);
const TOKEN = "bench-token-2c9e41";
const STREAM_KEY = "bench-studio-key";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

const log = (...a) => console.log(...a);
const result = (name, ...values) => console.log(`RESULT ${name} ${values.join(" ")}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (v) => [...v].sort((a, b) => a - b);
const median = (v) => { const s = sorted(v); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function openBrowser(url) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "kaibo-bench-chromium-"));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  // Counts what the studio's WebSocket delivers, to check the simulator's rate really arrives.
  await page.addInitScript(() => {
    window.__wsMessages = 0;
    window.__wsBytes = 0;
    window.__chatItems = 0; // ChatItems delivered (each has one "user_key")
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (e) => {
          window.__wsMessages += 1;
          if (typeof e.data !== "string") return;
          window.__wsBytes += e.data.length;
          for (let i = e.data.indexOf('"user_key":'); i >= 0; i = e.data.indexOf('"user_key":', i + 11)) window.__chatItems += 1;
        });
      }
    };
  });
  await page.goto(url);
  await page.getByTestId("scene-main").waitFor();
  return { context, page, dataDir };
}

/** `kaibo serve` on a free port in its own session keyring (as tests/ui/support.mjs), with its pid. */
async function serve(extra, label) {
  const child = spawn("keyctl", ["session", "-", env.KAIBO_BIN, "serve", SHOW, "--no-record", ...extra, "--listen", "127.0.0.1:0"], {
    env: { ...env, KAIBO_TOKEN: TOKEN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = await waitFor("kaibo serve to print its URL", () => /Kaibo Studio: (\S+)/.exec(output)?.[1], 30_000, 100);
  return {
    url,
    pid: child.pid,
    stop: async () => {
      writeFileSync(path.join(WORK, `serve-${label}.log`), output);
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await waitFor("kaibo serve to exit", () => child.exitCode !== null || child.signalCode !== null, 30_000).catch(() => child.kill("SIGKILL"));
    },
  };
}

async function api(s, command) {
  const response = await fetch(new URL("/api/commands", s.url), {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${command.type}: ${response.status} ${text}`);
  return text;
}

// --- memory helpers: the process trees, from /proc ---------------------------------------------

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}
function tree(pid) { return [pid, ...children(pid).flatMap(tree)]; }
function memOf(pid) {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    let pss = rss;
    try { pss = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? rss); } catch {}
    return { rss, pss };
  } catch { return { rss: 0, pss: 0 }; }
}
function sumMem(pids) {
  return pids.map(memOf).reduce((a, m) => ({ rss: a.rss + m.rss, pss: a.pss + m.pss, n: a.n + (m.rss ? 1 : 0) }), { rss: 0, pss: 0, n: 0 });
}
/** Every process whose command line mentions `needle` (Chromium's processes carry the data dir). */
function pidsWith(needle) {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle); } catch { return false; }
  });
}
const mb = (kb) => (kb / 1024).toFixed(1);

// --- 2. chat panel fps ---------------------------------------------------------------------------

async function partFps() {
  for (const rate of FPS_RATES) {
    const s = await serve(rate > 0 ? ["--simulate", String(rate)] : [], `fps-${rate}`);
    const b = await openBrowser(s.url);
    try {
      await sleep(3000); // the panel fills and settles
      const r = await b.page.evaluate(async (seconds) => {
        const rows0 = window.__wsMessages;
        const items0 = window.__chatItems;
        const bytes0 = window.__wsBytes;
        const gaps = [];
        let frames = 0;
        let last = performance.now();
        const t0 = last;
        await new Promise((done) => {
          const tick = (t) => {
            frames += 1;
            gaps.push(t - last);
            last = t;
            if (t - t0 >= seconds * 1000) done(); else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        const secs = (last - t0) / 1000;
        gaps.sort((a, b) => a - b);
        return {
          fps: frames / secs,
          p99: gaps[Math.floor(gaps.length * 0.99)],
          max: gaps[gaps.length - 1],
          long: gaps.filter((g) => g > 50).length,
          ws: (window.__wsMessages - rows0) / secs,
          items: (window.__chatItems - items0) / secs,
          wsKB: (window.__wsBytes - bytes0) / 1024 / secs,
          rows: document.querySelectorAll('[data-testid="chat-row"]').length,
        };
      }, FPS_SECONDS);
      log(`  chat ${rate} msg/s: ${r.fps.toFixed(1)} fps, frame gap p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ` +
        `${r.long} gaps > 50 ms; ${r.items.toFixed(0)} chat items/s arrived in ${r.ws.toFixed(0)} WebSocket messages/s ` +
        `(${r.wsKB.toFixed(0)} KB/s); ${r.rows} rows in the DOM`);
      result(`fps_${rate}`, r.fps.toFixed(1), r.p99.toFixed(1), r.max.toFixed(1), r.items.toFixed(0));
      await b.page.screenshot({ path: path.join(WORK, `chat-${rate}.png`) });
    } finally {
      await b.context.close().catch(() => {});
      await s.stop();
    }
  }
}

// --- 3. Go Live: click -> first frame at the ingest; 4. preview latency; 1b. memory ------------

function firstFrameReader(url) {
  const child = spawn(LATENCY, ["first-frame", url, "30"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise((resolve, reject) => child.on("exit", (code) =>
    code === 0 ? resolve(Number(out.trim())) : reject(new Error(`first-frame reader exited ${code}: ${err.slice(-400)}`))));
  return { child, done };
}

async function goLiveOnce(page, ingest, trial) {
  const reader = firstFrameReader(ingest);
  await sleep(1500); // the reader is connected and waiting at nginx
  const tClick = Date.now() / 1000;
  await page.getByTestId("go-live").click();
  await page.getByTestId("confirm-yes").waitFor();
  const tConfirm = Date.now() / 1000;
  await page.getByTestId("confirm-yes").click();
  const first = await reader.done;
  await page.locator('[data-testid="dest-nginx"][data-health="good"]').waitFor({ timeout: 60_000 });
  log(`  go live ${trial}: confirm click -> first frame ${(first - tConfirm).toFixed(3)} s ` +
    `(from the Go Live click, dialog included: ${(first - tClick).toFixed(3)} s)`);
  return { confirm: first - tConfirm, click: first - tClick };
}

async function endShow(page) {
  await page.getByTestId("go-live").click();
  await page.getByTestId("confirm-yes").click();
  await page.locator('[data-testid="phase"]', { hasText: "off air" }).waitFor({ timeout: 60_000 });
  await page.getByTestId("preview-placeholder").waitFor();
  await sleep(1500); // nginx drops the publisher
}

/**
 * In the page: switches the look to "blackout" by POST at a known instant and times when the
 * camera region goes dark (a) in the UI's preview <img> (the MJPEG stream, what the operator
 * sees; sampled every animation frame) and (b) in `/api/preview?frame=latest` fetched in a loop
 * (the server's newest preview JPEG, without the MJPEG delivery).
 */
async function previewTrials(page, n) {
  return page.evaluate(async ({ n, token }) => {
    const img = document.querySelector('[data-testid="preview-image"]');
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    // The camera's test pattern in "main" (left half, under no layer), as in tests/ui.
    const luma = (source) => {
      ctx.drawImage(source, 0, 0, 64, 36);
      const d = ctx.getImageData(4, 8, 28, 18).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      return sum / (d.length / 4);
    };
    const latestLuma = async () => {
      const r = await fetch(`/api/preview?frame=latest&token=${token}&n=${Math.random()}`, { cache: "no-store" });
      const bitmap = await createImageBitmap(await r.blob());
      const v = luma(bitmap);
      bitmap.close();
      return v;
    };
    const command = async (look) => {
      const r = await fetch("/api/commands", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "set_look", look }),
      });
      return `${r.status} ${await r.text()}`;
    };
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    // Resolves with the time `sample` first satisfies `dark`, or null after `ms`.
    // Dark: below 40% of the region's luma before the switch (it goes from ~184 to ~34).
    const watch = (sample, wait, t0, ms, limit) => new Promise((resolve) => {
      const tick = async () => {
        const v = await sample();
        if (v < limit) resolve(performance.now());
        else if (performance.now() - t0 > ms) resolve(null);
        else wait(tick);
      };
      tick();
    });
    const out = [];
    let reply = "";
    for (let i = 0; i < n; i++) {
      await command("neutral");
      await sleep(800 + Math.random() * 300);
      const bright = [luma(img), await latestLuma()];
      const t0 = performance.now();
      const sent = command("blackout");
      const [a, b] = await Promise.all([
        watch(async () => luma(img), requestAnimationFrame, t0, 3000, bright[0] * 0.4),
        watch(latestLuma, (f) => setTimeout(f, 0), t0, 3000, bright[1] * 0.4),
      ]);
      reply = await sent;
      out.push({ img: a === null ? null : a - t0, latest: b === null ? null : b - t0, bright, after: [luma(img), await latestLuma()] });
      await sleep(200);
    }
    await command("neutral");
    return { out, reply };
  }, { n, token: TOKEN });
}

async function partLive() {
  const s = await serve(["--simulate", "2"], "live");
  const b = await openBrowser(s.url);
  const ingest = `rtmp://127.0.0.1:${PORT}/live/${STREAM_KEY}`;
  try {
    // The destination through the UI's form, as the operator (and tests/ui) does.
    await b.page.getByTestId("dest-platform").selectOption("custom");
    await b.page.getByTestId("dest-id").fill("nginx");
    await b.page.getByTestId("dest-url").fill(`rtmp://127.0.0.1:${PORT}/live/`);
    await b.page.getByTestId("dest-key").fill(STREAM_KEY);
    await b.page.getByRole("button", { name: "Add destination" }).click();
    await b.page.getByTestId("dest-nginx").waitFor();

    const trials = PARTS.includes("golive") ? GOLIVE_TRIALS : 1;
    const go = [];
    for (let t = 1; t <= trials; t++) {
      go.push(await goLiveOnce(b.page, ingest, t));
      if (t < trials) await endShow(b.page);
    }
    if (PARTS.includes("golive")) {
      const c = go.map((g) => g.confirm);
      result("golive", Math.min(...c).toFixed(3), median(c).toFixed(3), Math.max(...c).toFixed(3), median(go.map((g) => g.click)).toFixed(3));
    }
    await b.page.getByTestId("preview-image").waitFor();
    await waitFor("preview pictures", () =>
      b.page.getByTestId("preview-image").evaluate((img) => img.complete && img.naturalWidth === 640), 30_000);
    await sleep(3000);

    if (PARTS.includes("memory")) {
      const servePids = tree(s.pid ?? 0);
      const kaibo = sumMem(servePids);
      const chrome = sumMem(pidsWith(b.dataDir));
      log(`  memory, live with the preview on: kaibo serve ${mb(kaibo.rss)} MB RSS (${mb(kaibo.pss)} PSS, ${kaibo.n} processes); ` +
        `Chromium viewing the UI ${mb(chrome.rss)} MB RSS (${mb(chrome.pss)} PSS, ${chrome.n} processes); ` +
        `together ${mb(kaibo.rss + chrome.rss)} MB RSS, ${mb(kaibo.pss + chrome.pss)} MB PSS`);
      result("mem_serve", mb(kaibo.rss), mb(kaibo.pss), mb(chrome.rss), mb(chrome.pss));
      await b.page.screenshot({ path: path.join(WORK, "live.png") });
    }

    if (PARTS.includes("preview")) {
      await b.page.locator('[data-testid="scene-main"]').click();
      await sleep(500);
      const { out: r, reply } = await previewTrials(b.page, PREVIEW_TRIALS);
      const fmt = (v) => (v === null ? "timeout" : v.toFixed(0));
      log(`  preview: set_look blackout replied ${reply.trim()}; bright luma before (img/latest) ${r.map((x) => x.bright.map((v) => v.toFixed(0)).join("/")).join(" ")}; after ${r.map((x) => x.after.map((v) => v.toFixed(0)).join("/")).join(" ")}`);
      for (const kind of ["img", "latest"]) {
        const ms = r.map((x) => x[kind]).filter((x) => x !== null);
        log(`  preview ${kind === "img" ? "<img> MJPEG" : "frame=latest"}: look -> dark (ms): ${r.map((x) => fmt(x[kind])).join(" ")}`);
        result(`preview_${kind}`, ms.length ? Math.min(...ms).toFixed(0) : "NaN", ms.length ? median(ms).toFixed(0) : "NaN",
          ms.length ? Math.max(...ms).toFixed(0) : "NaN", `${ms.length}/${r.length}`);
      }
    }
    await endShow(b.page);
  } finally {
    await b.context.close().catch(() => {});
    await s.stop();
  }
}

if (PARTS.includes("fps")) await partFps();
if (PARTS.some((p) => ["golive", "preview", "memory"].includes(p))) await partLive();
