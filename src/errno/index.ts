/** Public surface of the errno layer: the error table, the error type, assertions. */
export { ERRNO, isErrorCode, type ErrorCode } from './codes.js';
export { FsError, IGET, fsError, isFsError, reframe } from './fs-error.js';
export { AssertionError, assert, fail, unreachable } from './assert.js';
export { argError, invalidArgType, invalidArgValue, isArgError, outOfRange, type ArgError, type ArgErrorCode } from './arg-error.js';
export { errnoCodeOf, systemError, type SystemErrorCode, type SystemErrorInfo } from './system-error.js';
