// `logbench report RESULT.json [MORE.json ...] --html OUT.html`: a self-contained HTML report
// with inline SVG charts (src/results/report-html.ts). Exit 2 on unreadable or invalid files.

import { stringFlag, UsageError } from '../args.js';
import { checkOutputPath, writeOutputFile } from '../output-path.js';
import type { Command } from '../command.js';
import { expandGlob, FileListError } from '../../results/compare-files.js';
import { buildHtmlReport } from '../../results/report-html.js';
import { repeatedRunProblem } from '../../results/same-run.js';
import { readResultFile, ResultFileError } from '../../results/validate.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a self-contained HTML report (inline SVG charts) of result files',
  usage: 'RESULT.json [MORE.json ...] --html OUT.html',
  positionals: { min: 1, max: 64, names: 'one or more RESULT.json files' },
  flags: {
    html: { type: 'string', valueName: 'FILE', description: 'the HTML file to write' },
  },
  examples: ['logbench report results/run.json --html report.html', 'logbench report results/ab/base-*.json results/ab/head-*.json --html ab.html'],
  async run(ctx) {
    const outPath = stringFlag(ctx.values, 'html');
    if (outPath === undefined) throw new UsageError('logbench report: --html OUT.html is required');
    checkOutputPath('html', outPath);
    let inputs;
    try {
      const paths = ctx.positionals.flatMap((p) => expandGlob(p, 'RESULT'));
      // Two or more files are compared, which takes their per-second histograms.
      inputs = paths.map((path) => readResultFile(path, { keepSeries: paths.length >= 2 }));
      // The same run twice would be drawn twice and compared with itself.
      const repeated = repeatedRunProblem(inputs.map((i) => i.identity), 'in the report');
      if (repeated !== null) throw new UsageError(`logbench report: ${repeated}`);
    } catch (error) {
      if (error instanceof ResultFileError || error instanceof FileListError) throw new UsageError(`logbench report: ${error.message}`);
      throw error;
    }
    const html = buildHtmlReport(inputs, new Date());
    writeOutputFile(outPath, html);
    ctx.print(`report: ${outPath} (${inputs.length} result${inputs.length === 1 ? '' : 's'}, ${Math.round(html.length / 1024)} KiB)`);
    ctx.emitJson({ html: outPath, results: inputs.map((i) => i.path), bytes: html.length });
    return 0;
  },
};
