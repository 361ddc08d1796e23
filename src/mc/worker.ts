/** piscina worker entry: runs one chunk of paths. */
import { runChunk, type ChunkTask, type ChunkResult } from './chunk.js';

export default function run(task: ChunkTask): ChunkResult {
  return runChunk(task);
}
