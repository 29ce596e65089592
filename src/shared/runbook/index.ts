export { parseRunbook, parseRunbookFile, type StepAnalyzer } from './parse';
export { cadenceFromText, parseCadence } from './cadence';
export { isRunnableBlock, looksLikeShell, SHELL_LANGS } from './shell-detect';
