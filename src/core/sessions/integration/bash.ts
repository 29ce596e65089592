import script from './bash-integration.sh?raw';

/** The rc file that loads the user's ~/.bashrc and adds OSC 133 marks (see the script). */
export const BASH_INTEGRATION: string = script;
/** The file a session's next step is written to; one step runs at a time per shell. */
export const STEP_FILE_NAME = 'step.sh';

/** The tag of the C mark that opens a step's output. */
export const STEP_MARK_TAG = 'step';

/** The line Runsheet types to run the prepared step (see the alias in the script). */
export const BASH_STEP_COMMAND = ' runsheet_step';
