// The real UI in a real browser: headless Chromium (playwright-core, /usr/bin/chromium)
// against a real `kaibo serve` on the demo show, with the simulator feeding chat. Every step
// taken in the UI is checked on the real stream pulled back from nginx-rtmp (ffprobe and
// decoded frames), not only in the DOM; the run of show, the kill switch (Shift+K), the
// pre-air check's override, resizing a layer from its handles, saving the show (Ctrl+S) and
// the session report too. Platform chats are connected from the side panel (to a port nobody
// listens on: the connector retries and says why), and a YouTube key typed there never comes
// back. The studio runs on a copy of the demo show in a temporary folder,
// so saving never touches the repository's. Screenshots go to target/ui-tests/studio/.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { distance, grabFrame, meanRgb, outputDir, probe, REPO, startNginx, startServe, waitFor } from "./support.mjs";

const TOKEN = "ui-test-token-5f1c0a9e";
const STREAM_KEY = "sk_live_DO_NOT_LEAK_42";
const YOUTUBE_KEY = "AIzaSy_CHAT_KEY_DO_NOT_LEAK_77"; // typed into "Connect chat" for YouTube
const NOBODY = "127.0.0.1:9"; // the discard port: nobody listens there
const BANNED = "最便宜"; // `--ban`: the pre-air check keeps it off air unless overridden
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
// Regions of the 1280x720 program, in 0..1 of the frame (see assets/shows/demo.json).
const PRODUCT_SCENE_CARD = [0.66, 0.14, 0.29, 0.3]; // the close-up card's top (camera in "main")
const CARD_PICTURE = [0.66, 0.14, 0.29, 0.72]; // the close-up card, picture and text
const CAMERA = [0.05, 0.2, 0.5, 0.55]; // test pattern, graded by the look
const CHANGED = 24; // summed |ΔR|+|ΔG|+|ΔB| of a region's mean that counts as "changed"

const out = outputDir("studio");
let nginx;
let serve;
let context;
let page;
let pageErrors = [];
let frameNumber = 0;
/** The copy of the demo show the studio runs (and saves to). */
let showFile;
const DEMO_SHOW = path.join(REPO, "assets/shows/demo.json");
const demoShowText = readFileSync(DEMO_SHOW, "utf8");

function ingest() {
  return `rtmp://127.0.0.1:${nginx.port}/live/${STREAM_KEY}`;
}

function frame(label) {
  frameNumber += 1;
  return grabFrame(ingest(), path.join(out, `frame-${String(frameNumber).padStart(2, "0")}-${label}.png`));
}

/** Pulls frames from the stream until `region` has moved away from `before`. */
async function waitForStreamChange(label, region, before) {
  return waitFor(`the stream to show ${label}`, () => {
    const png = frame(label);
    return distance(meanRgb(png, region), before) > CHANGED ? png : null;
  }, 60_000, 0);
}

async function shot(name) {
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}

async function apiState() {
  const response = await fetch(new URL("/api/state", serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  return response.text();
}

/** Waits for the run of show's current item to be `index`, in the studio and on the page. */
async function waitForCue(items, index) {
  await waitFor(`run_of_show.current = ${index}`, async () => JSON.parse(await apiState()).run_of_show?.current === index, 30_000);
  await page.locator(`[data-testid="run-item-${items[index].product}"][data-current="true"]`).waitFor();
}

before(async () => {
  nginx = await startNginx();
  // The show with its pictures (relative paths), copied: Ctrl+S writes the copy.
  const shows = mkdtempSync(path.join(os.tmpdir(), "kaibo-show-"));
  cpSync(path.dirname(DEMO_SHOW), shows, { recursive: true });
  showFile = path.join(shows, "demo.json");
  serve = await startServe(
    [showFile, "--no-record", "--simulate", "2", "--bridge", "127.0.0.1:0",
      "--ban", BANNED, "--data", mkdtempSync(path.join(os.tmpdir(), "kaibo-data-"))],
    TOKEN,
    path.join(out, "kaibo-serve.log"),
  );
  context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "kaibo-chromium-")), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    locale: "en-US", // the English UI: these tests read its words (i18n.spec.mjs does zh-CN)
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 900 },
    timeout: 60_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("dialog", (dialog) => {
    pageErrors.push(`a dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

after(async () => {
  await context?.close().catch(() => {});
  await serve?.stop();
  nginx?.stop();
  if (showFile) rmSync(path.dirname(showFile), { recursive: true, force: true });
});

test("the studio runs a show from the browser, checked on the real stream", async () => {
  await page.goto(serve.url);
  await page.getByTestId("scene-main").waitFor();
  assert.ok(!page.url().includes(TOKEN), "the token leaves the address bar");
  // The program runs from the moment the show is open: its preview is there before Go Live.
  await page.getByTestId("preview-image").waitFor();
  await shot("01-off-air");

  // A destination with its key typed once into the password field.
  await page.getByTestId("dest-platform").selectOption("custom");
  await page.getByTestId("dest-id").fill("nginx");
  await page.getByTestId("dest-url").fill(`rtmp://127.0.0.1:${nginx.port}/live/`);
  await page.getByTestId("dest-key").fill(STREAM_KEY);
  await page.getByRole("button", { name: "Add destination" }).click();
  await page.getByTestId("dest-nginx").waitFor();
  assert.equal(await page.getByTestId("dest-key").inputValue(), "", "the key field is cleared");
  assert.ok(!(await page.content()).includes(STREAM_KEY), "the page never shows the key");
  assert.ok(!(await apiState()).includes(STREAM_KEY), "the state never carries the key");

  // Go live, with a confirmation, and watch the health go green.
  await page.getByTestId("go-live").click();
  await page.getByTestId("confirm-yes").click();
  await page.locator('[data-testid="dest-nginx"][data-health="good"]').waitFor({ timeout: 90_000 });
  await page.getByTestId("preview-image").waitFor();
  await waitFor("preview pictures", () =>
    page.getByTestId("preview-image").evaluate((img) => img.complete && img.naturalWidth === 640), 30_000);
  await shot("02-live");

  const streams = probe(ingest()).streams;
  const video = streams.find((s) => s.codec_type === "video");
  const audio = streams.find((s) => s.codec_type === "audio");
  assert.equal(video?.codec_name, "h264");
  assert.equal(video?.width, 1280);
  assert.equal(video?.height, 720);
  assert.equal(audio?.codec_name, "aac");

  // Scene: the close-up's card appears where "main" shows the camera.
  const main = frame("main");
  await page.getByTestId("scene-product").click();
  await page.locator('[data-testid="scene-product"][aria-pressed="true"]').waitFor();
  const product = await waitForStreamChange("the product scene", PRODUCT_SCENE_CARD, meanRgb(main, PRODUCT_SCENE_CARD));
  await shot("03-product-scene");

  // Card: pin another product on the close-up's card.
  await page.getByTestId("pin-lipstick-rouge").click();
  await page.locator('[data-testid="product-lipstick-rouge"].pinned').waitFor();
  const pinned = await waitForStreamChange("the lipstick card", CARD_PICTURE, meanRgb(product, CARD_PICTURE));
  await shot("04-card-pinned");

  // Look: a cooler grade on the camera.
  await page.getByTestId("look-cool-runway").click();
  await page.locator('[data-testid="look-cool-runway"][aria-pressed="true"]').waitFor();
  await waitForStreamChange("the cool-runway look", CAMERA, meanRgb(pinned, CAMERA));
  await shot("05-look");

  // Layers: drag the logo's outline on the preview; the logo moves on the stream.
  const beforeDrag = frame("before-drag");
  // The mouse drags what is on screen: bring the preview back up (the column scrolled down
  // to the destination form).
  await page.getByTestId("preview").evaluate((preview) => preview.scrollIntoView({ block: "start" }));
  const outline = page.getByTestId("outline-logo");
  const box = await outline.boundingBox();
  const area = await page.getByTestId("layer-outlines").boundingBox();
  assert.ok(box && area, "the logo's outline is on the preview");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + area.width * 0.2, box.y + box.height / 2 + area.height * 0.15, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 + area.width * 0.4, box.y + box.height / 2 + area.height * 0.3, { steps: 5 });
  await page.mouse.up();
  await waitFor("the logo's new place in the state", async () => {
    const scene = JSON.parse(await apiState()).scenes.find((s) => s.id === "product");
    const [x, y] = scene.layers.find((l) => l.id === "logo").rect;
    return Math.abs(x - 0.42) < 0.02 && Math.abs(y - 0.33) < 0.02;
  }, 30_000);
  const LOGO_MOVED = [0.44, 0.35, 0.14, 0.06];
  await waitForStreamChange("the logo at its new place", LOGO_MOVED, meanRgb(beforeDrag, LOGO_MOVED));
  await shot("06-layer-dragged");

  // Layers: the dragged logo is selected; its bottom-right handle resizes it (free aspect):
  // 0.04 of the canvas wider, 0.3 taller. On the stream, the logo (fitted to its taller
  // rect, so drawn wider and lower) covers a band below where it was.
  const logoRect = async () => JSON.parse(await apiState()).scenes.find((s) => s.id === "product").layers.find((l) => l.id === "logo").rect;
  const [lx, ly, lw, lh] = await logoRect();
  await page.locator('[data-testid="outline-logo"].selected').waitFor();
  const beforeResize = frame("before-resize");
  const handle = await page.getByTestId("handle-logo-se").boundingBox();
  assert.ok(handle, "the selected logo has a corner handle");
  const [hx, hy] = [handle.x + handle.width / 2, handle.y + handle.height / 2];
  await page.mouse.move(hx, hy);
  await page.mouse.down();
  await page.mouse.move(hx + area.width * 0.02, hy + area.height * 0.15, { steps: 5 });
  await page.mouse.move(hx + area.width * 0.04, hy + area.height * 0.3, { steps: 5 });
  await page.mouse.up();
  const resized = await waitFor("the logo's new size in the state", async () => {
    const [x, y, w, h] = await logoRect();
    const near = (a, b) => Math.abs(a - b) < 0.01;
    return near(x, lx) && near(y, ly) && near(w, lw + 0.04) && near(h, lh + 0.3) ? [x, y, w, h] : null;
  }, 30_000);
  const LOGO_RESIZED = [lx + 0.04, ly + 0.16, 0.14, 0.08];
  await waitForStreamChange("the logo at its new size", LOGO_RESIZED, meanRgb(beforeResize, LOGO_RESIZED));
  await shot("06a-layer-resized");
  assert.equal(await page.getByTestId("error-scenes").textContent(), "", "the resize was not refused");

  // Save: Ctrl+S writes the show, with the new size, to the file the state names (the
  // temporary copy); the studio's note comes up as a notice.
  const saveTo = JSON.parse(await apiState()).show_file;
  assert.equal(path.resolve(saveTo), showFile, "the studio saves to the copy it was started on");
  assert.equal(await page.getByTestId("save-show").getAttribute("title"), saveTo, "the button says where it saves");
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("Control+KeyS");
  await page.getByTestId("notices").getByText(`show saved: ${saveTo}`).waitFor();
  const saved = JSON.parse(readFileSync(saveTo, "utf8"));
  const savedLogo = saved.scenes.find((s) => s.id === "product").layers.find((l) => l.id === "logo");
  assert.deepEqual(savedLogo.rect, resized, "the saved show has the logo's new rect");
  assert.equal(readFileSync(DEMO_SHOW, "utf8"), demoShowText, "the repository's demo show is untouched");
  await shot("06aa-saved");

  // Layers: add a text layer, move it down the list, remove it.
  await page.getByTestId("new-text").fill("限时秒杀 Flash deal 🎉");
  await page.getByTestId("add-text-layer").click();
  await page.getByTestId("layer-text-1").waitFor();
  await page.getByTestId("layer-up-text-1").click();
  await waitFor("the text layer one place lower", async () => {
    const scene = JSON.parse(await apiState()).scenes.find((s) => s.id === "product");
    return scene.layers.at(-2)?.id === "text-1";
  }, 30_000);
  await page.getByTestId("layer-remove-text-1").click();
  await page.getByTestId("layer-text-1").waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("error-scenes").textContent(), "", "no layer edit was refused");

  // Pre-air check: a text with a banned word is refused; the dialog says why (as text), has
  // Cancel focused, and "Put on air anyway" sends it again as an override.
  await page.getByTestId("new-text").fill(`全网${BANNED} <b>deal</b>`);
  await page.getByTestId("add-text-layer").click();
  const blocked = page.getByTestId("blocked-dialog");
  await blocked.waitFor();
  assert.ok((await page.getByTestId("blocked-message").textContent()).length > 0, "the dialog says why");
  assert.equal(await blocked.locator("b, img, script").count(), 0, "the message is text");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "blocked-cancel", "Cancel has the focus, not the override");
  await shot("06b-blocked");
  assert.equal(await page.getByTestId("layer-text-1").count(), 0, "the blocked layer is not on air");
  await page.getByTestId("blocked-override").click();
  await blocked.waitFor({ state: "hidden" });
  await page.getByTestId("layer-text-1").waitFor();
  assert.equal(await page.getByTestId("error-scenes").textContent(), "", "the override went through");
  assert.equal(await page.getByTestId("new-text").inputValue(), "", "the text field is cleared once it is on air");
  await page.getByTestId("layer-remove-text-1").click();
  await page.getByTestId("layer-text-1").waitFor({ state: "detached" });

  // Run of show: clicking an item cues it; "Cue next" and the N key move on, and the card on
  // the stream follows. The current item's time ticks against its target.
  const run = JSON.parse(await apiState()).run_of_show;
  assert.ok(run && run.items.length >= 3, "the demo show has a run of show");
  await page.getByTestId("run-of-show").waitFor();
  await page.getByTestId(`run-item-${run.items[0].product}`).click();
  await waitForCue(run.items, 0);
  const cued = frame("cued-first");
  await page.getByTestId("cue-next").click();
  await waitForCue(run.items, 1);
  await waitForStreamChange("the next product on the card", CARD_PICTURE, meanRgb(cued, CARD_PICTURE));
  const elapsed = page.getByTestId("run-elapsed");
  const firstReading = await elapsed.textContent();
  assert.match(firstReading, /^\d\d:\d\d \/ \d\d:\d\d$/, "elapsed / target");
  await waitFor("the elapsed time to tick", async () => (await elapsed.textContent()) !== firstReading, 10_000);
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("KeyN");
  await waitForCue(run.items, 2);
  await shot("06c-run-of-show");

  // Kill switch: Shift+K puts the safe slate on the platforms at once; Resume brings the
  // program back. Both checked on the stream.
  const beforeKill = frame("before-kill");
  await page.keyboard.press("Shift+KeyK");
  await page.getByTestId("kill-banner").getByText("SAFE SLATE ON AIR — platforms see the slate").waitFor();
  await waitFor("kill_switch.on in the state", async () => JSON.parse(await apiState()).kill_switch.on === true, 30_000);
  const slate = await waitForStreamChange("the safe slate", CAMERA, meanRgb(beforeKill, CAMERA));
  await shot("06d-kill-switch");
  await page.getByTestId("resume").click();
  await page.getByTestId("kill-banner").waitFor({ state: "hidden", timeout: 60_000 });
  const resumed = JSON.parse(await apiState()).kill_switch;
  assert.deepEqual(resumed, { on: false, refilling: [] }, "no delay to refill: back at once");
  await waitForStreamChange("the program after Resume", CAMERA, meanRgb(slate, CAMERA));

  // Health stayed green through the changes.
  await page.locator('[data-testid="dest-nginx"][data-health="good"]').waitFor({ timeout: 30_000 });

  // End, with a confirmation.
  await page.getByTestId("go-live").click();
  await page.getByTestId("confirm-yes").click();
  await page.locator('[data-testid="phase"]', { hasText: "off air" }).waitFor({ timeout: 60_000 });
  await page.getByTestId("preview-image").waitFor(); // the program and its preview go on after End
  await shot("07-ended");

  // The session report opens in a new tab; its audit log says who did what, from where.
  const reportButton = page.getByTestId("session-report");
  await reportButton.waitFor();
  const [reportPage] = await Promise.all([context.waitForEvent("page"), reportButton.click()]);
  await reportPage.waitForLoadState();
  assert.equal(new URL(reportPage.url()).pathname, "/api/report");
  // It opened with a one-use ticket: no token in the tab's address, and the link is spent.
  assert.ok(!reportPage.url().includes(TOKEN), "the report tab's address carries no token");
  assert.ok(new URL(reportPage.url()).searchParams.get("ticket"), "the report opens with a ticket");
  assert.equal(await reportPage.evaluate(() => document.contentType), "text/html");
  const response = await fetch(reportPage.url());
  assert.equal(response.status, 401, "the ticket opens the report once");
  const audit = await reportPage.$$eval("tr", (rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent.trim())));
  const did = (source, action) => audit.some((cells) => cells[1] === source && cells[2] === action);
  assert.ok(did("hotkey", "kill_switch"), "Shift+K is audited as a hotkey");
  assert.ok(did("remote_console", "resume"), "the Resume click is audited from the console");
  assert.ok(did("remote_console", "override"), "the override is audited");
  assert.ok(did("hotkey", "cue_next_product"), "N is audited as a hotkey");
  assert.ok(did("hotkey", "save_show"), "Ctrl+S is audited as a hotkey");
  await reportPage.screenshot({ path: path.join(out, "07b-report.png"), fullPage: true });
  await reportPage.close();

  assert.deepEqual(pageErrors, [], "no script error or dialog on the page");
  assert.ok(!(await apiState()).includes(STREAM_KEY), "the state never carries the key");
  assert.ok(!serve.output().includes(STREAM_KEY), "the log never carries the key");
  assert.equal(serve.output().split(TOKEN).length - 1, 1, "the token is printed once, in the URL line");
});

test("chat is inert: markup from a viewer shows as text and runs nothing", async () => {
  assert.ok(serve.bridge, "kaibo serve started the audience bridge");
  const hostile = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script> hi`;
  const event = {
    platform: "douyin",
    room: "rehearsal",
    id: "xss-1",
    at: new Date().toISOString(),
    kind: "chat",
    user: { id: "evil", name: `<b onmouseover="window.__pwned='name'">evil</b>` },
    text: hostile,
  };
  const response = await fetch(serve.bridge, {
    method: "POST",
    headers: { Authorization: `Bearer ${serve.bridgeToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(event),
  });
  assert.ok(response.ok, await response.text());
  const row = page.locator('[data-testid="chat-row"][data-id="douyin:xss-1"]');
  await row.waitFor({ timeout: 30_000 });
  await row.hover();
  await shot("08-hostile-chat");
  const text = await row.textContent();
  assert.ok(text.includes(`<img src=x onerror=`), `the markup shows as text: ${text}`);
  assert.ok(text.includes("<script>"), "the script tag shows as text");
  assert.equal(await page.locator('[data-testid="chat-panel"] img, [data-testid="chat-panel"] script, [data-testid="chat-panel"] b').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "nothing ran");

  // Moderation: block the viewer and the line goes from every client.
  await page.locator('[data-testid="chat-row"][data-id="douyin:xss-1"] button', { hasText: "Block" }).click();
  await row.waitFor({ state: "detached", timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "still nothing ran");
  assert.deepEqual(pageErrors, []);
});

test("platform chats: connect from the side panel, see them retry, disconnect; the key stays out", async () => {
  const connectChat = async (platform, room, key, endpoint) => {
    await page.getByTestId("connect-platform").selectOption(platform);
    await page.getByTestId("connect-room").fill(room);
    if (key !== null) await page.getByTestId("connect-key").fill(key);
    const advanced = page.locator(".connect-advanced");
    if (!(await advanced.evaluate((details) => details.open))) await advanced.locator("summary").click();
    await page.getByTestId("connect-endpoint").fill(endpoint);
    await page.getByTestId("connect-submit").click();
  };

  // Twitch reads anonymously: no key field. Nobody listens at the endpoint: it retries.
  await page.getByTestId("connect-platform").selectOption("twitch");
  assert.equal(await page.getByTestId("connect-key").isVisible(), false, "Twitch asks for no key");
  await connectChat("twitch", "kaiboshop", null, `ws://${NOBODY}`);
  const twitch = page.getByTestId("connector-twitch:kaiboshop");
  await twitch.waitFor();
  await page.locator('[data-testid="connector-twitch:kaiboshop"][data-status="retrying"]').waitFor({ timeout: 30_000 });
  const error = page.getByTestId("connector-error-twitch:kaiboshop");
  await error.waitFor();
  assert.ok((await error.textContent()).trim().length > 0, "the connector says why it retries");
  assert.equal(await page.getByTestId("error-connectors").textContent(), "", "the studio took the command");
  const listed = JSON.parse(await apiState()).connectors.find((c) => c.label === "twitch:kaiboshop");
  assert.ok(listed && listed.error, "the state has the connector and its error");
  await shot("09-chat-retrying");
  await page.getByTestId("connector-disconnect-twitch:kaiboshop").click();
  await twitch.waitFor({ state: "detached", timeout: 30_000 });
  assert.ok(!JSON.parse(await apiState()).connectors.some((c) => c.label === "twitch:kaiboshop"), "disconnected in the studio");

  // YouTube with its API key typed once: the field empties, and the key never comes back.
  await page.getByTestId("connect-platform").selectOption("youtube");
  await page.getByTestId("connect-key-field").getByText("API key").waitFor();
  await connectChat("youtube", "live-chat-test", YOUTUBE_KEY, `http://${NOBODY}`);
  const youtube = page.getByTestId("connector-youtube:live-chat-test");
  await youtube.waitFor();
  assert.equal(await page.getByTestId("connect-key").inputValue(), "", "the key field is cleared");
  await page.locator('[data-testid="connector-youtube:live-chat-test"][data-status="retrying"]').waitFor({ timeout: 30_000 });
  await shot("10-youtube-chat");
  assert.ok(!(await apiState()).includes(YOUTUBE_KEY), "the state never carries the chat key");
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(YOUTUBE_KEY), "the page's text never shows the key");
  assert.ok(!(await page.evaluate(() => document.documentElement.outerHTML)).includes(YOUTUBE_KEY), "the page's HTML never holds the key");
  await page.getByTestId("connector-disconnect-youtube:live-chat-test").click();
  await youtube.waitFor({ state: "detached", timeout: 30_000 });
  assert.ok(!serve.output().includes(YOUTUBE_KEY), "the log never carries the chat key");
  assert.deepEqual(pageErrors, []);
});
