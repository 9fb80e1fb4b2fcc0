/** A command's options as the CLI parsed them (cli/cli.ts, commander), by their long flag's name: `--dry-run` → `dry-run`. */
export type CommandValues = Record<string, string | boolean | string[] | undefined>;

/** A string option's value (undefined when not given). */
export const str = (values: CommandValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};
