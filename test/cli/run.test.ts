import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { COMMANDS } from '../../src/cli/commands.ts';
import { runCli } from '../../src/cli/run.ts';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { logger: silentLogger, env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('meridian', () => {
  it('lists every subcommand in --help', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const c of COMMANDS) expect(stdout).toContain(`  ${c.name} `);
    expect((await cli('help', 'evaluate')).stdout).toBe((await cli('evaluate', '--help')).stdout);
  });

  it('refuses an unknown command with exit code 2', async () => {
    const { code, stderr } = await cli('serv');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "serv"/);
  });

  for (const c of COMMANDS) {
    describe(c.name, () => {
      it('prints its usage and every flag for --help, and exits 0', async () => {
        const { code, stdout, stderr } = await cli(c.name, '--help');
        expect(code).toBe(0);
        expect(stderr).toBe('');
        expect(stdout).toMatch(new RegExp(`^usage: meridian ${c.name} `));
        for (const name of Object.keys(c.flags)) expect(stdout).toContain(`--${name}`);
        expect((await cli(c.name, '-h')).stdout).toBe(stdout);
      });

      it('refuses an unknown flag, naming it, with exit code 2', async () => {
        const { code, stdout, stderr } = await cli(c.name, '--foo');
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toBe(`meridian ${c.name}: --foo: unknown flag (see meridian ${c.name} --help for usage)\n`);
      });
    });
  }

  it('names the flag of a malformed value and what it expects', async () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--port', 'http'], /^meridian serve: --port: expected an integer in \[0, 65535\], got "http"/],
      [['worker', '--port', '-1'], /^meridian worker: --port: expected an integer in \[0, 65535\], got "-1"/],
      [['train', '--epochs', 'many'], /^meridian train: --epochs: expected an integer >= 1, got "many"/],
      [['train', '--every', 'soon'], /^meridian train: --every: expected a duration of at least 1s/],
      [['evaluate', '--data', 'x', '--format', 'csv'], /^meridian evaluate: --format: expected lines or sessions, got "csv"/],
      [['evaluate', '--format', 'lines'], /^meridian evaluate: --data: required/],
      [['replay', 'a.ndjson', '--speed', 'fast'], /^meridian replay: --speed: expected a factor >= 0, got "fast"/],
      [['simulate', '--out', 'x', '--clock', 'moon'], /^meridian simulate: --clock: expected sim or wall, got "moon"/],
      [['models', 'activate'], /^meridian models: activate: needs a VERSION/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});
