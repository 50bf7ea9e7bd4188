/** @module The version string: set by scripts/build.ts for compiled binaries, "<package version>-dev" from source. */
import packageJson from "../package.json" with { type: "json" };

declare const HTTAP_BUILD_VERSION: string | undefined;

export const VERSION: string = typeof HTTAP_BUILD_VERSION === "string" ? HTTAP_BUILD_VERSION : `${packageJson.version}-dev`;
