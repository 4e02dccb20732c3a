/**
 * Benchmark helpers that run in child processes (servers, load clients), driven over
 * Node's IPC channel by request/reply messages.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * A running child: `ask` sends a command and resolves with the child's reply to it;
 * `onEvent` hears what the child reports on its own (`{ event: name }`) meanwhile.
 */
export interface Child {
  ask<T = Record<string, unknown>>(command: Record<string, unknown>): Promise<T>;
  onEvent(listener: (name: string) => void): void;
  stop(): Promise<void>;
}

/**
 * Starts `bench/<file>` in a child process (with the same TypeScript loader as this one)
 * and resolves once it said it is ready.
 */
export function startChild(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; nodeFlags?: string[] } = {}): Promise<Child> {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  const child: ChildProcess = fork(path, args, {
    env: options.env ?? process.env,
    execArgv: [...process.execArgv, ...(options.nodeFlags ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const eventListeners: Array<(name: string) => void> = [];
  const waiting = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  child.on("exit", (code, signal) => failAll(new Error(`${file} exited (${code ?? signal})`)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (message: { id?: number; ready?: boolean; error?: string; event?: string }) => {
      if (message.event !== undefined) {
        for (const listener of eventListeners) listener(message.event);
        return;
      }
      if (message.ready) {
        resolve({
          ask: <T>(command: Record<string, unknown>) =>
            new Promise<T>((resolveReply, rejectReply) => {
              const id = nextId++;
              waiting.set(id, { resolve: resolveReply as (value: never) => void, reject: rejectReply });
              child.send({ ...command, id });
            }),
          onEvent: (listener) => eventListeners.push(listener),
          stop: () =>
            new Promise<void>((resolveStop) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
              // Disconnecting lets the child exit by itself (so --cpu-prof output is written).
              const timer = setTimeout(() => child.kill(), 2000);
              child.once("exit", () => {
                clearTimeout(timer);
                resolveStop();
              });
              child.disconnect();
            }),
        });
        return;
      }
      const entry = waiting.get(message.id ?? -1);
      if (entry === undefined) return;
      waiting.delete(message.id!);
      if (message.error !== undefined) entry.reject(new Error(`${file}: ${message.error}`));
      else entry.resolve(message as never);
    });
  });
}

/**
 * In a child: answers the parent's commands with `handle` and says it is ready. The
 * reply carries the command's id; a thrown error is reported, not fatal.
 */
export function serveCommands(handle: (command: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  if (process.send === undefined) throw new Error("Run this file through bench/index.ts: it is a child process.");
  process.on("message", (command: Record<string, unknown>) => {
    void (async () => {
      try {
        process.send!({ ...(await handle(command)), id: command.id });
      } catch (error) {
        process.send!({ id: command.id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true });
}
