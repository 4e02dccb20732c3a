export {
  connectionMachine,
  type ConnectionMachine,
  type ConnectionMachineContext,
  type ConnectionMachineEvent,
  type ConnectionMachineEventType,
  type ConnectionMachineInput,
  type StateMeta,
  type TransitionMeta,
} from "./connection.machine.js";
