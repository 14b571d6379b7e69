// Time and peak memory of one analysis of a (large) model, on the CLI and in the extension host
// (issue 6, "Scale"). Needs `npm run build` first (dist/cli.js, dist/extension.js and tsc's
// out/test/vscode/scale/index.js). Meant for a quiet machine: it prints the load average at the
// start and the end so a busy run can be recognised.
//
//   node scripts/measure-scale.mjs MODEL [--cli-only | --host-only] [--cli-progress] [--json]
//                                        [--exact-limit N] [--interval S] [--timeout S]
//   e.g. node scripts/make-llm-shards.mjs /tmp/llm && node scripts/measure-scale.mjs /tmp/llm/model.safetensors.index.json
//
// 1. CLI: `/usr/bin/time -v node dist/cli.js analyze MODEL --json`. Prints the wall time, user/sys
//    time and Max RSS from time -v, the RSS of the node process sampled from /proc/PID/status
//    (VmRSS; worker threads are threads of that process, so it covers them) every --interval s
//    (default 0.5) summarised at 10 %, 50 % and 90 % of the run and its maximum, VmHWM, and from
//    the JSON report how many layers were exact and how many approximated (those with
//    `approximate`), failed and skipped. The CLI prints no progress with --json: --cli-progress
//    runs it without --json instead, timestamps its `[k/N] layer` lines on stderr (time to the first
//    streamed layer) and counts the layers from its text summary (`(approximate)` in a verdict).
// 2. Extension host: `node test/vscode/run.mjs --runner code-server --tests-path
//    out/test/vscode/scale/index.js` runs the real extension in code-server, and that entry (source
//    test/vscode/scale/index.ts) analyses MODEL through the extension's API (`analyzeFile`, as the
//    command does): analysis time, time to the first progress report (file open) and to the first
//    streamed layer, progress reports, layers, process.memoryUsage() of the extension host before,
//    after and at its peak. Meanwhile this script samples the RSS of the extension-host process
//    (found among the runner's descendants by `--type=extensionHost` in its command line) from
//    outside: RSS before the analysis, its peak (and 10/50/90 %) during it, VmHWM. The layer counts
//    must match the CLI's. The host's time includes nothing of code-server's start-up.
// --exact-limit N sets the same limit in both (CLI flag, rmtLens.exactLimit in the host), e.g. to send
// the layers of a small model through the approximate path. --timeout S (default 10800) bounds each part; the runner's RMT_LENS_TEST_TIMEOUT_S/_MS are raised
// to match. --json prints one JSON object (everything above) instead of the text. Exit code 1 when
// a part failed.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, hookSignals, onInterrupt, spawnTracked } from './vscode-host.mjs';

const USAGE =
  'usage: node scripts/measure-scale.mjs MODEL [--cli-only | --host-only] [--cli-progress] [--json] [--exact-limit N] [--interval S] [--timeout S]';
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'cli-only': { type: 'boolean', default: false },
    'host-only': { type: 'boolean', default: false },
    'cli-progress': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'exact-limit': { type: 'string' },
    interval: { type: 'string', default: '0.5' },
    timeout: { type: 'string', default: '10800' },
  },
});
const interval = Number(opts.interval);
const timeoutS = Number(opts.timeout);
if (
  positionals.length !== 1 ||
  (opts['cli-only'] && opts['host-only']) ||
  !(interval > 0) ||
  !(timeoutS > 0) ||
  (opts['exact-limit'] !== undefined && !(Number(opts['exact-limit']) >= 16))
) {
  console.error(USAGE);
  process.exit(2);
}
const model = resolve(positionals[0]);
if (!existsSync(model)) {
  console.error(`measure-scale: ${model} does not exist`);
  process.exit(2);
}
const CLI = join(ROOT, 'dist', 'cli.js');
const HOST_ENTRY = join(ROOT, 'out', 'test', 'vscode', 'scale', 'index.js');
const MB = 1024 * 1024;
const mb = (bytes) => (bytes === undefined || bytes === null ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);
const sec = (s) => (s === undefined || s === null ? 'n/a' : `${s.toFixed(s < 10 ? 2 : 1)} s`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const text = !opts.json;
const say = (line = '') => {
  if (text) console.log(line);
};

hookSignals();

// ---------------------------------------------------------------------------------------------
// /proc

/** VmRSS and VmHWM of a process in bytes, or undefined once it is gone. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const rss = kb('VmRSS');
    return Number.isFinite(rss) ? { rss, hwm: kb('VmHWM'), threads } : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Every live process with its parent, from /proc/PID/stat. */
function processTable() {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited */
    }
  }
  return parent;
}

function descendants(root) {
  const parent = processTable();
  const out = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/**
 * Samples the RSS of the process `find()` names every `interval` seconds until `stop()`; each
 * sample is { t (s since start), rss, hwm, threads }. `find` is asked again while it answers nothing.
 */
function startSampler(find) {
  const samples = [];
  const t0 = performance.now();
  let pid;
  let lastPid;
  let running = true;
  const done = (async () => {
    while (running) {
      pid ??= find();
      if (pid) lastPid = pid;
      const m = pid ? memoryOf(pid) : undefined;
      if (m) samples.push({ t: (performance.now() - t0) / 1000, ...m });
      else if (pid && !existsSync(`/proc/${pid}`)) pid = undefined;
      await sleep(interval * 1000);
    }
  })();
  return {
    samples,
    /** The process sampled last (it may have exited since). */
    pid: () => lastPid,
    now: () => (performance.now() - t0) / 1000,
    /** Takes one sample right now (e.g. at a marker) and returns it. */
    sampleNow() {
      const m = pid ? memoryOf(pid) : undefined;
      if (!m) return undefined;
      const s = { t: (performance.now() - t0) / 1000, ...m };
      samples.push(s);
      return s;
    },
    async stop() {
      running = false;
      await done;
      samples.sort((a, b) => a.t - b.t);
    },
  };
}

/** RSS at 10/50/90 % of [from, to] (the sample nearest in time) and the maximum with its time. */
function timeline(samples, from = 0, to = Infinity) {
  const inside = samples.filter((s) => s.t >= from && s.t <= to);
  if (inside.length === 0) return undefined;
  const start = inside[0].t;
  const span = inside[inside.length - 1].t - start;
  const at = (fraction) => {
    const t = start + fraction * span;
    return inside.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best)).rss;
  };
  const max = inside.reduce((best, s) => (s.rss > best.rss ? s : best));
  return {
    samples: inside.length,
    p10: at(0.1),
    p50: at(0.5),
    p90: at(0.9),
    max: max.rss,
    maxAt: max.t - from,
    hwm: Math.max(...inside.map((s) => s.hwm || 0)),
    threads: Math.max(...inside.map((s) => s.threads || 0)),
  };
}

function describeTimeline(tl) {
  if (!tl) return 'no samples (the run was shorter than one interval?)';
  return `10%: ${mb(tl.p10)}  50%: ${mb(tl.p50)}  90%: ${mb(tl.p90)}  max: ${mb(tl.max)} at ${sec(tl.maxAt)} (${tl.samples} samples every ${interval} s)`;
}

/** Runs a tracked child, calling onLine(stream, line, seconds) per line; resolves { code, signal, seconds }. */
function runChild(cmd, args, { env, onLine, onStart } = {}) {
  return new Promise((resolveRun) => {
    const t0 = performance.now();
    const child = spawnTracked(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onStart?.(child);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutS * 1000);
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) onLine?.(name, line, (performance.now() - t0) / 1000);
      });
      stream.on('end', () => rest && onLine?.(name, rest, (performance.now() - t0) / 1000));
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      resolveRun({ code: -1, error: err.message, seconds: (performance.now() - t0) / 1000 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 1. CLI under /usr/bin/time -v

/** The fields of `time -v` we print, in seconds and bytes. */
function parseTimeV(lines) {
  const get = (label) =>
    lines
      .find((l) => l.trim().startsWith(label))
      ?.split(': ')
      .pop()
      ?.trim();
  const clock = get('Elapsed (wall clock) time');
  let wall;
  if (clock) wall = clock.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const maxKb = Number(get('Maximum resident set size (kbytes)'));
  return {
    wall,
    user: Number(get('User time (seconds)')),
    sys: Number(get('System time (seconds)')),
    cpu: get('Percent of CPU this job got'),
    maxRss: Number.isFinite(maxKb) ? maxKb * 1024 : undefined,
    exitStatus: Number(get('Exit status')),
  };
}

function countFromJson(raw) {
  const report = JSON.parse(raw);
  const approximated = report.layers.filter((l) => l.approximate).length;
  return {
    layers: report.layers.length,
    exact: report.layers.length - approximated,
    approximated,
    failed: report.failed.length,
    skipped: report.skipped.length,
    engineSeconds: report.provenance?.seconds,
  };
}

/** The text summary: `FILE (format): N matrices`, then a line per layer (`… (approximate)`) or failure. */
function countFromText(lines) {
  const head = lines.findIndex((l) => / matrices$/.test(l));
  if (head < 0) throw new Error('no summary line in the CLI output');
  const body = lines.slice(head + 1).filter((l) => l.startsWith('  '));
  const failed = body.filter((l) => / failed: /.test(l)).length;
  const layers = Number(/: (\d+) matrices$/.exec(lines[head])[1]);
  const approximated = body.filter((l) => l.endsWith('(approximate)')).length;
  return { layers, exact: layers - approximated, approximated, failed };
}

async function measureCli() {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing (apt-get install time)');
  const extra = [
    ...(opts['cli-progress'] ? [] : ['--json']),
    ...(opts['exact-limit'] ? ['--exact-limit', opts['exact-limit']] : []),
  ];
  const cliArgs = [CLI, 'analyze', model, ...extra];
  const command = ['/usr/bin/time -v node dist/cli.js analyze MODEL', ...extra].join(' ');
  say(`CLI: ${command}`);
  let timePid;
  const sampler = startSampler(() => {
    if (!timePid) return undefined;
    try {
      const kids = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/);
      if (kids[0]) return Number(kids[0]);
    } catch {
      /* no children file: scan */
    }
    return descendants(timePid)[0];
  });
  const stdout = [];
  const stderr = [];
  const progress = [];
  const run = await runChild('/usr/bin/time', ['-v', process.execPath, ...cliArgs], {
    onStart: (child) => (timePid = child.pid),
    onLine: (stream, line, t) => {
      (stream === 'stdout' ? stdout : stderr).push(line);
      const step = /^\s*\[(\d+)\/(\d+)\] /.exec(line);
      if (stream === 'stderr' && step) progress.push({ t, done: Number(step[1]), total: Number(step[2]) });
    },
  });
  await sampler.stop();
  const timeStart = stderr.findIndex((l) => l.includes('Command being timed'));
  const time = parseTimeV(timeStart >= 0 ? stderr.slice(timeStart) : []);
  const errors = (timeStart >= 0 ? stderr.slice(0, timeStart) : stderr).filter(
    (l) => l.trim() && !/^\s*\[\d+\/\d+\] /.test(l),
  );
  const result = {
    command,
    ok: run.code === 0,
    exitCode: run.code,
    wallSeconds: time.wall ?? run.seconds,
    userSeconds: time.user,
    sysSeconds: time.sys,
    cpu: time.cpu,
    maxRssTimeV: time.maxRss,
    rss: timeline(sampler.samples),
    firstLayerSeconds: progress[0]?.t,
    layersStreamed: progress.length,
    error: run.code === 0 ? undefined : errors.slice(-3).join(' | ') || `exit ${run.code ?? run.signal}`,
  };
  if (result.ok) {
    try {
      Object.assign(result, opts['cli-progress'] ? countFromText(stdout) : countFromJson(stdout.join('\n')));
    } catch (err) {
      result.ok = false;
      result.error = `cannot read the report: ${err.message}`;
    }
  }
  say(
    `  wall time         ${sec(result.wallSeconds)}  (user ${sec(result.userSeconds)}, sys ${sec(result.sysSeconds)}, CPU ${result.cpu ?? 'n/a'})`,
  );
  say(`  max RSS (time -v) ${mb(result.maxRssTimeV)}`);
  say(`  RSS sampled       ${describeTimeline(result.rss)}`);
  if (result.rss) say(`  VmHWM             ${mb(result.rss.hwm)} (up to ${result.rss.threads} threads)`);
  say(
    `  first layer       ${
      opts['cli-progress']
        ? `${sec(result.firstLayerSeconds)} (${result.layersStreamed} progress lines)`
        : 'n/a: the CLI prints progress only without --json (use --cli-progress)'
    }`,
  );
  if (result.ok) {
    say(
      `  layers            ${result.layers}: ${result.exact} exact, ${result.approximated} approximated; ${result.failed} failed${result.skipped === undefined ? '' : `; ${result.skipped} tensors skipped`}${result.engineSeconds === undefined ? '' : `; report says ${sec(result.engineSeconds)}`}`,
    );
  } else say(`  FAILED            ${result.error}`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2. The extension host in code-server

async function measureHost() {
  for (const [file, what] of [
    [join(ROOT, 'dist', 'extension.js'), 'dist/extension.js'],
    [HOST_ENTRY, 'out/test/vscode/scale/index.js'],
  ]) {
    if (!existsSync(file)) throw new Error(`${what} is missing: run \`npm run build\` first`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'rmt-lens-scale-'));
  const resultFile = join(scratch, 'scale.json');
  const forget = onInterrupt(() => rmSync(scratch, { recursive: true, force: true }));
  const command = 'node test/vscode/run.mjs --runner code-server --tests-path out/test/vscode/scale/index.js';
  say(`extension host: ${command}`);
  let runnerPid;
  let hostCommand;
  const sampler = startSampler(() => {
    if (!runnerPid) return undefined;
    const pid = descendants(runnerPid).find((p) => /--type=extensionHost\b/.test(cmdline(p)));
    if (pid) hostCommand = cmdline(pid);
    return pid;
  });
  const marks = {};
  const output = [];
  let reported;
  const run = await runChild(
    process.execPath,
    [join(ROOT, 'test', 'vscode', 'run.mjs'), '--runner', 'code-server', '--tests-path', HOST_ENTRY],
    {
      env: {
        ...process.env,
        RMT_LENS_SCALE_MODEL: model,
        RMT_LENS_SCALE_RESULT: resultFile,
        RMT_LENS_SCALE_EXACT_LIMIT: opts['exact-limit'] ?? '',
        // The whole run: the analysis plus code-server's and the workbench's start-up.
        RMT_LENS_TEST_TIMEOUT_S: String(Math.ceil(timeoutS + 300)),
        RMT_LENS_TEST_TIMEOUT_MS: String(Math.ceil(timeoutS * 1000)),
      },
      onStart: (child) => (runnerPid = child.pid),
      onLine: (_stream, line) => {
        if (line.includes('RMT_LENS_SCALE_BEGIN')) marks.begin = sampler.sampleNow() ?? { t: sampler.now() };
        else if (line.includes('RMT_LENS_SCALE_END')) marks.end = sampler.sampleNow() ?? { t: sampler.now() };
        else if (line.startsWith('RMT_LENS_SCALE_RESULT ')) reported = line;
        else output.push(line);
      },
    },
  );
  await sampler.stop();
  let inside;
  try {
    inside = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    inside = reported ? JSON.parse(reported.slice('RMT_LENS_SCALE_RESULT '.length)) : undefined;
  }
  rmSync(scratch, { recursive: true, force: true });
  forget();
  const before = marks.begin?.rss
    ? marks.begin
    : sampler.samples.filter((s) => s.t <= (marks.begin?.t ?? 0)).pop();
  const during = marks.begin ? timeline(sampler.samples, marks.begin.t, marks.end?.t ?? Infinity) : undefined;
  const result = {
    command,
    ok: run.code === 0 && Boolean(inside?.ok),
    exitCode: run.code,
    runSeconds: run.seconds,
    extensionHostPid: sampler.pid(),
    extensionHostCommand: hostCommand,
    rssBefore: before?.rss,
    rss: during,
    ...(inside ?? {}),
  };
  result.ok = run.code === 0 && Boolean(inside?.ok);
  if (!result.ok) {
    result.error =
      inside?.error ??
      `the runner exited with ${run.code ?? run.signal} and no result; its output:\n${output.slice(-20).join('\n')}`;
  }
  const m = (x) => (x ? `rss ${mb(x.rss)}, heap ${mb(x.heapUsed)}, external ${mb(x.external)}` : 'n/a');
  say(
    `  analysis time     ${sec(result.seconds)}  (whole run with code-server start-up ${sec(result.runSeconds)})`,
  );
  say(`  file opened       ${sec(result.openedSeconds)}  (first progress report, layer 0/N)`);
  say(`  first layer       ${sec(result.firstLayerSeconds)}`);
  say(
    `  progress reports  ${result.progressObserved ? `${result.progressReports} (${result.layersStreamed} layers streamed)` : 'n/a (window.withProgress could not be observed)'}`,
  );
  if (inside?.layers !== undefined) {
    say(
      `  layers            ${inside.layers}: ${inside.exact} exact, ${inside.approximated} approximated; ${inside.failed} failed; ${inside.skipped} tensors skipped; report says ${sec(inside.engineSeconds)}`,
    );
    say(
      `  webview           ${inside.rendered ? `shows ${inside.rendered.layers} layers` : 'did not answer'}`,
    );
  }
  say(`  memoryUsage()     before: ${m(result.memoryBefore)}`);
  say(`                    after:  ${m(result.memoryAfter)}`);
  say(`                    peak:   ${m(result.memoryPeak)} (sampled inside every 0.5 s)`);
  say(
    `  ext-host RSS      before the analysis: ${mb(result.rssBefore)}; during: ${describeTimeline(result.rss)}`,
  );
  if (result.rss)
    say(
      `  VmHWM             ${mb(result.rss.hwm)} (up to ${result.rss.threads} threads; pid ${result.extensionHostPid})`,
    );
  else if (!result.extensionHostPid)
    say('  (no process with --type=extensionHost was found under the runner)');
  if (!result.ok) say(`  FAILED            ${result.error}`);
  return result;
}

// ---------------------------------------------------------------------------------------------

function modelSize() {
  if (!model.endsWith('.index.json')) return { files: 1, bytes: statSync(model).size };
  const shards = new Set(Object.values(JSON.parse(readFileSync(model, 'utf8')).weight_map ?? {}));
  let bytes = 0;
  for (const s of shards) bytes += statSync(join(dirname(model), s)).size;
  return { files: shards.size, bytes };
}

const summary = { model, loadStart: loadavg(), cores: availableParallelism(), node: process.version };
try {
  summary.size = modelSize();
} catch {
  /* sizes are informative only */
}
say(
  `measure-scale: ${model}${summary.size ? ` (${summary.size.files} file${summary.size.files === 1 ? '' : 's'}, ${mb(summary.size.bytes)})` : ''}; ${summary.cores} cores, node ${process.version}`,
);
say(`load average at start: ${load()}`);
let failed = false;
for (const [key, enabled, measure] of [
  ['cli', !opts['host-only'], measureCli],
  ['host', !opts['cli-only'], measureHost],
]) {
  if (!enabled) continue;
  say();
  try {
    summary[key] = await measure();
  } catch (err) {
    summary[key] = { ok: false, error: err.message };
    say(`  FAILED: ${err.message}`);
  }
  failed ||= !summary[key].ok;
}
if (summary.cli?.ok && summary.host?.ok) {
  const same = ['layers', 'approximated', 'failed'].every((k) => summary.cli[k] === summary.host[k]);
  summary.layersMatch = same;
  say();
  say(
    same
      ? `layer counts match: CLI and extension host both analysed ${summary.cli.layers} layers (${summary.cli.approximated} approximated)`
      : `LAYER COUNTS DIFFER: CLI ${summary.cli.layers} (${summary.cli.approximated} approximated, ${summary.cli.failed} failed), extension host ${summary.host.layers} (${summary.host.approximated}, ${summary.host.failed})`,
  );
  failed ||= !same;
}
summary.loadEnd = loadavg();
say();
say(`load average at end: ${load()}`);
if (opts.json) console.log(JSON.stringify(summary, null, 2));
process.exit(failed ? 1 : 0);
