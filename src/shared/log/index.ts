export * from './journal-records';
export * from './run-reducer';
export * from './render-log';
export * from './format';
