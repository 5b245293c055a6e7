// Follow-ups (issue 17), on the officer's phone: a person registered for BLK training has
// their steps recorded with no network — enrolled (with a planned end already past),
// completed, certified — the work list "Perlu ditindaklanjuti" asks about the training
// until its outcome is recorded, a required detail left empty is refused with its
// message, and back online the steps reach the server in the document, merged with a
// supervisor's comment written meanwhile. Job seekers registered more than six months
// ago are on the work list for their report, until it is recorded.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  Api,
  loginOfficer,
  saveNewPerson,
  until,
  waitForRegionList,
} from "../lib/harness.mjs";

after(removeTempDirs);

/** A phone's screen, as the screenshots in the docs show it. */
const PHONE_390 = { width: 390, height: 844 };
const docsPng = (name) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

/** The day `days` before today in WIB (UTC+7), the phone's calendar, as `YYYY-MM-DD`. */
function wibDaysAgo(days) {
  return new Date(Date.now() + 7 * 3600_000 - days * 86_400_000).toISOString().slice(0, 10);
}

/** Opens the follow-up form of the record open in `page`. */
async function openFollowUpForm(page) {
  await page.click('button[name="record_follow_up"]');
  await page.locator("form.follow-up").waitFor();
}

/** Saves the follow-up form and waits for the record with its new step. */
async function saveFollowUp(page, step) {
  await page.click('form.follow-up button[name="save"]');
  await page.locator(`form.registration li.follow-up[data-step="${step}"]`).waitFor({ timeout: 30_000 });
}

/** Goes from the record back to the list, then to the work list. */
async function openWorkList(page) {
  await page.click('form.registration button[name="back"]');
  await page.locator("section.list").waitFor();
  await page.click('button[name="work_list"]');
  await page.locator("section.work-list").waitFor();
}

test("follow-ups are recorded offline, the work list asks for them, and they reach the server", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti Rahma" });

  const context = await launchBrowser({ viewport: PHONE_390 });
  try {
    const page = await openApp(context, server.url + "/");
    await loginOfficer(page, "siti", "siti-password-123");
    await waitForRegionList(page);
    await saveNewPerson(page, { name: "Dedi Kurniawan", nik: "1701011203980001", birthDate: "1998-03-12", vocation: "Las" });
    const id = new URL(page.url()).hash.replace("#/bukti/", "");
    await page.click('section.receipt button[name="done"]');
    await page.locator("section.list").waitFor();
    assert.equal(await page.getAttribute('button[name="work_list"]', "data-count"), "0");
    await until(async () => {
      try {
        return (await admin.request("GET", `/api/registrations/${id}`)).id === id;
      } catch {
        return false;
      }
    }, "the registration on the server");

    // No network, and no server either.
    await context.setOffline(true);
    await server.stop();

    // 1. Enrolled at a BLK: the person's programme comes first, the vocation from the
    // registration; the planned end is already past.
    await page.click(`li.record[data-id="${id}"]`);
    await page.locator("form.registration section.follow-up-list").waitFor();
    assert.equal(await page.locator("li.follow-up").count(), 0);
    await openFollowUpForm(page);
    const form = page.locator("form.follow-up");
    assert.equal(await form.locator('select[name="programme"]').inputValue(), "blk_training");
    assert.equal(await form.locator('select[name="step"]').inputValue(), "training_enrolled");
    assert.equal(await form.locator('input[name="vocation"]').inputValue(), "Las");
    assert.match(await form.locator('input[name="date"]').evaluate((e) => e.closest("label").innerText), /Tanggal mulai/);
    await form.locator('input[name="date"]').fill(wibDaysAgo(60));
    await form.locator('input[name="blk"]').fill("BLK Bengkulu Selatan");
    await form.locator('input[name="batch"]').fill("II");
    await form.locator('input[name="planned_end"]').fill(wibDaysAgo(2));
    await form.locator('input[name="planned_end"]').blur();
    // The phone's screen with the form at its top, under the app's header ("Simpan"
    // sticks to the screen's bottom, so a full-page picture would cut the form).
    await page.evaluate(() => {
      const top = document.querySelector("form.follow-up").getBoundingClientRect().top + window.scrollY;
      window.scrollTo(0, top - document.querySelector("header.top").offsetHeight);
    });
    await page.screenshot({ path: docsPng("follow-up-form.png") });
    await saveFollowUp(page, "training_enrolled");
    const enrolled = page.locator('li.follow-up[data-step="training_enrolled"]');
    assert.match(await enrolled.innerText(), /Mulai pelatihan di BLK/);
    assert.match(await enrolled.innerText(), /BLK Bengkulu Selatan/);
    assert.match(await enrolled.innerText(), /Siti Rahma/);

    // 2. The work list asks how the training went.
    await openWorkList(page);
    const due = page.locator(`section.work-list li.record[data-id="${id}"]`);
    await due.waitFor();
    assert.match(await due.locator(".name").innerText(), /Dedi Kurniawan/);
    assert.ok((await due.locator(".village").innerText()).trim().length > 0);
    assert.match(await due.locator('[data-reason="training_ended"]').innerText(), /Pelatihan seharusnya sudah selesai/);
    await page.screenshot({ path: docsPng("work-list.png"), fullPage: true });

    // 3. From the work list, "Lulus pelatihan".
    await due.click();
    await page.locator("form.registration section.follow-up-list").waitFor();
    await openFollowUpForm(page);
    await form.locator('select[name="step"]').selectOption("training_completed");
    await form.locator('input[name="date"]').fill(wibDaysAgo(1));
    await saveFollowUp(page, "training_completed");

    // 4. "Sertifikat kompetensi" without its issuer: the message, and nothing saved.
    await openFollowUpForm(page);
    await form.locator('select[name="step"]').selectOption("certified");
    await form.locator('input[name="date"]').fill(wibDaysAgo(1));
    await form.locator('input[name="certificate_number"]').fill("KOMP-2026-00417");
    await form.locator('button[name="save"]').click();
    const missing = form.locator('.problem.error[data-field="follow_ups[2].details.issuer"]');
    await missing.waitFor();
    assert.equal(await missing.innerText(), "Penerbit sertifikat wajib diisi.");
    await form.locator(".save-error").waitFor();
    assert.equal(await page.locator("form.registration").count(), 0, "still on the follow-up form");
    await form.locator('input[name="issuer"]').fill("LSP Las Indonesia");
    await saveFollowUp(page, "certified");
    const steps = await page.locator("li.follow-up").evaluateAll((items) => items.map((i) => i.dataset.step));
    assert.deepEqual(steps, ["certified", "training_completed", "training_enrolled"], "newest first");

    // 5. The outcome is recorded: the work list is empty again.
    await openWorkList(page);
    await page.locator("section.work-list .hint").waitFor();
    assert.equal(await page.locator("section.work-list li.record").count(), 0);
    await page.click('section.work-list button[name="back"]');
    assert.equal(await page.getAttribute('button[name="work_list"]', "data-count"), "0");

    // 6. The server is back; the phone is still offline while a supervisor comments on
    // the same record. Online again: the document syncs, and the server holds the three
    // steps and the comment, and the phone the comment.
    await server.restart();
    const comment = "Sertifikatnya sudah difoto?";
    await admin.request("POST", `/api/registrations/${id}/review`, { status: "verified", comment });
    await context.setOffline(false);
    let stored;
    await until(async () => {
      stored = await admin.request("GET", `/api/registrations/${id}`);
      return stored.follow_ups?.length === 3;
    }, "three follow-ups on the server");
    assert.deepEqual(stored.review.comments.map((c) => c.text), [comment], "the comment survives the merge");
    assert.equal(stored.review.status, "verified");
    await page.locator(`li.record[data-id="${id}"]`).getByText(comment).waitFor({ timeout: 60_000 });
    const byStep = Object.fromEntries(stored.follow_ups.map((f) => [f.step, f]));
    assert.equal(byStep.training_enrolled.programme, "blk_training");
    assert.equal(byStep.training_enrolled.details.blk, "BLK Bengkulu Selatan");
    assert.equal(byStep.training_enrolled.details.vocation, "Las");
    assert.equal(byStep.training_enrolled.details.planned_end, wibDaysAgo(2));
    assert.equal(byStep.certified.details.certificate_number, "KOMP-2026-00417");
    assert.equal(byStep.certified.details.issuer, "LSP Las Indonesia");
    assert.equal(byStep.certified.details.blk, "", "a step keeps only its own details");
    for (const f of stored.follow_ups) assert.equal(f.recorded_by, stored.registered_by);

    // 7. Job seekers registered 200 days ago (sample records, each at random a job
    // seeker or not) are due for their six-monthly report.
    const longAgo = Date.now() - 200 * 86_400_000;
    assert.equal(await page.evaluate((at) => window.jemputAddSamples(30, "17.01.01.2001", at), longAgo), 30);
    await until(async () => Number(await page.getAttribute('button[name="work_list"]', "data-count")) > 0, "seekers on the work list");
    await page.click('button[name="work_list"]');
    await page.locator("section.work-list li.record").first().waitFor();
    const reasons = await page.locator("section.work-list li.record").evaluateAll((items) =>
      items.map((i) => [...i.querySelectorAll("[data-reason]")].map((r) => r.dataset.reason).join(",")),
    );
    assert.ok(reasons.length > 0 && reasons.length <= 30, reasons.join(" "));
    assert.ok(reasons.every((r) => r === "report_due"), reasons.join(" "));
    assert.equal(await page.locator(`section.work-list li.record[data-id="${id}"]`).count(), 0);
    assert.match(await page.locator('section.work-list [data-reason="report_due"]').first().innerText(), /Laporan 6 bulanan pencari kerja/);

    // 8. The report of one of them — still looking — clears them from the work list.
    const seeker = page.locator("section.work-list li.record").first();
    const seekerId = await seeker.getAttribute("data-id");
    await seeker.click();
    await page.locator("form.registration section.follow-up-list").waitFor();
    await openFollowUpForm(page);
    await form.locator('select[name="programme"]').selectOption("job_placement");
    await form.locator('select[name="step"]').selectOption("still_looking");
    await form.locator('input[name="date"]').fill(wibDaysAgo(0));
    await saveFollowUp(page, "still_looking");
    await openWorkList(page);
    await page.locator("section.work-list").waitFor();
    await until(
      async () => (await page.locator(`section.work-list li.record[data-id="${seekerId}"]`).count()) === 0,
      "the reported seeker off the work list",
    );
    assert.equal(await page.locator("section.work-list li.record").count(), reasons.length - 1);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    await server.stop();
  }
});
