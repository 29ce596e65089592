export * from './runbook';
export * from './run';
export * from './journal';
export * from './names';
export * from './rules';
export * from './hosts';
export * from './danger';
export * from './plan';
