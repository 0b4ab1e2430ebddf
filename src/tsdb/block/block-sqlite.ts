/**
 * Metrics block files: the shared block database slice (storage/block-db.ts) and the
 * metrics block's `application_id`.
 */
export { createBlockDb, openBlockDb, type BlockDb, type BlockStatement } from '../../storage/block-db.js';

/**
 * `application_id` in the SQLite header of every block file: "CRNB" in ASCII, so tools
 * (and `BlockReader.open`) can tell a Cairn block from any other SQLite file.
 */
export const BLOCK_APPLICATION_ID = 0x43524e42;
