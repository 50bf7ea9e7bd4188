/** @module Reason phrases for the status codes this server sends (RFC 9110 §15). */

const STATUS_TEXT: ReadonlyMap<number, string> = new Map([
  [100, "Continue"],
  [200, "OK"],
  [204, "No Content"],
  [206, "Partial Content"],
  [304, "Not Modified"],
  [400, "Bad Request"],
  [403, "Forbidden"],
  [404, "Not Found"],
  [405, "Method Not Allowed"],
  [408, "Request Timeout"],
  [411, "Length Required"],
  [413, "Content Too Large"],
  [414, "URI Too Long"],
  [415, "Unsupported Media Type"],
  [416, "Range Not Satisfiable"],
  [431, "Request Header Fields Too Large"],
  [500, "Internal Server Error"],
  [501, "Not Implemented"],
  [503, "Service Unavailable"],
  [505, "HTTP Version Not Supported"],
]);

export function statusText(status: number): string {
  return STATUS_TEXT.get(status) ?? "Unknown";
}
