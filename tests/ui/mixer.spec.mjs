// The mixer in a real browser (headless Chromium) against a real `kaibo serve`: its meters
// move before Go Live; once live, dragging a fader changes the level in the next
// `audio_levels` events (the strip's meter) and on the stream pulled back from nginx-rtmp
// (the 440 Hz band of the decoded sound, measured with a Goertzel filter).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { outputDir, startNginx, startServe, waitFor } from "./support.mjs";

const TOKEN = "ui-mixer-token-9d3e2b71";
const out = outputDir("mixer");
let nginx;
let serve;
let context;
let page;
const pageErrors = [];

async function command(body) {
  const response = await fetch(new URL("/api/commands", serve.url), {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  assert.ok(response.ok, `${body.type}: ${JSON.stringify(reply)}`);
  return reply;
}

/** The peak the strip's meter shows now (from the last `audio_levels` event). */
async function meterPeak(id) {
  return Number(await page.getByTestId(`meter-${id}`).locator("..").getAttribute("data-peak"));
}

/** The level (dBFS of the sine's peak) of `frequency` in each 50 ms block of a file's sound. */
function band(file, frequency) {
  const run = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-vn", "-af", "pan=mono|c0=FL", "-ar", "48000", "-f", "f32le", "-"], { maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, `ffmpeg could not decode ${file}`);
  const samples = new Float32Array(run.stdout.buffer, run.stdout.byteOffset, Math.floor(run.stdout.length / 4));
  const block = 2400;
  const window = Array.from({ length: block }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (block - 1)));
  const gain = window.reduce((a, b) => a + b, 0);
  const w = (2 * Math.PI * frequency) / 48000;
  const levels = [];
  for (let start = 0; start + block <= samples.length; start += block) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < block; i++) {
      const v = samples[start + i] * window[i];
      re += v * Math.cos(w * i);
      im -= v * Math.sin(w * i);
    }
    levels.push(20 * Math.log10(Math.max(1e-6, (2 * Math.hypot(re, im)) / gain)));
  }
  return levels;
}

before(async () => {
  nginx = await startNginx();
  const dir = mkdtempSync(path.join(os.tmpdir(), "kaibo-mixer-"));
  const showFile = path.join(dir, "mixer.json");
  writeFileSync(showFile, JSON.stringify({
    name: "Mixer test",
    canvas: { width: 640, height: 360, fps: 25 },
    audio: { sources: [
      { id: "tone", kind: "tone", frequency: 440, volume_db: -12 },
      { id: "mic", kind: "microphone", device: "test", filters: [{ kind: "noise_suppression", enabled: false }] },
    ] },
    scenes: [{ id: "main", layers: [{ id: "cam", kind: "camera", device: "test" }] }],
  }));
  serve = await startServe([showFile, "--no-record", "--data", mkdtempSync(path.join(os.tmpdir(), "kaibo-data-"))], TOKEN, path.join(out, "kaibo-serve.log"));
  context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "kaibo-chromium-")), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    locale: "en-US", // the English UI: this test reads its words
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    viewport: { width: 1440, height: 1000 },
    timeout: 60_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => pageErrors.push(String(error)));
});

after(async () => {
  await context?.close().catch(() => {});
  await serve?.stop();
  nginx?.stop();
});

test("the mixer's meters move before Go Live, and a fader changes the level on the stream", async () => {
  await page.goto(serve.url);
  await page.getByTestId("strip-tone").waitFor();
  await page.getByTestId("strip-mic").waitFor();
  // Before Go Live: the meters read each source's level.
  assert.match(await page.getByTestId("phase").textContent(), /off air/);
  const toneBefore = await waitFor("the tone's meter to read about −12 dBFS", async () => {
    const peak = await meterPeak("tone");
    return Math.abs(peak + 12) <= 1.5 ? peak : null;
  });
  await waitFor("the microphone's meter to move", async () => (await meterPeak("mic")) > -30);
  await waitFor("the master meter to move", async () => (await meterPeak("master")) > -20);
  await page.screenshot({ path: path.join(out, "01-before-live.png") });

  // Live, to nginx; the stream pulled back for 14 s.
  await command({ type: "add_destination", id: "nginx", platform: "custom", url: `rtmp://127.0.0.1:${nginx.port}/live/mixer`, key: null });
  await command({ type: "go_live" });
  await waitFor("the destination to be live", async () => {
    const state = await (await fetch(new URL("/api/state", serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
    return state.destinations.find((d) => d.id === "nginx")?.state.state === "live";
  }, 60_000);
  const pulled = path.join(out, "pulled.flv");
  const puller = spawn("ffmpeg", ["-v", "error", "-y", "-rw_timeout", "15000000", "-i", `rtmp://127.0.0.1:${nginx.port}/live/mixer`, "-t", "14", "-c", "copy", pulled], { stdio: "ignore" });
  const pulledDone = new Promise((resolve) => puller.on("exit", resolve));
  await new Promise((r) => setTimeout(r, 5000));

  // Drag the tone's fader about half way to the left.
  const fader = page.getByTestId("fader-tone");
  await fader.scrollIntoViewIfNeeded();
  const box = await fader.boundingBox();
  const at = (db) => box.x + ((db + 60) / 72) * box.width;
  await page.mouse.move(at(-12), box.y + box.height / 2);
  await page.mouse.down();
  for (const db of [-14, -17, -20, -23, -26]) await page.mouse.move(at(db), box.y + box.height / 2);
  await page.mouse.up();
  const set = Number((await page.getByTestId("fader-value-tone").textContent()).replace(/[^\d.-]/g, ""));
  const moved = set - -12;
  assert.ok(moved <= -8, `the drag moved the fader to ${set} dB only`);
  await waitFor("the studio to take the new volume", async () => {
    const state = await (await fetch(new URL("/api/state", serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
    return Math.abs(state.audio.find((s) => s.id === "tone").volume_db - set) < 0.01;
  });
  // The next meter reports follow it.
  const toneAfter = await waitFor(`the tone's meter to read about ${set} dBFS`, async () => {
    const peak = await meterPeak("tone");
    return Math.abs(peak - set) <= 1.5 ? peak : null;
  }, 10_000);
  await page.screenshot({ path: path.join(out, "02-fader-down.png") });
  assert.equal(await pulledDone, 0, "pulling the stream failed");

  // On the stream: the 440 Hz band went down by what the fader says (±1.5 dB).
  const levels = band(pulled, 440).sort((a, b) => a - b);
  const loud = levels[Math.floor(levels.length * 0.9)];
  const quiet = levels[Math.floor(levels.length * 0.1)];
  console.log(`meter ${toneBefore} → ${toneAfter} dBFS; stream ${loud.toFixed(2)} → ${quiet.toFixed(2)} dBFS (fader ${set} dB)`);
  assert.ok(Math.abs(loud + 12) <= 1.5, `the stream had the tone at ${loud.toFixed(2)} dBFS before the drag`);
  assert.ok(Math.abs(quiet - loud - moved) <= 1.5, `the stream's tone moved ${(quiet - loud).toFixed(2)} dB, the fader ${moved} dB`);
  assert.deepEqual(pageErrors, []);
});
