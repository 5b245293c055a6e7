// Measures the officer app in headless Chromium against a real server and prints one JSON
// object per run and the median of `--runs` (default 3):
//   shell_kb            app shell bytes over the wire on a first visit (bodies as sent,
//                       brotli; headers included)
//   interactive_ms      with 5,000 registrations stored, from navigation start to the list
//                       shown and the "new registration" button usable
//   save_ms             "Simpan" to the IndexedDB transaction committed (strict durability)
//   sync_500_slow_ms    500 waiting registrations sent over 400 kbit/s each way and 400 ms
//                       round trip, from "Sync now" to 0 waiting
// Run with `cargo xtask bench-app` (sets the environment as for the browser tests).

import { startServer, launchBrowser, openApp, waitForApp, waitForServiceWorker, removeTempDirs, Api } from "../lib/harness.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;

async function until(check, timeoutMs = 300_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function login(page, username, password) {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('form.login button[type="submit"]');
  await page.locator("section.list").waitFor({ timeout: 30_000 });
}

const waiting = async (page) => Number(await page.locator(".status .waiting").getAttribute("data-waiting"));

async function oneRun(run) {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  const result = {};
  try {
    // Shell transfer on a first visit.
    let context = await launchBrowser();
    let page = context.pages()[0] ?? (await context.newPage());
    let shellBytes = 0;
    const sizes = [];
    page.on("requestfinished", (request) => {
      if (!new URL(request.url()).pathname.startsWith("/api/")) sizes.push(request.sizes().then((s) => (shellBytes += s.responseBodySize + s.responseHeadersSize)));
    });
    await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await Promise.all(sizes);
    result.shell_kb = Math.round(shellBytes / 102.4) / 10;

    // 5,000 stored registrations: time to interactive after a reload.
    await admin.createUser({ username: `big${run}`, password: "officer-password-1", role: "officer", regions: ["17.01.01"] });
    await login(page, `big${run}`, "officer-password-1");
    await context.setOffline(true);
    await page.evaluate(() => window.jemputAddSamples(5000, "17.01.01.2001"));
    await page.reload();
    await waitForApp(page);
    await page.locator("li.record").first().waitFor({ timeout: 60_000 });
    await page.locator('button[name="new_registration"]:enabled').waitFor();
    result.interactive_ms = Math.round(await page.evaluate(() => performance.now()));

    // One save, with 5,000 records in the database.
    await page.click('button[name="new_registration"]');
    await page.fill('input[name="full_name"]', "Ahmad Fauzi");
    await page.fill('input[name="nik"]', "1701011205950001");
    await page.fill('input[name="birth_place"]', "Manna");
    await page.fill('input[name="birth_date"]', "1995-05-12");
    await page.fill('input[name="phone"]', "081234567890");
    await page.selectOption('select[name="address.regency"]', "17.01");
    await page.selectOption('select[name="address.district"]', "17.01.01");
    await page.selectOption('select[name="address.village"]', "17.01.01.2001");
    await page.fill('input[name="address.rt"]', "001");
    await page.fill('input[name="address.rw"]', "002");
    await page.check('input[name="programmes"][value="job_placement"]');
    await page.check('input[name="consent"]');
    await page.click('button[name="save"]');
    await page.locator("section.list").waitFor();
    result.save_ms = Math.round(await page.evaluate(() => window.jemputLastSaveMs) * 10) / 10;
    await context.close();

    // 500 waiting registrations over a slow link.
    context = await launchBrowser();
    page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await admin.createUser({ username: `slow${run}`, password: "officer-password-1", role: "officer", regions: ["17.01.01"] });
    await login(page, `slow${run}`, "officer-password-1");
    await until(async () => (await waiting(page)) === 0 && !(await page.locator(".last-sync", { hasText: "sedang" }).count()));
    await page.route("**/api/sync", (route) => route.abort("internetdisconnected"));
    await page.evaluate(() => window.jemputAddSamples(500, "17.01.01.2001"));
    await until(async () => (await waiting(page)) === 500);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 400,
      downloadThroughput: 400_000 / 8,
      uploadThroughput: 400_000 / 8,
    });
    await until(async () => !(await page.locator(".last-sync", { hasText: "sedang" }).count()));
    await page.unroute("**/api/sync");
    const started = Date.now();
    await page.click('button[name="sync_now"]');
    await until(async () => (await waiting(page)) === 0);
    result.sync_500_slow_ms = Date.now() - started;
    await context.close();
  } finally {
    await server.stop();
  }
  return result;
}

const results = [];
for (let run = 0; run < runs; run++) {
  const result = await oneRun(run);
  console.log(JSON.stringify(result));
  results.push(result);
}
const median = {};
for (const key of Object.keys(results[0])) {
  const values = results.map((r) => r[key]).sort((a, b) => a - b);
  median[key] = values[Math.floor(values.length / 2)];
}
console.log("median: " + JSON.stringify(median));
await removeTempDirs();
