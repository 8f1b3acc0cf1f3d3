/** Congestion control beside the KCP state machine: the model-based controller of `-mode auto`. */
export {
  CongestionController,
  type ControllerEstimates,
  type ControllerOptions,
  type ControllerState,
  type StartupExit,
} from './controller.js';
export { ReceiveWindowTuner } from './receive-window.js';
export type { SendSnapshot } from './send-snapshot.js';
export { WindowedFilter } from './windowed-filter.js';
