// Writes docs/cli.md from the flag definitions: `node --import tsx src/cli/doc.ts > docs/cli.md`.
import { COMMANDS } from './commands.ts';
import { cliMarkdown } from './help.ts';

process.stdout.write(cliMarkdown(COMMANDS));
