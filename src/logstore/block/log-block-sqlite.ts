/**
 * Log block files: the shared block database slice (storage/block-db.ts) and the log
 * block's `application_id`.
 */
export {
  createBlockDb as createLogBlockDb,
  openBlockDb as openLogBlockDb,
  type BlockDb as LogBlockDb,
  type BlockStatement as LogBlockStatement,
} from '../../storage/block-db.js';

/**
 * `application_id` in the SQLite header of every log block file: "CRNL" in ASCII, so tools
 * (and `LogBlockReader.open`) tell a log block from a metrics block ("CRNB") or any other
 * SQLite file.
 */
export const LOG_BLOCK_APPLICATION_ID = 0x43524e4c;
