// What every Parley process's Prometheus metrics share: histograms of one name are summed across
// processes (stt, mt and sfu all time stages), which only works when their buckets are the same.

/** Seconds; captions matter from tens of milliseconds to tens of seconds (a backlog). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

/** Seconds; one engine call runs from a millisecond (Apertium) to seconds (a large Whisper). */
export const ENGINE_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `kind` label of `parley_process_info`, one per Parley program. */
export type ProcessKind = 'sfu' | 'stt' | 'mt' | 'transcripts';

/**
 * Stages timed in `parley_stage_duration_seconds`: queue stages are the wait between XADD and a
 * worker taking the entry; `vad` is a frame's audio arriving at the sfu → its speech probability
 * known; `delivery` is a caption published by a worker → emitted to the listeners' sockets.
 */
export type PipelineStage = 'vad' | 'stt_queue' | 'stt_decode' | 'mt_queue' | 'mt_translate' | 'delivery';
