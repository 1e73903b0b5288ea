/**
 * Worker thread for forecastMany: receives chunks of series, answers with forecasts or calibration
 * samples. Spawned by forecast-many.ts (under tsx via `--import tsx`).
 */
import { parentPort } from 'node:worker_threads';
import { runWorkerTask, type WorkerRequest } from './forecast-tasks';

if (!parentPort) throw new Error('worker.ts must run as a worker thread');
const port = parentPort;
port.on('message', (request: WorkerRequest) => {
  try {
    port.postMessage({ id: request.id, ok: true, result: runWorkerTask(request.task) });
  } catch (error) {
    port.postMessage({
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
