import { isMainThread } from 'node:worker_threads';

/**
 * Turns off onnxruntime's telemetry for this process (`ORT_DISABLE_TELEMETRY=1`), before the first session.
 *
 * Why: when it creates its first session, onnxruntime-node 1.30 on Linux reads the process's whole command
 * line (/proc/self/cmdline) for its telemetry and parses it recursively; once the command line passes about
 * 28 KB the recursion overflows the stack and the process dies with SIGSEGV, before any note is read
 * (`sidelight predict` with ~350 note paths). The same telemetry would also carry those paths, names of
 * clinical notes, out of the machine.
 *
 * Only the main thread can do it: onnxruntime reads the real environment, and a worker thread's
 * `process.env` is a copy that native code never sees. So the thread that starts the model worker calls
 * this before starting it, and the worker inherits the setting. A value already set is overwritten: "0"
 * would bring the crash back.
 */
export function disableOnnxRuntimeTelemetry(): void {
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY = '1';
}
