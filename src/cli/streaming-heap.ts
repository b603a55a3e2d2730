// The old generation's growth between collections, held down in processes that stream a batch
// file (npm run enqueue). Their live heap stays about 25 MB however long the file; V8's default
// lets the old generation grow to four times its live size between full collections, so peak
// RSS kept rising with the file's length until it reached that size (about 230 MB at 1M rows,
// 165–190 MB at 100k). Growing by half of the live size instead: about 160 MB at 1M rows and
// 150 MB at 100k, with no difference in rows/s or CPU time that the bench's ingest stage can
// tell apart from run-to-run noise.
import { setFlagsFromString } from 'node:v8';

/** Applies to the collections after the call: call it before the stream starts. */
export function limitOldGenerationGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
