/**
 * Runs every benchmark (dist/bench/*.js except this runner and data helpers), one after the other,
 * each in its own process, and prints their figures. Benchmarks print; they assert nothing.
 *
 *   npm run bench                 all
 *   node dist/bench/run.js links  only files whose name contains "links"
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".js") && f !== "run.js" && !f.endsWith("-data.js"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  let failed = 0;
  for (const file of files) {
    const started = Date.now();
    console.log(`\n=== ${file.replace(/\.js$/, "")} ===`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(__dirname, file)], { stdio: "inherit" });
      child.on("exit", (c) => resolve(c ?? 1));
    });
    console.log(
      `=== ${file.replace(/\.js$/, "")}: ${code === 0 ? "done" : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (code !== 0) failed++;
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
