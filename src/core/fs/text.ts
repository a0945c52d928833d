/**
 * The text as an editor shows it: without a leading UTF-8 byte order mark. VS Code drops the mark from a
 * document's text, so offsets count from after it; and JSON.parse refuses a file that starts with one.
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
