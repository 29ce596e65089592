export * from './contract';
export * from './errors';
export * from './dispatch';
export * from './wire';
export { createInProcessApi, type EventSource } from './in-process';
export * as schemas from '../model';
