export { createFlowEngine, FNF_API_VERSION } from './engine';
export { FlowFailure, FnfError } from './errors';
export type {
  FlowEngine,
  FlowEvent,
  FunctionInvokeRequest,
  FunctionInvokeResult,
  FunctionInvoker,
  HistoryEvent,
  StepState,
} from './types';
