export { type ErrorCode, errorCatalogue } from './catalogue.ts';
export {
  type ErrorLocation,
  exitCodeFor,
  formatError,
  formatLocation,
  isTnbuildError,
  TnbuildError,
  type TnbuildErrorOptions,
} from './tnbuild-error.ts';
