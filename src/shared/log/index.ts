export * from './run-reducer';
export * from './render-log';
export * from './format';
export * from './fields';
export * from './output-cut';
