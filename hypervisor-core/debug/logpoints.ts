/**
 * Logpoint messages (DAP `logMessage`): text with `{expression}` parts that are evaluated
 * when the logpoint is hit, as VS Code documents them. `\{` and `\}` stand for literal braces;
 * braces nest inside an expression (`{a[{b}]}` is not needed in C, but `{ {1} }` stays one
 * part). The template is parsed once when the breakpoint is set, so a message with an
 * unclosed brace is refused then, not reported on every hit.
 */
import { ExprError } from './expression';

/** A parsed message: literal text and expressions, alternating as written. */
export type LogTemplate = ({ text: string } | { expr: string })[];

/** The longest message a logpoint prints per hit (bounded: an expression may yield a long string). */
export const MAX_LOG_LINE = 4096;

/** Parses a log message; throws ExprError for an unbalanced or empty `{}`. */
export function parseLogMessage(message: string): LogTemplate {
  const parts: LogTemplate = [];
  let text = '';
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === '\\' && (message[i + 1] === '{' || message[i + 1] === '}')) {
      text += message[++i];
    } else if (c === '{') {
      let depth = 1, j = i + 1;
      for (; j < message.length && depth > 0; j++) {
        if (message[j] === '{') depth++;
        else if (message[j] === '}') depth--;
      }
      if (depth > 0) throw new ExprError(`log message: '{' at column ${i + 1} is not closed (write \\{ for a brace)`);
      const expr = message.slice(i + 1, j - 1).trim();
      if (!expr) throw new ExprError(`log message: empty {} at column ${i + 1}`);
      if (text) parts.push({ text });
      text = '';
      parts.push({ expr });
      i = j - 1;
    } else if (c === '}') {
      throw new ExprError(`log message: '}' at column ${i + 1} has no '{' (write \\} for a brace)`);
    } else {
      text += c;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

/**
 * The message of one hit: each expression through `evaluate` (the debugger's one evaluator,
 * the Debug Console's text); an expression that fails shows as `<error: why>` in its place,
 * so a logpoint never stops the guest. The result is cut at MAX_LOG_LINE characters.
 */
export function formatLogMessage(t: LogTemplate, evaluate: (expr: string) => string): string {
  let out = '';
  for (const p of t) {
    if ('text' in p) out += p.text;
    else {
      try {
        out += evaluate(p.expr);
      } catch (e) {
        out += `<error: ${(e as Error).message}>`;
      }
    }
    if (out.length > MAX_LOG_LINE) return out.slice(0, MAX_LOG_LINE) + '...';
  }
  return out;
}
