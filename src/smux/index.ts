export { defaultSmuxConfig, MAX_FRAME_SIZE_LIMIT, type SmuxConfig, verifyConfig } from './config.js';
export { SmuxError, type SmuxErrorCode } from './errors.js';
export { SMALL_REQUEST_BYTES } from './frame-writer.js';
export { SmuxSession, type SmuxSessionEvents } from './session.js';
export { SmuxStream } from './stream.js';
