/**
 * @kwta/train/node: checkpoints as files on disk (Node's fs): atomic writes, and the directory
 * store `train` resumes from.
 */
export { saveCheckpoint, loadCheckpoint, directoryCheckpoints, CHECKPOINT_FILE } from './node/checkpoint-files.js';
