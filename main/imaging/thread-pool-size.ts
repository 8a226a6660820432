/**
 * libuv's thread pool runs file writes, flushes and reads. With its default 4 threads, writing
 * three cards at once keeps every thread busy with writes and flushes (each card has a write and a
 * background flush under way, and its read-back reads ahead), and everything else that needs the
 * pool (the cache, the job's log, reading the image) waits behind them; slow SD cards hold a thread
 * for each write far longer than the bench's files do. Measured when the xz decoder still stepped
 * on this pool (bench/imaging-bench.ts, three cards against one): 1.40-1.49 times with 4 threads,
 * 1.26-1.31 with 8. The decoder now has a thread of its own (xz-worker.ts).
 *
 * libuv reads UV_THREADPOOL_SIZE once, when the pool is first used, so the entry files import this
 * module first, before anything touches the pool. A value set by the user is kept.
 */
export const THREAD_POOL_SIZE = 12;

process.env['UV_THREADPOOL_SIZE'] ??= String(THREAD_POOL_SIZE);
