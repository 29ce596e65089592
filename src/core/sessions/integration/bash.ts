import script from './bash-integration.sh?raw';

/** The rc file that loads the user's ~/.bashrc and adds OSC 133 marks (see the script). */
export const BASH_INTEGRATION: string = script;
/** The line Runsheet types to run a prepared script in the user's shell, state and all. */
export function bashStepCommand(scriptPath: string): string {
  const quoted = `'${scriptPath.replace(/'/g, `'\\''`)}'`;
  return ` __runsheet_show ${quoted}; . ${quoted}`;
}
