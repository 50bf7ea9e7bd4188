/**
 * @module Node's built-in modules, fetched when first called for rather than imported. The bundler hoists every
 * static import into the compiled binary's start-up, and each module maps more of Bun's runtime whether or not this
 * run needs it: node:fs alone cost ~1.5 MiB of idle RSS and ~1.5 ms of exec to first response on a device serving
 * HTTP only (issue 22, compiled x64, Bun 1.4.5), which reads no file after start. A configuration that does need one
 * (a simulated board, a state directory, the sandbox) pays for it on first use, once: the runtime keeps each module.
 */

/** node:crypto maps ~1.7 MiB more of the runtime: only the leader's PIN and tokens use it. */
export const nodeCrypto = () => process.getBuiltinModule("node:crypto");
export const nodeFs = () => process.getBuiltinModule("node:fs");
export const nodeFsPromises = () => process.getBuiltinModule("node:fs/promises");
export const nodeOs = () => process.getBuiltinModule("node:os");
export const nodePath = () => process.getBuiltinModule("node:path");
/** node:zlib's brotli maps ~8 MiB of the runtime: only packing a directory compresses (child-packer.ts). */
export const nodeZlib = () => process.getBuiltinModule("node:zlib");
