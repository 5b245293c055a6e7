// A receipt on the spot (issue 16): an officer registers a person with no network and the
// phone shows the citizen's receipt at once — the registration number, the NIK masked, a
// QR code — which "Bagikan" shares through the Web Share API and "Cetak" prints alone;
// numbers survive a reload; back online, the office verifies the QR's signed payload
// at the server, and one altered character is refused.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  startServer,
  launchBrowser,
  openApp,
  waitForApp,
  waitForServiceWorker,
  removeTempDirs,
  Api,
  loginOfficer,
  saveNewPerson,
  PIN,
  until,
  waitForRegionList,
} from "../lib/harness.mjs";

after(removeTempDirs);

/** A phone's screen, as the screenshot in the docs shows it. */
const PHONE_390 = { width: 390, height: 844 };
const SCREENSHOT = fileURLToPath(new URL("../../../docs/receipt.png", import.meta.url));
const NUMBER = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-(\d{4,})$/;

/** Records what the page shares and prints instead of opening the phone's sheets. */
function stubShareAndPrint() {
  window.__shared = [];
  window.__printed = 0;
  navigator.canShare = () => true;
  navigator.share = async (data) => {
    window.__shared.push({ ...data });
  };
  window.print = () => {
    window.__printed += 1;
  };
}

test("a receipt is shown, shared and printed offline, and its QR verifies at the server", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti Rahma" });

  const context = await launchBrowser({ viewport: PHONE_390 });
  await context.addInitScript(stubShareAndPrint);
  try {
    const page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await loginOfficer(page, "siti", "siti-password-123");
    // The region list comes down with the first form.
    await waitForRegionList(page);

    // Offline, with the server down too.
    await context.setOffline(true);
    await server.stop();
    const nik = "1701011205950001";
    const masked = "1701••••••••0001";
    await saveNewPerson(page, { name: "Ahmad Fauzi", nik, birthDate: "1995-05-12" });

    // The receipt, right after saving: number, masked NIK, the card's fields, a QR code.
    const card = page.locator('[data-testid="receipt-card"]');
    const number = (await card.locator('[data-testid="receipt-number"]').innerText()).trim();
    assert.match(number, NUMBER);
    assert.equal(number.match(NUMBER)[1], "0001");
    const id = new URL(page.url()).hash.replace("#/bukti/", "");
    assert.equal(await card.locator('[data-field="nik"]').innerText(), masked);
    assert.equal(await card.locator('[data-field="full_name"]').innerText(), "Ahmad Fauzi");
    assert.equal(await card.locator('[data-field="officer"]').innerText(), "Siti Rahma");
    assert.match(await card.locator('[data-field="programmes"]').innerText(), /Penempatan kerja/);
    assert.match(await card.locator('[data-field="birth"]').innerText(), /Manna, 1995-05-12/);
    assert.ok(!(await card.innerText()).includes(nik), "the full NIK is not on the card");
    const link = card.locator("a.verify-url");
    const verifyUrl = await link.getAttribute("data-verify-url");
    assert.ok(verifyUrl.startsWith(server.url + "/verifikasi/"), verifyUrl);
    assert.equal((await link.innerText()).trim(), verifyUrl);
    assert.equal(await card.locator(".receipt-qr svg path").count(), 1);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // "Bagikan": the Web Share API gets the card's public part and the QR's address.
    await page.click('section.receipt button[name="share"]');
    await until(() => page.evaluate(() => window.__shared.length === 1), "one share");
    const [shared] = await page.evaluate(() => window.__shared);
    assert.equal(shared.url, verifyUrl);
    assert.match(shared.text, new RegExp(number));
    assert.ok(shared.text.includes(masked), shared.text);
    assert.ok(!shared.text.includes(nik), "the full NIK is not shared");

    // "Cetak": the browser's print; in print media only the card is visible.
    await page.click('section.receipt button[name="print"]');
    assert.equal(await page.evaluate(() => window.__printed), 1);
    await page.emulateMedia({ media: "print" });
    const printed = await page.evaluate(() => document.body.innerText);
    assert.ok(printed.includes(number), printed);
    assert.ok(printed.includes(masked), printed);
    assert.ok(!printed.includes(nik), "the full NIK is not printed");
    assert.ok(!printed.includes("Bagikan"), "the buttons are not printed");
    const pdf = await page.pdf({ width: "90mm", height: "200mm", printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
    await page.emulateMedia({ media: "screen" });

    // Still offline: the number survives a reload and the next one follows it.
    await page.reload();
    await waitForApp(page);
    // The PIN, then the receipt again: the reload kept its address (`#/bukti/<id>`).
    const pin = page.locator("form.pin");
    await pin.waitFor({ timeout: 30_000 });
    await pin.locator('input[name="pin"]').fill(PIN);
    await pin.locator('button[type="submit"]').click();
    await page.locator('[data-testid="receipt-number"]').waitFor({ timeout: 30_000 });
    assert.equal((await page.locator('[data-testid="receipt-number"]').innerText()).trim(), number);
    await page.click('section.receipt button[name="done"]');
    await page.locator("section.list").waitFor();
    await saveNewPerson(page, { name: "Rudi Hartono", nik: "1701010308900002", birthDate: "1990-08-03" });
    const second = (await page.locator('[data-testid="receipt-number"]').innerText()).trim();
    assert.equal(second.match(NUMBER)[1], "0002");
    assert.equal(second.slice(0, 11), number.slice(0, 11), "one device, one code");
    // Later, from the record itself: the same receipt, with the same signed QR.
    await page.click('section.receipt button[name="done"]');
    await page.click(`li.record[data-id="${id}"]`);
    await page.click('button[name="open_receipt"]');
    await page.locator('[data-testid="receipt-number"]').waitFor({ timeout: 30_000 });
    assert.equal((await page.locator('[data-testid="receipt-number"]').innerText()).trim(), number);
    assert.equal(await page.locator("a.verify-url").getAttribute("data-verify-url"), verifyUrl);

    // Online again: the number reached the server in the document, and the office
    // verifies the QR's payload.
    await server.restart();
    await context.setOffline(false);
    await until(async () => (await admin.request("GET", "/api/admin/stats")).registrations === 2, "two records on the server");
    await until(async () => (await admin.request("GET", `/api/registrations/${id}`)).receipt_number === number, "the number in the server's copy");
    const payload = verifyUrl.slice((server.url + "/verifikasi/").length);
    const verdict = await new Api(server.url).request("GET", `/api/receipts/verify/${payload}`);
    assert.equal(verdict.verdict, "valid");
    assert.equal(verdict.number, number);
    assert.equal(verdict.masked_nik, masked);
    assert.equal(verdict.name, "Ahmad Fauzi");
    assert.equal(verdict.officer, "Siti Rahma");
    const pageHtml = await (await fetch(verifyUrl)).text();
    assert.match(pageHtml, /data-verdict="valid"/);
    assert.match(pageHtml, /Siti Rahma/);

    const middle = Math.floor(payload.length / 2);
    const bent = payload.slice(0, middle) + (payload[middle] === "A" ? "B" : "A") + payload.slice(middle + 1);
    const refused = await new Api(server.url).request("GET", `/api/receipts/verify/${bent}`);
    assert.equal(refused.verdict, "invalid");
    assert.match(await (await fetch(`${server.url}/verifikasi/${bent}`)).text(), /data-verdict="invalid"/);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    await server.stop();
  }
});
