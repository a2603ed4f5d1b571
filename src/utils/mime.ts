/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** MIME types and base64 payloads as they arrive from the sandbox or a tool (untrusted input). */

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/** The kernel's MIME type when well formed (it is untrusted input), else a generic one. */
export function safeMimeType(mimeType: string | undefined): string {
  return mimeType && MIME_TYPE.test(mimeType) && mimeType.length <= 127
    ? mimeType.toLowerCase()
    : 'application/octet-stream';
}

/** MIME types a browser or viewer runs rather than shows, beyond the classes in {@link isActiveMimeType}. */
const ACTIVE_MIME_TYPES = new Set([
  'text/html',
  'text/vbscript',
  'text/jscript',
  'text/livescript',
  'text/x-component', // HTML components (behaviours)
  'application/wasm',
  'application/hta',
  'application/x-shockwave-flash',
  'application/futuresplash',
  'application/vnd.adobe.flash.movie',
  'application/x-silverlight-app',
  'application/x-java-jnlp-file',
  'application/x-ms-application', // ClickOnce
  'application/x-ms-xbap',
]);

/**
 * Whether a viewer runs content of this MIME type instead of showing it: HTML, every XML type
 * (`text/xml`, `application/xml` and any `+xml` such as `image/svg+xml` and
 * `application/xhtml+xml`: XML documents may hold XHTML `<script>`s and XSLT), JavaScript and
 * ECMAScript under any name, WebAssembly, VBScript, HTML applications, plug-in formats (Flash,
 * Silverlight, Java Web Start, ClickOnce), and every `multipart/*` and `message/*` type (MHTML
 * archives, `multipart/x-mixed-replace`). Opened from a web UI such as `adk web`, such an
 * artifact would run with that UI's origin.
 *
 * Not active: PDF (browsers show it in an isolated viewer, and analyses legitimately save PDF
 * figures and reports), CSS, images other than SVG, text, JSON, CSV and binary data.
 */
export function isActiveMimeType(mimeType: string): boolean {
  const lower = mimeType.toLowerCase();
  const [type = '', subtype = ''] = lower.split('/');
  return (
    ACTIVE_MIME_TYPES.has(lower) ||
    subtype === 'xml' ||
    subtype.endsWith('+xml') ||
    /javascript|ecmascript/.test(subtype) ||
    type === 'multipart' ||
    type === 'message'
  );
}

/** Bytes encoded by a base64 string, without decoding it. */
export function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}
