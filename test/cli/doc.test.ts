import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';
import { cliMarkdown } from '../../src/cli/help.ts';

const doc = readFileSync(join(import.meta.dirname, '../../docs/cli.md'), 'utf8');

describe('docs/cli.md', () => {
  it('lists every flag of every subcommand', () => {
    for (const c of COMMANDS) {
      const section = doc.split(`## meridian ${c.name}\n`)[1]?.split('\n## ')[0] ?? '';
      for (const name of Object.keys(c.flags)) expect(section, `meridian ${c.name} --${name}`).toContain(`\`--${name}`);
    }
  });

  it('is what the definitions write (node --import tsx src/cli/doc.ts > docs/cli.md)', () => {
    expect(doc).toBe(cliMarkdown(COMMANDS));
  });
});
