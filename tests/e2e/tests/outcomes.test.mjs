// This year's outcomes (issue 17) on the supervisor's screens, over demo data: a person
// with no follow-up yet is enrolled in BLK training, completes it and is certified (steps
// a supervisor records, dated today); the overview's funnel then counts one more person
// enrolled and one more qualified, the programme's table one more certificate, the
// registrations table filtered on "Lulus / bersertifikat" lists the person with their
// stage, and the CSV export of that filter carries the stage and the steps. The outcome
// section's screenshot is docs/funnel.png.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  Api,
  ADMIN_PASSWORD,
  LAPTOP,
  login,
  navigate,
  parseCsv,
  supervisorPath,
} from "../lib/harness.mjs";

after(removeTempDirs);

const docsPng = (name) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

/** Today in WIB (UTC+7), the server's calendar, as `YYYY-MM-DD`. */
function wibToday() {
  return new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
}

/** The overview's funnel as drawn: stage code → count. */
async function funnel(page) {
  return page.locator('[data-testid="outcomes"] ul.funnel li[data-stage]').evaluateAll((items) =>
    Object.fromEntries(items.map((li) => [li.dataset.stage, Number(li.querySelector("a").dataset.value)])),
  );
}

/** The count of `step` in the overview's row of BLK training. */
async function blkStep(page, step) {
  const link = page.locator(`[data-testid="programme-outcomes"] tr[data-programme="blk_training"] li[data-step="${step}"] a`);
  return Number(await link.getAttribute("data-value"));
}

/** Opens the overview afresh and waits for its outcomes. */
async function openOverview(page) {
  await navigate(page, supervisorPath("ringkasan"));
  await page.locator('[data-testid="outcomes"] ul.funnel li[data-stage="working"]').waitFor({ timeout: 60_000 });
}

test("a person's follow-ups count in this year's funnel, the table's stage filter and the export", async () => {
  const server = await startServer({ demoRecords: 600 });
  let context;
  try {
    const admin = await Api.asAdmin(server.url);
    context = await launchBrowser({ viewport: LAPTOP });
    // A person interested in BLK training who has reached no stage after registering.
    const { rows } = await admin.request("GET", "/api/registrations?programme=blk_training&sort=created_at&dir=desc&per_page=200");
    const person = rows.find((r) => r.stage === "registered");
    assert.ok(person, "a BLK registration without follow-ups among the demo's");
    assert.ok(rows.some((r) => r.stage !== "registered"), "the demo has follow-ups");

    const page = await openApp(context, server.url + "/");
    await login(page, "admin", ADMIN_PASSWORD);
    await openOverview(page);
    const before = await funnel(page);
    assert.deepEqual(Object.keys(before), ["registered", "enrolled", "qualified", "working"]);
    // The funnel is cumulative, and it is the API's.
    assert.ok(before.registered >= before.enrolled && before.enrolled >= before.qualified && before.qualified >= before.working, JSON.stringify(before));
    const api = await admin.request("GET", "/api/overview");
    assert.deepEqual(Object.fromEntries(api.outcomes.funnel.map((s) => [s.stage, s.year_count])), before);
    const certifiedBefore = await blkStep(page, "certified");

    // Enrolled, completed and certified, today.
    const today = wibToday();
    const record = (step, details) =>
      admin.request("POST", `/api/registrations/${person.id}/follow-ups`, { programme: "blk_training", step, date: today, details });
    await record("training_enrolled", { blk: "BLK Bengkulu Selatan", vocation: "Las", planned_end: today });
    await record("training_completed", {});
    await record("certified", { certificate_number: "KOMP-2026-04417", issuer: "LSP Las Indonesia" });

    await openOverview(page);
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid="outcomes"] li[data-stage="qualified"] a')?.dataset.value === String(want),
      before.qualified + 1,
      { timeout: 30_000 },
    );
    assert.deepEqual(await funnel(page), {
      registered: before.registered,
      enrolled: before.enrolled + 1,
      qualified: before.qualified + 1,
      working: before.working,
    });
    assert.equal(await blkStep(page, "certified"), certifiedBefore + 1);
    const qualified = page.locator('[data-testid="outcomes"] li[data-stage="qualified"]');
    assert.match(await qualified.innerText(), /Lulus \/ bersertifikat/);
    assert.match(await page.locator('[data-testid="programme-outcomes"] thead').innerText(), /Ikut pelatihan \/ magang/);
    // The section as a person sees it: from the whole page, so the header that sticks
    // to the top of the window stays at the top of the page.
    await page.evaluate(() => window.scrollTo(0, 0));
    const clip = await page.locator('[data-testid="outcomes"]').evaluate((section) => {
      const box = section.getBoundingClientRect();
      return { x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width, height: box.height };
    });
    await page.screenshot({ path: docsPng("funnel.png"), fullPage: true, clip });

    // The table: the person's row, then the stage chosen in the filter.
    await navigate(page, supervisorPath(`pendaftaran?q=${person.nik}`));
    const row = page.locator(`tr[data-testid="row"][data-id="${person.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.locator("td.stage").getAttribute("data-stage"), "qualified");
    assert.equal((await row.locator("td.stage").innerText()).trim(), "Lulus / bersertifikat");
    await page.selectOption('[data-testid="filters"] select[name="stage"]', "qualified");
    await page.waitForURL((url) => url.searchParams.get("stage") === "qualified");
    await row.waitFor({ timeout: 30_000 });
    const stages = await page.locator('tr[data-testid="row"] td.stage').evaluateAll((cells) => cells.map((c) => c.dataset.stage));
    assert.ok(stages.every((s) => s === "qualified" || s === "working"), stages.join(","));
    await page.selectOption('[data-testid="filters"] select[name="step"]', "certified");
    await page.waitForURL((url) => url.searchParams.get("step") === "certified" && url.searchParams.get("stage") === "qualified");
    await row.waitFor({ timeout: 30_000 });
    await page.selectOption('[data-testid="filters"] select[name="stage"]', "working");
    await page.waitForURL((url) => url.searchParams.get("stage") === "working");
    await page.locator('[data-testid="table-total"]').waitFor();
    await row.waitFor({ state: "detached", timeout: 30_000 });
    await page.selectOption('[data-testid="filters"] select[name="stage"]', "qualified");
    await page.waitForURL((url) => url.searchParams.get("stage") === "qualified");
    await row.waitFor({ timeout: 30_000 });

    // The CSV export of the filter on screen.
    const href = await page.getAttribute('[data-testid="export-csv"]', "href");
    const exportUrl = new URL(href, server.url);
    assert.equal(exportUrl.searchParams.get("stage"), "qualified");
    assert.equal(exportUrl.searchParams.get("step"), "certified");
    const response = await fetch(exportUrl);
    assert.equal(response.status, 200);
    const csv = parseCsv(await response.text());
    const header = csv[0];
    for (const column of ["stage", "follow_ups"]) assert.ok(header.includes(column), `column ${column}: ${header.join(",")}`);
    const line = csv.find((r) => r[header.indexOf("id")] === person.id);
    assert.ok(line, "the person's row in the export");
    assert.equal(line[header.indexOf("stage")], "qualified");
    assert.match(line[header.indexOf("follow_ups")], /certified/);
    assert.deepEqual(page.problems, []);
  } finally {
    await context?.close();
    await server.stop();
  }
});
