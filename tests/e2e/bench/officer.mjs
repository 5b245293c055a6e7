// Measures the officer app in headless Chromium against a real server and prints one JSON
// object per run and the median of `--runs` (default 3):
//   shell_kb            app shell bytes over the wire on a first visit (bodies as sent,
//                       brotli; headers included): what the page fetches itself, i.e.
//                       what the login form needs (the first wasm module)
//   shell_with_worker_kb the same visit counting the service worker's own fetches too
//                       (it precaches the whole shell once the page has started, the
//                       signed-in screens' wasm chunk included): the whole offline app
//   login_usable_lowend_ms  on a low-end phone profile (CPU 4× slower, 1.6 Mbit/s down,
//                       150 ms latency), a first visit from navigation start to the login
//                       form usable (its button enabled, the app started)
//   supervisor_app_kb   the supervisor's app (`/pengawas/…`) over the wire when a
//                       supervisor opens it after logging in (the officer's shell, with
//                       the login page, came before)
//   interactive_after_unlock_ms  with 5,000 registrations stored, after a reload, from
//                       submitting the PIN to the list shown and the "new registration"
//                       button usable (PIN derivation and 5,000 summaries opened)
//   unlock_lowend_ms    the same with the CPU throttled 4× (the low-end phone profile)
//   save_ms             "Simpan" to the IndexedDB transaction committed (strict durability)
//   sync_500_slow_ms    500 waiting registrations sent over 400 kbit/s each way and 400 ms
//                       round trip, from "Sync now" to 0 waiting
// Run with `cargo xtask bench-app` (sets the environment as for the browser tests).

import {
  startServer,
  launchBrowser,
  openApp,
  waitForApp,
  waitForServiceWorker,
  removeTempDirs,
  Api,
  LAPTOP,
  login as submitLogin,
  loginOfficer,
  PIN,
  registerPerson,
  until as untilHolds,
  waiting,
} from "../lib/harness.mjs";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;

// Polled often: the sync figure is read when this returns.
const until = (check, timeoutMs = 300_000) => untilHolds(check, "the benchmark step", timeoutMs, 100);

/** Sums the bytes (bodies as sent and headers) of `target`'s requests that `counts`. */
function countBytes(target, counts) {
  const sizes = [];
  target.on("requestfinished", (request) => {
    if (counts(new URL(request.url()).pathname)) {
      sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
    }
  });
  return async () => Math.round((await Promise.all(sizes)).reduce((a, b) => a + b, 0) / 102.4) / 10;
}

/** A first visit on a low-end phone: navigation start → the login form usable, in ms. */
async function loginUsableLowEnd(url) {
  const context = await launchBrowser();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 150,
      downloadThroughput: 1_600_000 / 8,
      uploadThroughput: 750_000 / 8,
    });
    await page.goto(url + "/");
    await page.locator("html[data-jemput-ready]").waitFor({ state: "attached", timeout: 60_000 });
    await page.locator('form.login button[type="submit"]:enabled').waitFor({ timeout: 60_000 });
    return Math.round(await page.evaluate(() => performance.now()));
  } finally {
    await context.close();
  }
}


async function oneRun(run) {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  const result = {};
  try {
    // Shell transfer on a first visit: the page's own fetches, then with the worker's.
    let context = await launchBrowser();
    let page = context.pages()[0] ?? (await context.newPage());
    const notApi = (path) => !path.startsWith("/api/");
    const pageBytes = countBytes(page, notApi);
    const allBytes = countBytes(context, notApi);
    await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    result.shell_kb = await pageBytes();
    result.shell_with_worker_kb = await allBytes();

    // The login form on a low-end phone, first visit.
    result.login_usable_lowend_ms = await loginUsableLowEnd(server.url);

    // 5,000 stored registrations: time to interactive after a reload.
    await admin.createUser({ username: `big${run}`, password: "officer-password-1", role: "officer", regions: ["17.01.01"] });
    await loginOfficer(page, `big${run}`, "officer-password-1");
    await context.setOffline(true);
    await page.evaluate(() => window.jemputAddSamples(5000, "17.01.01.2001"));
    await page.reload();
    await waitForApp(page);
    // The PIN: from its submission to the list usable (derivation, 5,000 summaries opened).
    await page.locator('form.pin input[name="pin"]').waitFor({ timeout: 60_000 });
    await page.fill('form.pin input[name="pin"]', PIN);
    const submitted = await page.evaluate(() => performance.now());
    await page.click('form.pin button[type="submit"]');
    await page.locator("li.record").first().waitFor({ timeout: 60_000 });
    await page.locator('button[name="new_registration"]:enabled').waitFor();
    result.interactive_after_unlock_ms = Math.round(await page.evaluate(() => performance.now()) - submitted);

    // One save, with 5,000 records in the database.
    await registerPerson(page, { name: "Ahmad Fauzi", nik: "1701011205950001", birthDate: "1995-05-12" });
    result.save_ms = Math.round(await page.evaluate(() => window.jemputLastSaveMs) * 10) / 10;

    // The same on the low-end profile (CPU 4× slower): the PIN's derivation and the
    // summaries opened, from submitting the PIN to the list usable.
    await page.reload();
    await waitForApp(page);
    await page.locator('form.pin input[name="pin"]').waitFor({ timeout: 60_000 });
    await page.fill('form.pin input[name="pin"]', PIN);
    const throttle = await context.newCDPSession(page);
    await throttle.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const submittedSlow = await page.evaluate(() => performance.now());
    await page.click('form.pin button[type="submit"]');
    await page.locator("li.record").first().waitFor({ timeout: 60_000 });
    await page.locator('button[name="new_registration"]:enabled').waitFor();
    result.unlock_lowend_ms = Math.round(await page.evaluate(() => performance.now()) - submittedSlow);
    await throttle.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await throttle.detach();
    await context.close();

    // 500 waiting registrations over a slow link.
    context = await launchBrowser();
    page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await admin.createUser({ username: `slow${run}`, password: "officer-password-1", role: "officer", regions: ["17.01.01"] });
    await loginOfficer(page, `slow${run}`, "officer-password-1");
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

    // The supervisor's app, opened after the login page.
    await admin.createUser({ username: `kadis${run}`, password: "supervisor-password-1", role: "supervisor", regions: ["17.01"] });
    context = await launchBrowser({ viewport: LAPTOP });
    page = context.pages()[0] ?? (await context.newPage());
    // Counted on the context: the service worker fetches the supervisor's files itself
    // (to keep them), so the page sees them as answered by the worker, with no bytes.
    const supervisorBytes = countBytes(context, (path) => path.startsWith("/pengawas/"));
    await openApp(context, server.url + "/");
    await submitLogin(page, `kadis${run}`, "supervisor-password-1");
    await page.locator('[data-testid="overview"] [data-testid="total"]').waitFor({ timeout: 60_000 });
    result.supervisor_app_kb = await supervisorBytes();
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
