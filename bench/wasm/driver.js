// driver.js [--runs N] [--warmup W] [--mode blank|reset|track|tasks] [--models DIR]
//           PKGROOT TASK=IMAGE...
//
// Serves page.html (legacy solutions) or, with --mode tasks, tasks.html
// (MediaPipe Tasks, CPU delegate), the unpacked MediaPipe packages
// (PKGROOT/hands, PKGROOT/pose, PKGROOT/selfie_segmentation,
// PKGROOT/tasks_vision), the models of DIR (made by mkmodels.js, as /models/)
// and the images from 127.0.0.1,
// drives headless Debian Chromium with playwright-core (found through
// NODE_PATH: it lives in a cache folder, not in the repository) and prints one
// line per task:
//   TASK median_ms p90_ms min_ms found WxH wasm_file
// and once a comment line `# webgl: ...` (legacy: the WebGL renderer; tasks:
// which canvas contexts the page created).
// run.sh prepares everything and alternates this with bench_body.
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const {chromium} = require('playwright-core');

const args = process.argv.slice(2);
const opt = {runs: 50, warmup: 10, mode: 'blank'};  // modes: see page.html
while (args.length && args[0].startsWith('--')) {
  const a = args.shift();
  if (a === '--mode') opt.mode = args.shift();
  else if (a === '--models') opt.models = path.resolve(args.shift());
  else if (a === '--runs' || a === '--warmup') opt[a.slice(2)] = parseInt(args.shift(), 10);
  else throw new Error('unknown option ' + a);
}
const root = args.shift();
const jobs = args.map((s) => {
  const i = s.indexOf('=');
  if (i < 0) throw new Error('expected TASK=IMAGE, got ' + s);
  return {task: s.slice(0, i), image: path.resolve(s.slice(i + 1))};
});
if (!root || !jobs.length) {
  console.error('usage: driver.js [--runs N] [--warmup W] [--mode blank|reset|track|tasks] ' +
                '[--models DIR] PKGROOT TASK=IMAGE...');
  process.exit(2);
}

// Content types matter: WebAssembly.instantiateStreaming insists on
// application/wasm (the loaders would otherwise fall back, or fail).
const TYPES = {'.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
               '.wasm': 'application/wasm',
               '.jpg': 'image/jpeg', '.png': 'image/png'};
const images = new Map(jobs.map((j, i) => [`/image/${i}${path.extname(j.image)}`, j.image]));
const wasmFetched = [];  // which binary the loader picked (SIMD or not)

function resolve(url) {
  const p = decodeURIComponent(new URL(url, 'http://x').pathname);
  if (p === '/page.html' || p === '/tasks.html') return path.join(__dirname, p.slice(1));
  if (images.has(p)) return images.get(p);
  const d = /^\/models\/([A-Za-z0-9_]+\.(tflite|task))$/.exec(p);
  if (d) return opt.models ? path.join(opt.models, d[1]) : null;
  // No '..'; one subfolder only for tasks-vision's wasm/.
  const m = /^\/pkg\/([a-z_]+)\/((wasm\/)?[A-Za-z0-9_.]+)$/.exec(p);
  return m ? path.join(root, m[1], m[2]) : null;
}

const server = http.createServer((req, res) => {
  const file = resolve(req.url);
  fs.readFile(file || '', (err, data) => {
    if (err) {
      res.writeHead(404).end();
      return;
    }
    if (file.endsWith('.wasm')) wasmFetched.push(path.basename(file));
    res.writeHead(200, {'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream'});
    res.end(data);
  });
});

async function main() {
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vpipe-wasmbench-'));
  // launchPersistentContext takes the fresh --user-data-dir; the flags keep
  // Chromium from reaching for the network (there is none) or a GPU.
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Anything not from our server would mean the page reached out: refuse it.
  await ctx.route('**/*', (r) => (r.request().url().startsWith(base + '/') ? r.continue() : r.abort()));
  let failed = false;
  try {
    for (const [i, j] of jobs.entries()) {
      wasmFetched.length = 0;
      const page = await ctx.newPage();  // one page per task: one wasm module at a time
      page.on('console', (m) => { if (m.type() === 'error') console.error(`[${j.task}] ${m.text()}`); });
      page.on('requestfailed', (r) => console.error(`[${j.task}] request failed: ${r.url()}`));
      await page.goto(`${base}/${opt.mode === 'tasks' ? 'tasks' : 'page'}.html`);
      if (opt.mode === 'tasks') await page.waitForFunction(() => window.ready === true);
      try {
        const r = await page.evaluate((a) => window.bench(a), {
          task: j.task, image: [...images.keys()][i], runs: opt.runs, warmup: opt.warmup,
          mode: opt.mode});
        if (i === 0 || opt.mode === 'tasks') console.log(`# webgl (${j.task}): ${r.gl}`);
        console.log([r.task, r.median.toFixed(3), r.p90.toFixed(3), r.min.toFixed(3), r.found,
                     `${r.width}x${r.height}`, wasmFetched.join(',') || '-'].join(' '));
      } catch (e) {
        console.error(`driver: ${j.task}: ${e.message}`);
        failed = true;
      }
      await page.close();
    }
  } finally {
    await ctx.close();
    server.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  process.exit(failed ? 1 : 0);
}

// A page that never answers (a wasm abort can leave send() pending) must not
// hang the benchmark: give up after 10 minutes (Playwright closes Chromium).
setTimeout(() => {
  console.error('driver: timed out');
  process.exit(1);
}, 600e3).unref();

main().catch((e) => {
  console.error('driver: ' + e.message);
  process.exit(1);
});
