// `logbench ab --base REF --head REF [SCENARIO] [--rounds N]`: builds both git refs in temporary
// worktrees and runs the scenario on them interleaved in one session, so that machine noise
// (other load, thermal state, page cache) hits both alike. Order alternates per round (A B, B A,
// A B, ...) so a slow drift over the session does not favour either side. Then compares all A
// runs against all B runs (logbench compare, several runs a side) and writes every result, the
// comparison as text and markdown, under --out-dir. The same scenario file (from the current
// directory) is used for both refs; it and the --set overrides are checked (by this build's
// schema) before any worktree is made. Worktrees are removed afterwards, even on failure, and on
// SIGINT/SIGTERM, which also kill the builds and runs in progress; --out-dir is removed again when
// this command created it and nothing was written to it.
// Exit codes: 0 done, 1 a regression with --fail-on-regression (or a run failed), 2 bad input,
// 130/143 interrupted.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { boolFlag, choiceFlag, intFlag, listFlag, stringFlag, UsageError } from '../args.js';
import { checkOutputPath, makeOutputDir, removeOutputDirIfEmpty } from '../output-path.js';
import type { Command } from '../command.js';
import { onProcessExit } from '../../cluster/cleanup.js';
import { COMPARE_FORMATS, formatMarkdown, formatReport, formatText } from '../../results/compare-format.js';
import { addCheckout, buildCheckout, killChildren, removeCheckout, repoRoot, resolveCommit, runOnce, RunFailedError, type Checkout } from '../../results/compare-runs.js';
import { comparisonExitCode } from '../../results/compare-report.js';
import { COMPARE_OPTION_FLAGS, compareFiles, readCompareOptions } from './compare.js';
import { scenarioForRun } from './run.js';

export const abCommand: Command = {
  name: 'ab',
  summary: 'build two git refs and run a scenario on them interleaved, then compare',
  usage: '--base REF --head REF [SCENARIO] [--rounds N] [--set k=v ...] [--out-dir DIR] [--format text|md|json] [--fail-on-regression]',
  positionals: { min: 0, max: 1, names: 'at most one SCENARIO file' },
  flags: {
    base: { type: 'string', valueName: 'REF', description: 'git ref of the base (A), e.g. origin/main' },
    head: { type: 'string', valueName: 'REF', description: 'git ref of the head (B), e.g. HEAD' },
    rounds: { type: 'string', valueName: 'N', description: 'runs per side, interleaved', defaultText: '3' },
    set: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'scenario override for every run (repeatable)' },
    repo: { type: 'string', valueName: 'DIR', description: 'git repository', defaultText: 'the one containing the current directory' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'where result files and the comparison go', defaultText: 'results/ab-<UTC time>' },
    format: { type: 'string', valueName: 'F', description: `printed format: ${COMPARE_FORMATS.join(', ')}`, defaultText: 'text' },
    force: { type: 'boolean', description: 'compare even when environments or scenarios differ' },
    'fail-on-regression': { type: 'boolean', description: 'exit 1 when any metric regressed' },
    ...COMPARE_OPTION_FLAGS,
  },
  examples: ['logbench ab --base origin/main --head HEAD bench/scenarios/default.yaml --rounds 5', 'logbench ab --base HEAD --head HEAD bench/scenarios/null.yaml --rounds 2   # an A/A check'],
  async run(ctx) {
    const baseRef = stringFlag(ctx.values, 'base');
    const headRef = stringFlag(ctx.values, 'head');
    if (baseRef === undefined || headRef === undefined) throw new UsageError('logbench ab: --base REF and --head REF are required');
    const rounds = intFlag(ctx.values, 'rounds', 3, { min: 1, max: 100 });
    const options = readCompareOptions(ctx.values);
    const format = choiceFlag(ctx.values, 'format', COMPARE_FORMATS, 'text');
    const sets = listFlag(ctx.values, 'set');
    const scenario = ctx.positionals[0] !== undefined ? resolve(ctx.positionals[0]) : undefined;
    scenarioForRun(scenario, sets, {}, 'ab');
    let repo: string;
    let baseCommit: string;
    let headCommit: string;
    try {
      repo = repoRoot(resolve(stringFlag(ctx.values, 'repo') ?? '.'));
      baseCommit = resolveCommit(repo, baseRef);
      headCommit = resolveCommit(repo, headRef);
    } catch (error) {
      if (error instanceof RunFailedError) throw new UsageError(`logbench ab: ${error.message}`);
      throw error;
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = resolve(stringFlag(ctx.values, 'out-dir') ?? join('results', `ab-${stamp}`));
    checkOutputPath('out-dir', join(outDir, 'compare.txt'));

    const checkouts: Checkout[] = [];
    const out = makeOutputDir('out-dir', outDir);
    const cleanUp = (): void => {
      killChildren();
      for (const c of checkouts.splice(0)) removeCheckout(repo, c, ctx.log);
      removeOutputDirIfEmpty(out);
    };
    // Ctrl-C or SIGTERM: the process exits from the signal handler, so this is the only cleanup.
    const unregister = onProcessExit(() => {
      ctx.log('logbench ab: interrupted; stopping the builds and runs, removing the worktrees');
      cleanUp();
    });
    const basePaths: string[] = [];
    const headPaths: string[] = [];
    try {
      const base = addCheckout(repo, baseCommit, 'base', ctx.log);
      checkouts.push(base);
      // The same commit on both sides (an A/A check) shares one build.
      const head = headCommit === baseCommit ? base : addCheckout(repo, headCommit, 'head', ctx.log);
      if (head !== base) checkouts.push(head);
      await buildCheckout(repo, base, 'base', ctx.log);
      if (head !== base) await buildCheckout(repo, head, 'head', ctx.log);
      for (const c of checkouts) ctx.log(`ab: ${c.commit.slice(0, 12)}: node_modules by ${c.modules}`);
      for (let round = 0; round < rounds; round++) {
        const order: Array<['base' | 'head', Checkout]> = round % 2 === 0 ? [['base', base], ['head', head]] : [['head', head], ['base', base]];
        for (const [side, checkout] of order) {
          const outPath = join(outDir, `${side}-${round + 1}.json`);
          ctx.log(`ab: round ${round + 1}/${rounds}: ${side} (${checkout.commit.slice(0, 12)})`);
          await runOnce({ main: join(checkout.dir, 'dist', 'src', 'cli', 'main.js'), cwd: checkout.dir, scenario, sets, outPath }, ctx.log);
          (side === 'base' ? basePaths : headPaths).push(outPath);
        }
      }
    } catch (error) {
      if (error instanceof RunFailedError) {
        ctx.log(`logbench ab: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      unregister();
      cleanUp();
    }
    const report = compareFiles(basePaths, headPaths, options, boolFlag(ctx.values, 'force'));
    const header = `ab: base ${baseRef} (${baseCommit.slice(0, 12)}) vs head ${headRef} (${headCommit.slice(0, 12)}), ${rounds} interleaved run(s) a side; results in ${outDir}`;
    writeFileSync(join(outDir, 'compare.txt'), `${header}\n${formatText(report)}\n`);
    writeFileSync(join(outDir, 'compare.md'), `${formatMarkdown(report)}\n\n<sub>base \`${baseRef}\` (${baseCommit.slice(0, 12)}), head \`${headRef}\` (${headCommit.slice(0, 12)}), ${rounds} interleaved run(s) a side</sub>\n`);
    writeFileSync(join(outDir, 'compare.json'), JSON.stringify(report, null, 2) + '\n');
    ctx.print(header);
    ctx.print(formatReport(report, format));
    ctx.emitJson({ outDir, baseCommit, headCommit, base: basePaths, head: headPaths, report });
    const exit = comparisonExitCode(report, boolFlag(ctx.values, 'fail-on-regression'));
    if (exit.why !== undefined) ctx.log(`logbench ab: ${exit.why}`);
    return exit.code;
  },
};
