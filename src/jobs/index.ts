export { JobQueue, isUniqueViolation, type EnqueueOptions, type Job, type JobError, type JobState } from './queue.js';
export { Worker, type JobContext, type JobHandler, type JobOutcome, type WorkerEvent, type WorkerOptions } from './worker.js';
