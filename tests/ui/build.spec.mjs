// A show built from nothing in the browser: headless Chromium against `kaibo serve` started
// with no show (the built-in empty one). In the "Build the show" forms the operator adds a
// second scene, a product with a price and an uploaded picture, an uploaded image layer, a
// product card of that product and a text layer edited in place, all in the scene that is
// not on air. The studio's state says so; then the show goes live to nginx-rtmp on that
// scene, and the card's QR code, read with zbarimg off the pulled stream, is the product's
// link; a fade picked in the transition panel takes it back to the first scene. Screenshots
// go to target/ui-tests/build/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { grabFrame, outputDir, REPO, startNginx, startServe, waitFor } from "./support.mjs";

const TOKEN = "ui-build-token-7d2e91c4";
const LOGO = path.join(REPO, "assets/shows/logo.png");
const LINK = "https://shop.example/green-tea";

const out = outputDir("build");
let nginx;
let serve;
let context;
let page;
let data;
const pageErrors = [];

async function apiState() {
  const response = await fetch(new URL("/api/state", serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  return response.json();
}

async function shot(name) {
  await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
}

before(async () => {
  nginx = await startNginx();
  data = mkdtempSync(path.join(os.tmpdir(), "kaibo-data-"));
  serve = await startServe(["--no-record", "--data", data], TOKEN, path.join(out, "kaibo-serve.log"));
  context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "kaibo-chromium-")), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    locale: "en-US", // the English UI: these tests read its words (i18n.spec.mjs does zh-CN)
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
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

test("a show of two scenes, an uploaded image, a product and its card is built in the UI", async () => {
  await page.goto(serve.url);
  await page.getByTestId("scene-main").waitFor();
  await page.locator('[data-testid="build"] > summary').click();

  // A second scene.
  await page.getByTestId("new-scene-name").fill("Promo");
  await page.getByTestId("add-scene").click();
  await page.getByTestId("scene-row-promo").waitFor();

  // A product with a price and an uploaded picture.
  await page.getByTestId("product-form-id").fill("green-tea");
  await page.getByTestId("product-form-name").fill("Green tea");
  await page.getByTestId("product-form-price").fill("79");
  await page.getByTestId("product-form-original_price").fill("99");
  await page.getByTestId("product-form-url").fill(LINK);
  await page.getByTestId("product-form-image").setInputFiles(LOGO);
  await page.getByTestId("product-form-save").click();
  await page.getByTestId("catalogue-green-tea").waitFor();

  // In the scene not on air: an uploaded image, the product's card, a text edited in place.
  await page.getByTestId("build-layers-scene").selectOption("promo");
  await page.getByTestId("new-layer-kind").selectOption("image");
  await page.getByTestId("new-layer-file").setInputFiles(LOGO);
  await page.getByTestId("add-layer").click();
  await page.getByTestId("build-layer-image-1").waitFor();
  await page.getByTestId("new-layer-kind").selectOption("product_card");
  await page.getByTestId("add-layer").click();
  await page.getByTestId("build-layer-product-card-1").waitFor();
  await page.getByTestId("new-layer-kind").selectOption("text");
  await page.getByTestId("add-layer").click();
  await page.getByTestId("build-layer-edit-text-1").click();
  await page.getByTestId("edit-text").fill("Flash sale");
  await page.getByTestId("edit-font_size").fill("48");
  await page.getByTestId("edit-save").click();
  await page.getByTestId("layer-editor").waitFor({ state: "hidden" });
  // A bad edit is refused in words, and changes nothing.
  await page.getByTestId("build-layer-edit-text-1").click();
  await page.getByTestId("edit-color").fill("gold");
  await page.getByTestId("edit-save").click();
  await waitFor("the refusal", async () => (await page.getByTestId("error-build-layers").textContent()).includes("color"));
  await page.getByTestId("edit-cancel").click();
  await shot("01-built");

  const state = await apiState();
  assert.deepEqual(state.scenes.map((s) => s.id), ["main", "promo"]);
  const promo = state.scenes.find((s) => s.id === "promo");
  assert.deepEqual(promo.layers.map((l) => l.kind), ["image", "product_card", "text"]);
  const media = realpathSync(path.join(data, "media"));
  assert.ok(promo.layers[0].fields.path.startsWith(media), `the image is the uploaded file: ${promo.layers[0].fields.path}`);
  assert.equal(promo.layers[1].product, "green-tea");
  assert.equal(promo.layers[2].fields.text, "Flash sale");
  assert.equal(promo.layers[2].fields.font_size, 48);
  assert.equal(promo.layers[2].fields.color, "#FFFFFF", "the refused colour changed nothing");
  const tea = state.products.find((p) => p.id === "green-tea");
  assert.equal(tea.price, 79);
  assert.equal(tea.original_price, 99);
  assert.ok(tea.image.startsWith(media), `the product's picture is the uploaded file: ${tea.image}`);
  assert.equal(state.scene, "main", "built without touching the scene on air");

  // On air: the card's QR code on the pulled stream is the product's link.
  const ingest = `rtmp://127.0.0.1:${nginx.port}/live/build`;
  const send = (command) => fetch(new URL("/api/commands", serve.url), {
    method: "POST",
    headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  assert.equal((await send({ type: "add_destination", id: "nginx", platform: "custom", url: ingest })).status, 200);
  await page.getByTestId("scene-promo").click();
  await page.locator('[data-testid="scene-promo"][aria-pressed="true"]').waitFor();
  assert.equal((await send({ type: "go_live" })).status, 200);
  const qr = await waitFor("the card's QR code on the stream", () => {
    const png = grabFrame(ingest, path.join(out, "02-live.png"));
    const read = spawnSync("zbarimg", ["--quiet", "--raw", png], { encoding: "utf8", timeout: 30_000 });
    return read.stdout.trim();
  }, 90_000, 500);
  assert.equal(qr, LINK);

  // A fade back to the first scene, picked in the transition panel (the show's transition):
  // the card leaves the stream.
  await page.getByTestId("transition-kind").selectOption("fade");
  await page.getByTestId("transition-ms").fill("800");
  await page.getByTestId("transition-ms").dispatchEvent("change");
  // The picker sets the show's transition, the one obs-websocket clients see too; the last
  // pick is the one kept.
  await waitFor("the picked transition in the studio", async () => {
    const { transition } = await apiState();
    return transition.kind === "fade" && transition.ms === 800 ? transition : null;
  }, 10_000, 100);
  await page.getByTestId("scene-main").click();
  await page.locator('[data-testid="scene-main"][aria-pressed="true"]').waitFor();
  assert.equal((await apiState()).scene, "main");
  assert.deepEqual((await apiState()).transition, { kind: "fade", ms: 800 });
  await waitFor("the stream without the card after the fade", () => {
    const png = grabFrame(ingest, path.join(out, "03-faded.png"));
    const read = spawnSync("zbarimg", ["--quiet", "--raw", png], { encoding: "utf8", timeout: 30_000 });
    return read.stdout.trim() === "" ? "gone" : null;
  }, 60_000, 500);
  await shot("03-faded");
  assert.equal((await send({ type: "end_show" })).status, 200);
  assert.deepEqual(pageErrors, []);
});

// A real OBS collection (saved by OBS on Linux, ../shared/testdata/obs) picked in the scene
// list: its scenes join the show, and the note says what did not come over.
test("an OBS scene collection picked in the scene list adds its scenes", async () => {
  const collection = path.join(process.env.KAIBO_SHARED_TESTDATA ?? path.join(REPO, "../shared/testdata"), "obs/TransportTest-linux.json");
  const before = (await apiState()).scenes.length;
  await page.getByTestId("import-obs-file").setInputFiles(collection);
  await page.getByTestId("scene-row-Speaker").waitFor();
  const scenes = (await apiState()).scenes;
  assert.deepEqual(scenes.slice(before).map((s) => s.name), ["Speaker", "Slides"]);
  assert.ok(scenes.find((s) => s.name === "Speaker").layers.length > 0, "the imported scene has its layers");
  await page.getByText(/2 scene\(s\) added from OBS: Speaker, Slides\. Not imported: /).first().waitFor();
  await shot("04-obs-import");
  // Not a collection: said in the panel, nothing added.
  await page.getByTestId("import-obs-file").setInputFiles({ name: "notes.json", mimeType: "application/json", buffer: Buffer.from("[1, 2") });
  await page.getByTestId("error-build-scenes").getByText("notes.json is not an OBS scene collection").waitFor();
  assert.equal((await apiState()).scenes.length, scenes.length);
  assert.deepEqual(pageErrors, []);
});

