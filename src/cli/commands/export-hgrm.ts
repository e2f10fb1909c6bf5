// `logbench export-hgrm RESULT`: one phase's latency histogram as HdrHistogram's percentile
// distribution text (.hgrm; values in ms), for HdrHistogram's plotter or any .hgrm tool.

import { boolFlag, stringFlag, UsageError } from '../args.js';
import { checkOutputPath, writeOutputFile } from '../output-path.js';
import type { Command } from '../command.js';
import { PhaseNotFoundError, selectPhaseIndex, toHgrm } from '../../results/hgrm.js';
import { readResultFile, ResultFileError } from '../../results/validate.js';

export const exportHgrmCommand: Command = {
  name: 'export-hgrm',
  summary: "write a phase's latency histogram as HdrHistogram percentile-distribution text (.hgrm)",
  usage: 'RESULT [--phase P] [--raw] [--out FILE]',
  positionals: { min: 1, max: 1, names: 'one RESULT file' },
  flags: {
    phase: { type: 'string', valueName: 'P', description: 'phase name or index', defaultText: 'the last phase' },
    raw: { type: 'boolean', description: 'export the raw service time instead of the corrected latency' },
    out: { type: 'string', valueName: 'FILE', description: 'write to FILE instead of stdout' },
  },
  examples: ['logbench export-hgrm results/20250101T000000Z-abc12345-default.json --phase open > open.hgrm'],
  async run(ctx) {
    const path = ctx.positionals[0]!;
    let text: string;
    try {
      const file = readResultFile(path);
      const index = selectPhaseIndex(file.result, stringFlag(ctx.values, 'phase'), path);
      text = toHgrm(file.histograms[index]!, boolFlag(ctx.values, 'raw'));
    } catch (error) {
      if (error instanceof ResultFileError || error instanceof PhaseNotFoundError) throw new UsageError(`logbench export-hgrm: ${error.message}`);
      throw error;
    }
    const out = stringFlag(ctx.values, 'out');
    if (out !== undefined) {
      checkOutputPath('out', out);
      writeOutputFile(out, text);
      ctx.print(`wrote ${out}`);
    } else if (ctx.json) {
      ctx.emitJson({ hgrm: text });
    } else {
      process.stdout.write(text);
    }
    return 0;
  },
};
