/**
 * The one error type the command-line layer throws for bad input: a flag, an environment value,
 * a JSON config file or a parameter outside kcptun's limits. The message is a single line that
 * names the offending flag, key or file, so a main can print it and exit.
 */
export class CliError extends Error {
  override name = 'CliError';
}
