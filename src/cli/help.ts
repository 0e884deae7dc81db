import type { Command } from './command.ts';
import type { Flag } from './flags.ts';

const HELP_FLAG: Flag = { type: 'boolean', help: 'print this help and exit' };

/** `--name ARG` as the help and the docs write it. */
export function flagSignature(name: string, f: Flag): string {
  return f.arg === undefined ? `--${name}` : `--${name} ${f.arg}`;
}

/** The flag's help line with its default: `pretraining epochs (default: 5)`. */
export function flagDescription(f: Flag): string {
  const absent = f.absent ?? f.default;
  const repeat = f.multiple === true ? '; repeatable' : '';
  if (f.required === true) return `${f.help}${repeat} (required)`;
  return absent === undefined ? `${f.help}${repeat}` : `${f.help}${repeat} (default: ${absent})`;
}

/** `text` in lines of at most `width` characters, broken at spaces. */
export function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

function columns(rows: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => (left.length > width ? `${indent}${left}\n${indent}${' '.repeat(width)}  ${right}` : `${indent}${left.padEnd(width)}  ${right}`));
}

/** `meridian <name> --help`. */
export function commandHelp(cmd: Command): string {
  const rows = Object.entries(cmd.flags).map(([name, f]) => [flagSignature(name, f), flagDescription(f)] as const);
  const lines = [`usage: meridian ${cmd.name} ${cmd.usage}`, '', cmd.summary];
  if (cmd.about !== undefined) lines.push('', wrap(cmd.about));
  lines.push('', 'Flags:', ...columns([...rows, ['-h, --help', HELP_FLAG.help]]));
  if (cmd.examples.length > 0) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

/** `meridian --help`: the subcommands, one line each. */
export function overview(commands: readonly Command[]): string {
  const rows = [...commands.map((c) => [c.name, c.summary] as const), ['help', 'this text; `meridian <command> --help` (or `meridian help <command>`) for one command'] as const];
  return [
    'meridian <command> [flags]',
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Configuration: defaults < JSON file (--config or MERIDIAN_CONFIG) < MERIDIAN_* environment < flags.',
    'See docs/configuration.md for every key and docs/cli.md for every flag.',
  ].join('\n') + '\n';
}

const cell = (text: string): string => text.replaceAll('|', '\\|');

function commandMarkdown(cmd: Command): string[] {
  const lines = [`## meridian ${cmd.name}`, '', cmd.summary, '', '```', `meridian ${cmd.name} ${cmd.usage}`, '```'];
  if (cmd.about !== undefined) lines.push('', cmd.about);
  lines.push('', '| flag | default | meaning |', '|---|---|---|');
  for (const [name, f] of Object.entries(cmd.flags)) {
    const absent = f.required === true ? 'required' : (f.absent ?? f.default);
    const repeat = f.multiple === true ? '; repeatable' : '';
    lines.push(`| \`${cell(flagSignature(name, f))}\` | ${absent === undefined ? '' : cell(absent)} | ${cell(f.help)}${repeat} |`);
  }
  lines.push(`| \`-h, --help\` | | ${HELP_FLAG.help} |`);
  if (cmd.examples.length > 0) lines.push('', 'Example:', '', '```sh', ...cmd.examples, '```');
  return lines;
}

/** docs/cli.md, written from the same definitions as the parsing and the help. */
export function cliMarkdown(commands: readonly Command[]): string {
  const intro = [
    '# The command line',
    '',
    '<!-- Written from the flag definitions in src/cli/: regenerate with `node --import tsx src/cli/doc.ts > docs/cli.md`. -->',
    '',
    'One binary, `meridian <command> [flags]` (`npm run meridian -- <command>` from a checkout, or',
    '`bin/meridian.js`). `meridian --help` lists the commands, `meridian <command> --help` prints one',
    "command's flags. An unknown flag or a malformed value is an error that names the flag, on stderr,",
    'with exit code 2. Configuration: defaults < JSON file (`--config` or `MERIDIAN_CONFIG`) <',
    '`MERIDIAN_*` environment < flags; docs/configuration.md lists every key.',
    '',
    ...commands.map((c) => `- [\`${c.name}\`](#meridian-${c.name}): ${c.summary}`),
  ];
  return [...intro, ...commands.flatMap((c) => ['', ...commandMarkdown(c)])].join('\n') + '\n';
}
