// Chinese and English: headless Chromium (playwright-core, /usr/bin/chromium) against a real
// `kaibo serve` on the demo show, once with the browser's locale zh-CN and once with en-US.
// Every visible string of the main panels (the header, scenes, looks, products, the run of
// show, health, destinations, the audience side and the opened "Build the show") is in that
// language: no catalogue key shown raw, no placeholder left, no English in the Chinese UI but
// brand and platform names (ui/test/latin_allowed.json), no Chinese in the English UI but
// platform names. The show's own data (its bilingual names) is left out of the check: it is
// what the show says, not the UI. Then the language switch changes everything live, is
// remembered over a reload, and a studio error and the session report follow it.
// Screenshots go to target/ui-tests/i18n/.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { outputDir, REPO, startServe, waitFor } from "./support.mjs";

const TOKEN = "ui-i18n-token-3b8c55d1";
const out = outputDir("i18n");
const allowed = JSON.parse(readFileSync(path.join(REPO, "ui/test/latin_allowed.json"), "utf8"));
const catalogue = JSON.parse(readFileSync(path.join(REPO, "ui/src/locales/en.json"), "utf8"));

function keys(tree, prefix = "") {
  return Object.entries(tree).flatMap(([name, value]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return typeof value === "string" ? [key, key.replace(/_(one|other)$/, "")] : keys(value, key);
  });
}
const CATALOGUE_KEYS = [...new Set(keys(catalogue))];

let serve;
let browser;

/** The show's own words in the state: names, ids, texts, URLs; not the UI's. */
const DATA_FIELDS = new Set(["show_name", "name", "id", "url", "text", "talking_points", "user", "label", "room", "product", "scene", "card", "show_file", "banned_words", "sources", "file", "path"]);
function dataStrings(value, field = "", found = new Set()) {
  if (typeof value === "string") {
    if (DATA_FIELDS.has(field) && value.length > 0) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) dataStrings(item, field, found);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) dataStrings(v, k, found);
  }
  return found;
}

async function apiState() {
  const response = await fetch(new URL("/api/state", serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  return response.json();
}

/** Every string a person sees on the page: text of visible elements, and the placeholders of
 * visible fields (a select shows its chosen option only). */
async function visibleStrings(page) {
  return page.evaluate(() => {
    const seen = [];
    const visible = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest("script, style")) continue;
      const option = parent.closest("option");
      if (option) {
        const select = option.closest("select");
        if (select && visible(select) && select.selectedOptions[0] === option) seen.push(text);
        continue;
      }
      if (visible(parent)) seen.push(text);
    }
    for (const field of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
      if (visible(field) && field.placeholder && !field.value) seen.push(field.placeholder);
    }
    return seen;
  });
}

/** What is left of `text` once the show's data is taken out (after the allowed words,
 * which may hold a word of the data: "bili-main" and the scene "main"). */
function withoutData(text, data, allowedWords) {
  let rest = text;
  for (const word of allowedWords) rest = rest.split(word).join(" ");
  for (const word of data) rest = rest.split(word).join(" ");
  return rest;
}

function latinLeft(text) {
  let rest = text.replace(/--[a-z-]+/g, " ");
  for (const word of allowed.latin_in_chinese) rest = rest.split(word).join(" ");
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

function chineseLeft(text) {
  let rest = text;
  for (const word of allowed.chinese_in_english) rest = rest.split(word).join(" ");
  return rest.match(/[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+/g) ?? [];
}

/** Fails with every string that is not in `lang`. */
async function assertAllIn(page, lang, label) {
  const data = [...dataStrings(await apiState())].sort((a, b) => b.length - a.length);
  const strings = await visibleStrings(page);
  assert.ok(strings.length > 60, `${label}: the page shows its panels (${strings.length} strings)`);
  const raw = strings.filter((s) => CATALOGUE_KEYS.some((key) => key.includes(".") && s.includes(key)) || s.includes("{{"));
  assert.deepEqual(raw, [], `${label}: catalogue keys or placeholders shown raw`);
  const wrong = strings
    .map((s) => [s, lang === "zh-CN" ? latinLeft(withoutData(s, data, allowed.latin_in_chinese)) : chineseLeft(withoutData(s, data, allowed.chinese_in_english))])
    .filter(([, left]) => left.length > 0);
  assert.deepEqual(wrong, [], `${label}: strings not in ${lang}`);
  return strings;
}

async function openStudio(locale) {
  const context = await browser.newContext({ locale, viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(serve.url);
  await page.getByTestId("scene-main").waitFor();
  await page.getByTestId("health-program").waitFor({ timeout: 60_000 }); // the program runs
  await page.locator('[data-testid="build"] > summary').click(); // "Build the show" open
  await page.getByTestId("build-settings").waitFor();
  return { context, page, errors };
}

before(async () => {
  serve = await startServe(
    [path.join(REPO, "assets/shows/demo.json"), "--no-record", "--data", mkdtempSync(path.join(os.tmpdir(), "kaibo-data-"))],
    TOKEN,
    path.join(out, "kaibo-serve.log"),
  );
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    timeout: 60_000,
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await serve?.stop();
});

test("with the browser in zh-CN, every visible string is Chinese", async () => {
  const { context, page, errors } = await openStudio("zh-CN");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
  assert.equal(await page.getByTestId("go-live").textContent(), "开播");
  assert.equal(await page.getByTestId("phase").textContent(), "未开播");
  const strings = await assertAllIn(page, "zh-CN", "zh-CN");
  // Money for the locale: the demo's first product is 129 CNY.
  assert.ok(strings.some((s) => /^¥\d{1,3}(,\d{3})*\.\d\d/.test(s)), `a price reads ¥…: ${strings.join(" | ")}`);
  await page.screenshot({ path: path.join(out, "zh-CN.png"), fullPage: true });

  // A refusal from the studio, in Chinese: a destination name with a space.
  await page.getByTestId("dest-id").fill("bad name");
  await page.getByTestId("dest-url").fill("rtmp://127.0.0.1:9/live");
  await page.locator('[data-testid="dest-form"] button[type="submit"]').click();
  await waitFor("the refusal", async () => (await page.getByTestId("error-destinations").textContent()).length > 0, 10_000);
  assert.equal(await page.getByTestId("error-destinations").textContent(), "推流目标的名称只能使用字母、数字、- 和 _");

  // The session report, in the UI's language.
  const [report] = await Promise.all([context.waitForEvent("page"), page.getByTestId("session-report").click()]);
  await report.waitForLoadState();
  assert.equal(new URL(report.url()).searchParams.get("lang"), "zh-CN");
  assert.equal(await report.evaluate(() => document.documentElement.lang), "zh-CN");
  const headings = await report.$$eval("h2", (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(headings.slice(0, 3), ["概览", "观众", "商品"]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("with the browser in en-US, every visible string is English; the switch changes it live", async () => {
  const { context, page, errors } = await openStudio("en-US");
  assert.equal(await page.getByTestId("go-live").textContent(), "Go Live");
  assert.equal(await page.getByTestId("phase").textContent(), "off air");
  await assertAllIn(page, "en", "en-US");
  await page.screenshot({ path: path.join(out, "en-US.png"), fullPage: true });

  // Switched to Chinese: everything follows at once, with no reload.
  await page.evaluate(() => (window.kaiboLoads = (window.kaiboLoads ?? 0) + 1));
  await page.getByTestId("language").selectOption("zh-CN");
  assert.equal(await page.getByTestId("go-live").textContent(), "开播");
  assert.equal(await page.locator('[data-testid="build"] > summary').textContent(), "编排节目");
  assert.equal(await page.evaluate(() => window.kaiboLoads), 1, "no reload");
  await assertAllIn(page, "zh-CN", "switched to zh-CN");
  await page.screenshot({ path: path.join(out, "en-US-switched.png"), fullPage: true });

  // Remembered: a reload in the en-US browser stays Chinese.
  await page.reload();
  await page.getByTestId("scene-main").waitFor();
  assert.equal(await page.getByTestId("go-live").textContent(), "开播");

  // And back.
  await page.getByTestId("language").selectOption("en");
  assert.equal(await page.getByTestId("go-live").textContent(), "Go Live");
  assert.equal(await page.getByTestId("phase").textContent(), "off air");
  assert.deepEqual(errors, []);
  await context.close();
});
