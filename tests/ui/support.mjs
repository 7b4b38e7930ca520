// What the browser test needs around it: nginx-rtmp on loopback, `kaibo serve`, ffprobe and
// decoded frames from the real stream. Every wait is bounded; nothing is timed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The test's output folder (screenshots, frames, logs). */
export function outputDir(name) {
  const dir = path.join(process.env.KAIBO_TEST_OUT ?? path.join(REPO, "target", "ui-tests"), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function kaiboBin() {
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, "target");
  const bin = process.env.KAIBO_BIN ?? path.join(target, "debug", "kaibo");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p studio first (make test does)`);
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs` saying `what`. */
export async function waitFor(what, check, timeoutMs = 30_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** nginx with the RTMP module on a free loopback port, from a temporary config. */
export async function startNginx() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kaibo-nginx-"));
  mkdirSync(path.join(dir, "logs"));
  const port = await freePort();
  const module = ["/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so"].find(existsSync);
  if (!module) throw new Error("the nginx RTMP module is missing: apt-get install libnginx-mod-rtmp");
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, `load_module ${module};
daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log info;
events { worker_connections 256; }
rtmp { server { listen 127.0.0.1:${port}; chunk_size 4096;
  application live { live on; record off; } } }
`);
  const child = spawn("nginx", ["-p", dir, "-e", path.join(dir, "logs/error.log"), "-c", conf], { stdio: "ignore" });
  await waitFor(`nginx on port ${port}`, () => canConnect(port), 10_000, 50);
  return { port, stop: () => child.kill("SIGKILL") };
}

/**
 * `kaibo serve` on a free port, inside its own kernel session keyring (`keyctl session -`),
 * so the vault really stores the stream key, and nothing leaks into the user's keyring.
 */
export async function startServe(args, token, logFile) {
  const child = spawn("keyctl", ["session", "-", kaiboBin(), "serve", ...args, "--listen", "127.0.0.1:0"], {
    env: { ...process.env, KAIBO_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = await waitFor("kaibo serve to print its URL", () => /Kaibo Studio: (\S+)/.exec(output)?.[1], 30_000, 100);
  // The bridge has a token of its own, printed once on its line when generated.
  const bridge = /audience bridge: (\S+)/.exec(output)?.[1] ?? null;
  const bridgeToken = /audience bridge: \S+ token=(\S+)/.exec(output)?.[1] ?? null;
  return {
    url,
    bridge,
    bridgeToken,
    output: () => output,
    stop: async () => {
      if (logFile) writeFileSync(logFile, output);
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await waitFor("kaibo serve to exit", () => child.exitCode !== null || child.signalCode !== null, 30_000).catch(() => child.kill("SIGKILL"));
    },
  };
}

/** ffprobe's view of a stream or file. */
export function probe(input) {
  const run = spawnSync("ffprobe", ["-v", "error", "-rw_timeout", "15000000", "-show_streams", "-of", "json", input], { encoding: "utf8", timeout: 30_000 });
  if (run.status !== 0) throw new Error(`ffprobe ${input} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** One decoded frame of the live stream, as a PNG. */
export function grabFrame(input, png) {
  const run = spawnSync("ffmpeg", ["-v", "error", "-y", "-rw_timeout", "15000000", "-i", input, "-frames:v", "1", png], { encoding: "utf8", timeout: 30_000 });
  if (run.status !== 0) throw new Error(`ffmpeg could not decode a frame: ${run.stderr}`);
  return png;
}

/** The mean RGB of a region `[x, y, w, h]` (0..1) of a picture, averaged by ffmpeg. */
export function meanRgb(png, [x, y, w, h]) {
  const crop = `crop=iw*${w}:ih*${h}:iw*${x}:ih*${y},scale=1:1:flags=area,format=rgb24`;
  const run = spawnSync("ffmpeg", ["-v", "error", "-i", png, "-vf", crop, "-f", "rawvideo", "-"], { timeout: 30_000 });
  if (run.status !== 0 || run.stdout.length < 3) throw new Error(`ffmpeg could not measure ${png}: ${run.stderr}`);
  return [run.stdout[0], run.stdout[1], run.stdout[2]];
}

export function distance(a, b) {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
}
