// The HTML page of `evs docs --html` in headless Chromium, loaded from file://: no console error, no
// request but the page itself, the search filters as you type, a link to a nested type lands on it.
// Writes screenshots (wide 1400 px, narrow 400 px) next to the page.
// usage: node docs_browser.mjs CHROMIUM PAGE.html SHOT_DIR
import path from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [chromium, page_path, shots] = process.argv.slice(2);
const url = pathToFileURL(path.resolve(page_path)).href;
const failures = [];
const fail = (m) => { failures.push(m); console.log("FAIL: " + m); };

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url, { waitUntil: "load" });

  const visible = (sel) => page.$eval(sel, (el) => !el.closest("[hidden]") && el.getBoundingClientRect().height > 0);
  await page.screenshot({ path: path.join(shots, "docs-wide.png") });

  // 1. the search: an event type shows its section and hides the others
  await page.type("#q", "TodoCreated");
  if (!(await visible("#event-TodoCreated"))) fail("searching TodoCreated hides its section");
  if (await visible("#event-workflow\\.completed")) fail("searching TodoCreated leaves workflow.completed shown");
  const shown = await page.$$eval("section.event", (s) => s.filter((x) => !x.hidden).length);
  if (shown !== 1) fail(`searching TodoCreated shows ${shown} event sections, expected 1`);
  // a field name finds the events that have it, and marks the row
  await page.$eval("#q", (el) => { el.value = ""; });
  await page.type("#q", "recurring_pattern");
  const hits = await page.$$eval("section.event", (s) => s.filter((x) => !x.hidden).map((x) => x.querySelector("h2").id));
  if (!hits.includes("event-task.created") || hits.includes("event-TodoCreated"))
    fail("searching the field recurring_pattern shows " + JSON.stringify(hits));
  if ((await page.$$("tr.hit")).length === 0) fail("searching a field marks no table row");
  await page.$eval("#q", (el) => { el.value = ""; el.dispatchEvent(new Event("input")); });
  if (await page.$eval("#none", (el) => !el.hidden)) fail("'nothing matches' shown with an empty search");

  // 2. a link to a nested type lands on its section
  const link = 'a[href="#type-evs.events.tasks.v1.TaskEventData"]';
  await page.click("section.event " + link);
  await new Promise((r) => setTimeout(r, 300));
  const hash = await page.evaluate(() => location.hash);
  if (hash !== "#type-evs.events.tasks.v1.TaskEventData") fail("link to a nested type: location.hash is " + hash);
  const top = await page.$eval("#type-evs\\.events\\.tasks\\.v1\\.TaskEventData", (el) => el.getBoundingClientRect().top);
  if (top < 0 || top > 200) fail(`nested type's heading is at y=${top} after the click, not at the top`);

  // 3. a shared link opens at its anchor
  await page.goto(url + "#event-TodoCreated-1.0", { waitUntil: "load" });
  const top2 = await page.$eval("#event-TodoCreated-1\\.0", (el) => el.getBoundingClientRect().top);
  if (top2 < 0 || top2 > 200) fail(`#event-TodoCreated-1.0 opens with its heading at y=${top2}`);

  // 4. narrow window: nothing wider than the viewport (cards instead of tables)
  await page.setViewport({ width: 400, height: 860 });
  await page.goto(url, { waitUntil: "load" });
  await page.screenshot({ path: path.join(shots, "docs-narrow.png") });
  await page.goto(url + "#event-task.created", { waitUntil: "load" });
  await page.screenshot({ path: path.join(shots, "docs-narrow-event.png") });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`narrow window: the page is ${overflow}px wider than the viewport`);
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url + "#event-TodoCreated", { waitUntil: "load" });
  await page.screenshot({ path: path.join(shots, "docs-wide-event.png") });

  const others = requests.filter((r) => r.split("#")[0] !== url);
  if (others.length) fail("requests other than the page: " + others.join(" "));
  if (errors.length) fail("console errors: " + errors.join(" | "));
} finally {
  await browser.close();
}
if (failures.length) process.exit(1);
console.log("ok: search, links, anchors, narrow layout; no console error, no request but the page");
