/**
 * @module The runtime's own start for the benchmark (issue 22): a compiled program that does nothing. Its exec to exit,
 * beside `httap --version`'s (the runtime and the evaluation of httap's modules, then exit), splits httap's start-up
 * under qemu-user into the runtime, httap's modules, and its set-up to the first response (`start-up.ts`).
 */
export {};
