import type { Command } from './command.js';
import { COMMON_FLAGS } from './command.js';

export function commandHelp(command: Command): string {
  const lines = [`logbench ${command.name} — ${command.summary}`, '', `usage: logbench ${command.name} ${command.usage}`.trimEnd(), '', 'flags:'];
  const flags = { ...command.flags, ...COMMON_FLAGS };
  const width = Math.max(...Object.entries(flags).map(([n, s]) => flagLabel(n, s.type, s.valueName).length));
  for (const [name, spec] of Object.entries(flags)) {
    const label = flagLabel(name, spec.type, spec.valueName).padEnd(width);
    const defaultText = spec.defaultText !== undefined ? ` (default: ${spec.defaultText})` : '';
    lines.push(`  ${label}  ${spec.description}${defaultText}`);
  }
  if (command.examples.length > 0) {
    lines.push('', 'examples:');
    for (const example of command.examples) lines.push(`  ${example}`);
  }
  return lines.join('\n') + '\n';
}

function flagLabel(name: string, type: string, valueName: string | undefined): string {
  return type === 'string' ? `--${name} ${valueName ?? 'VALUE'}` : `--${name}`;
}

/** The list of commands, or of one group's subcommands (`logbench bench --help`). */
export function mainHelp(commands: readonly Command[], group?: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    'logbench — benchmarking and performance suite for replicated commit logs',
    '',
    group === undefined
      ? 'usage: logbench <command> [flags]   (logbench <command> --help for details)'
      : `usage: logbench ${group} <subcommand> [flags]   (logbench ${group} <subcommand> --help for details)`,
    '',
    group === undefined ? 'commands:' : 'subcommands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ];
  return lines.join('\n') + '\n';
}
