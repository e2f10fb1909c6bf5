#!/usr/bin/env node
// Entry point of the `logbench` command: finds the command named by the leading words of argv,
// parses its flags strictly, and maps errors to exit codes (2 = usage, 1 = failure).

import { parseFlags, UsageError } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMON_FLAGS } from './command.js';
import { commandHelp, mainHelp } from './help.js';
import { COMMANDS } from './commands/index.js';

export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  // Longest match first, so "bench storage" wins over "bench".
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (best === undefined || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(mainHelp(COMMANDS));
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (found === undefined) {
    const group = argv[0]!;
    const subcommands = COMMANDS.filter((c) => c.name.startsWith(group + ' '));
    if (subcommands.length === 0) {
      process.stderr.write(`logbench: unknown command "${group}"; run \`logbench --help\` for the list\n`);
      return 2;
    }
    // A group of subcommands ("bench storage"): --help lists them; a flag is not a subcommand name.
    const next = argv[1];
    if (next === '--help' || next === '-h') {
      process.stdout.write(mainHelp(subcommands, group));
      return 0;
    }
    const names = subcommands.map((c) => c.name).join(', ');
    const problem = next === undefined ? 'missing subcommand' : next.startsWith('-') ? `flag ${next} given before a subcommand` : `unknown subcommand "${next}"`;
    process.stderr.write(`logbench ${group}: ${problem}; expected one of: ${names}\n`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const { values, positionals } = parseFlags(rest, { ...command.flags, ...COMMON_FLAGS }, command.name);
    if (values.help === true) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    const bounds = command.positionals ?? { min: 0, max: 0, names: '' };
    if (positionals.length < bounds.min || positionals.length > bounds.max) {
      const expected = bounds.max === 0 ? 'no positional arguments' : `${bounds.names}`;
      throw new UsageError(`logbench ${command.name}: expected ${expected}, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(' ')}`);
    }
    const json = values.json === true;
    let emitted = false;
    const ctx: CommandContext = {
      values,
      positionals,
      json,
      print: (line) => (json ? process.stderr : process.stdout).write(line + '\n'),
      log: (line) => process.stderr.write(line + '\n'),
      emitJson: (value) => {
        if (!json) return;
        if (emitted) throw new Error('internal: a command emitted more than one JSON object');
        emitted = true;
        process.stdout.write(JSON.stringify(value) + '\n');
      },
    };
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      // The flag readers (args.ts) do not know the command; name it as the commands' own checks do.
      const message = error.message.startsWith('flag ') ? `logbench ${command.name}: ${error.message}` : error.message;
      process.stderr.write(`${message}\n`);
      return 2;
    }
    // Expected failures (storage, peers, drivers) print their message; a stack only for bugs
    // (assertions, type errors) or with LOGBENCH_DEBUG=1.
    const isBug = error instanceof Error && (error.name === 'AssertionError' || error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError);
    const verbose = isBug || process.env.LOGBENCH_DEBUG === '1';
    const message = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`logbench ${command.name}: ${message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(cli[\\/]main\.js|bin[\\/]logbench(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`logbench: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
